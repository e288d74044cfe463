/**
 * Masking a stream of chunks (a step's log), where a secret may be split across chunks: the
 * masker holds back the shortest tail that could still begin a secret — at most the longest
 * needle's length minus one characters — and emits everything before it, masked. The output of
 * `push`es then `flush` equals `mask` of the whole text.
 */
import { coveredRuns, Masker, render } from './masker.ts';

export interface StreamMasker {
  /** The masked text that is now certain; the rest waits for the next chunk. */
  push(chunk: string): string;
  /** The masked remainder, at the end of the stream. */
  flush(): string;
}

export function createStreamMasker(values: Iterable<string> | Masker): StreamMasker {
  const { needles, maxLength } = values instanceof Masker ? values : new Masker(values);
  let pending = '';
  /** Leading characters of `pending` covered by a match that began in text already emitted. */
  let carry = 0;
  /** The text emitted last ended inside a mask (so a run continuing it adds no second `***`). */
  let inMask = false;

  const emit = (text: string, end: number): string => {
    const runs = coveredRuns(text, needles, carry);
    const out = render(text, runs, end, inMask);
    if (end > 0) {
      const crossing = runs.find(([s, e]) => s < end && e >= end);
      inMask = crossing !== undefined;
      carry = crossing === undefined ? 0 : crossing[1] - end;
    }
    pending = text.slice(end);
    return out;
  };

  return {
    push(chunk) {
      if (needles.length === 0) return chunk;
      const text = pending + chunk;
      return emit(text, text.length - heldBack(text, needles, maxLength));
    },
    flush() {
      const out = emit(pending, pending.length);
      carry = 0;
      inMask = false;
      return out;
    },
  };
}

/** Length of the longest tail of `text` that is a proper beginning of some needle. */
function heldBack(text: string, needles: readonly string[], maxLength: number): number {
  for (let i = Math.max(0, text.length - (maxLength - 1)); i < text.length; i++) {
    const tail = text.length - i;
    for (const needle of needles) {
      if (needle.length > tail && startsAt(text, i, needle)) return tail;
    }
  }
  return 0;
}

/** `text` from `i` to its end equals the beginning of `needle` (compared in place, no copies). */
function startsAt(text: string, i: number, needle: string): boolean {
  for (let j = 0; i + j < text.length; j++) if (text.charCodeAt(i + j) !== needle.charCodeAt(j)) return false;
  return true;
}
