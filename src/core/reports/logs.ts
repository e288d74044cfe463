/** A step's logs in a few lines: how much it wrote and how its last attempt ended. */
import type { Mask } from './mask.ts';
import type { StepLogTail } from './model.ts';

/** Lines of the last attempt a report shows. */
export const LOG_TAIL_LINES = 10;
/** A line longer than this is cut: the summary is for reading, the full log is in the API. */
const MAX_LINE = 300;

/** The last `n` non-empty lines of `text`, each cut to a readable length, masked. */
export function lastLines(text: string, n: number, mask: Mask): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  return lines
    .slice(-n)
    .map((l) => mask(l))
    .map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE - 1)}…` : l));
}

export function logSummary(t: StepLogTail, mask: Mask) {
  return {
    bytes: t.bytes,
    attempts: t.attempts,
    last_attempt: t.lastAttempt,
    last_lines: lastLines(t.tail, LOG_TAIL_LINES, mask),
  };
}

/** `1.2 KiB`, `3.4 MiB`: a size for people. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
