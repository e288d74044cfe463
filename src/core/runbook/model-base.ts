/** The building blocks every part of the runbook model shares: durations and templates. */
import { z } from 'zod';

export const DURATION_PATTERN = /^(\d+(ms|s|m|h|d))+$/;
export const duration = z
  .string()
  .regex(DURATION_PATTERN, 'a duration such as 500ms, 30s, 5m, 2h or 1h30m')
  .describe('A duration: 500ms, 30s, 5m, 2h, 1d, or combinations like 1h30m');

/** A string that may contain `${{ … }}` CEL expressions. */
export const template = z.string().describe('Text with optional ${{ CEL expression }} parts');
