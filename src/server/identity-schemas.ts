/** The shapes of names and fields in the identity API, shared by its routes. */
import { z } from 'zod';
import { roles } from '../core/access/index.ts';

export const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;
export const TEAM_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const username = z
  .string()
  .regex(USERNAME, 'lower-case letters, digits and . _ @ -, starting with a letter or digit (64 at most)');
export const teamName = z
  .string()
  .regex(TEAM_NAME, 'lower-case letters, digits and . _ -, starting with a letter or digit (64 at most)');
export const role = z.enum(roles);
/** Text people write (names, descriptions): no control characters (PostgreSQL refuses NUL). */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'no control characters');
/** A row id in a path: what uuidv7 makes, and nothing a database would choke on. */
export const rowId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id');
/** Checked by the password rules after validation; the bound keeps hashing cost predictable. */
export const password = z.string().min(1).max(1024);
export const displayName = text(200).min(1);
export const description = text(500);
export const oidcGroup = text(256).min(1);
export const email = z.email().max(254);
export const tokenName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}]+$/u, 'no control characters');
export const expiresIn = z
  .string()
  .max(32)
  .describe('how long the token lives, e.g. 30d or 12h (default 90d, at most 365d)');
export const sitePattern = z
  .string()
  .regex(/^[a-z0-9*][a-z0-9*-]{0,62}$/, 'a site name or a pattern with *, such as idc-*');
export const labels = z
  .record(z.string().min(1).max(63), z.string().max(253))
  .refine((l) => Object.keys(l).length <= 16, 'at most 16 labels');
