import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1m500ms', 60_500],
  ])('%s is %i milliseconds', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '5 minutes', '1.5h', '-1s', '1w'])('"%s" is refused with the accepted forms', (text) => {
    expect(() => parseDuration(text)).toThrow(/not a duration; write e\.g\. 500ms/);
  });

  it.each([
    [0, '0s'],
    [500, '500ms'],
    [5_400_000, '1h30m'],
    [90_061_001, '1d1h1m1s1ms'],
  ])('%i milliseconds are written %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('a formatted duration parses back to the same milliseconds', () => {
    for (const ms of [1, 999, 1_000, 61_000, 3_600_001, 172_800_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });

  it('a negative duration cannot be formatted', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
  });
});
