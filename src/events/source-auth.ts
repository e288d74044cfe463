/**
 * Checking a sender's credential against its source, in constant time: a bearer token (its sha256
 * compared with the stored one), a PagerDuty routing key (the same token, in the body), or an
 * HMAC-SHA256 signature of the raw body (hex, optionally `sha256=`-prefixed; with a timestamp
 * header, of `<timestamp>:<body>`, and the timestamp within five minutes of now).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { TandemError } from '../core/errors.ts';
import type { MasterKey } from '../secrets/index.ts';
import { openSecret, sha256Hex, type EventSource } from './sources.ts';

/** How far a signed timestamp may be from now: replays older than this are refused. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

export interface SentCredentials {
  /** Request headers, names in lower case (as Node gives them). */
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** A PagerDuty routing key read from the body, if any. */
  routingKey?: string;
  now: number;
}

const refused = (why: string) => new TandemError('unauthorized', why);

/** Equal texts, compared in time independent of where they differ (their digests have one length). */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(sha256Hex(a), 'hex');
  const y = Buffer.from(sha256Hex(b), 'hex');
  return timingSafeEqual(x, y);
}

function header(h: SentCredentials['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function bearerOf(h: SentCredentials['headers']): string | undefined {
  const auth = header(h, 'authorization');
  const m = auth === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return m?.[1];
}

/** Throws `unauthorized` (401) unless the request proves it comes from `source`. */
export function checkSourceCredential(source: EventSource, key: MasterKey, sent: SentCredentials): void {
  if (source.auth === 'bearer') {
    const stored = source.tokenHash;
    if (stored === null) throw refused(`event source ${source.name} has no token`);
    const bearer = bearerOf(sent.headers);
    const offered = bearer ?? (source.kind === 'pagerduty' ? sent.routingKey : undefined);
    if (offered === undefined)
      throw refused(
        source.kind === 'pagerduty'
          ? 'send the source token as "Authorization: Bearer <token>" or as routing_key'
          : 'send the source token as "Authorization: Bearer <token>"',
      );
    if (!sameText(sha256Hex(offered), stored))
      throw refused(`wrong credential for event source ${source.name}`);
    return;
  }
  const signature = header(sent.headers, source.signatureHeader);
  if (signature === undefined)
    throw refused(`sign the body with HMAC-SHA256 in header ${source.signatureHeader}`);
  let signed: Buffer = sent.rawBody;
  if (source.timestampHeader !== null) {
    const ts = header(sent.headers, source.timestampHeader);
    const seconds = ts === undefined ? NaN : Number(ts);
    if (!Number.isFinite(seconds))
      throw refused(`send the signing time (Unix seconds) in header ${source.timestampHeader}`);
    const ms = seconds < 1e12 ? seconds * 1000 : seconds;
    if (Math.abs(sent.now - ms) > MAX_SIGNATURE_AGE_MS)
      throw refused('the signed timestamp is more than 5 minutes from now: refused as a possible replay');
    signed = Buffer.concat([Buffer.from(`${ts}:`), sent.rawBody]);
  }
  const expected = createHmac('sha256', openSecret(source, key)).update(signed).digest('hex');
  const given = signature
    .trim()
    .replace(/^sha256=/i, '')
    .toLowerCase();
  if (!sameText(given, expected)) throw refused(`wrong signature for event source ${source.name}`);
}
