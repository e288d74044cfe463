/**
 * The final schedule over a time range: who is on call from when to when, overrides, layers and
 * restrictions all applied. Built by asking `whoIsOnCall` at every instant where the answer can
 * change (handoffs, window edges, override edges) and joining equal neighbours.
 */
import type { Override, Schedule } from './model.ts';
import { layerStart, shiftAt, whoIsOnCall } from './rotation.ts';
import { DAY_MS, parseClock, wallClock, zonedInstant } from './time-zone.ts';

export interface Segment {
  start: number;
  end: number;
  user: string | null;
  layer: string | null;
  override: string | null;
}

/** Ranges longer than this are refused: 10,000 shifts of a 12 h layer would already be 13 years. */
export const MAX_TIMELINE_MS = 366 * DAY_MS;

function boundaries(schedule: Schedule, overrides: readonly Override[], from: number, to: number): number[] {
  const at = new Set<number>([from]);
  const add = (t: number) => {
    if (t > from && t < to) at.add(t);
  };
  for (const o of overrides) {
    add(o.start);
    add(o.end);
  }
  for (const layer of schedule.layers) {
    add(layerStart(schedule, layer));
    let shift = shiftAt(schedule, layer, Math.max(from, layerStart(schedule, layer)));
    while (shift !== undefined && shift.end < to) {
      add(shift.end);
      shift = shiftAt(schedule, layer, shift.end);
    }
    const tz = layer.time_zone ?? schedule.time_zone;
    const first = wallClock(from, tz).days - 1;
    const last = wallClock(to, tz).days + 1;
    for (const w of layer.restrictions ?? []) {
      const start = parseClock(w.start)!;
      const end = parseClock(w.end)!;
      for (let d = first; d <= last; d++) {
        add(zonedInstant(d, start, tz));
        add(zonedInstant(end > start ? d : d + 1, end, tz));
      }
    }
  }
  return [...at].sort((a, b) => a - b);
}

/** Who is on call over [from, to), as segments in time order. */
export function onCallTimeline(
  schedule: Schedule,
  from: number,
  to: number,
  overrides: readonly Override[] = [],
): Segment[] {
  if (to <= from) return [];
  if (to - from > MAX_TIMELINE_MS) throw new RangeError('a timeline covers a year at most');
  const points = boundaries(schedule, overrides, from, to);
  const segments: Segment[] = [];
  points.forEach((start, i) => {
    const end = points[i + 1] ?? to;
    const who = whoIsOnCall(schedule, start, overrides);
    const prev = segments.at(-1);
    if (prev && prev.user === who.user && prev.layer === who.layer && prev.override === who.override)
      prev.end = end;
    else segments.push({ start, end, user: who.user, layer: who.layer, override: who.override });
  });
  return segments;
}
