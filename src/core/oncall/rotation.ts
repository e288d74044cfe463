/**
 * Who is on call at an instant: overrides first, then the highest layer that has someone. Day and
 * week rotations hand off at a wall-clock time in the layer's zone, so a shift across a change of
 * clocks is 23 or 25 hours long and the handoff stays at 09:00; hour rotations count elapsed
 * time from the first handoff.
 */
import { ROTATION_PATTERN, WEEKDAYS, type Layer, type Override, type Schedule } from './model.ts';
import { parseClock, parseLocalDate, wallClock, zonedInstant } from './time-zone.ts';

const HOUR_MS = 3_600_000;

/** The answer of `whoIsOnCall`. */
export interface OnCall {
  /** Nobody: no layer has started, restrictions leave the time uncovered. */
  user: string | null;
  /** The layer that answered (null for an override or nobody). */
  layer: string | null;
  /** The override that answered. */
  override: string | null;
  /** The shift the user is in: until `end` at least they stay on call, unless an override or restriction cuts in. */
  shift: { start: number; end: number } | null;
}

/** A shift of one layer's rotation: the `index`th since the layer started. */
export interface Shift {
  index: number;
  user: string;
  start: number;
  end: number;
}

interface Rotation {
  unit: 'h' | 'd' | 'w';
  length: number;
}

function rotationOf(layer: Layer): Rotation {
  const m = ROTATION_PATTERN.exec(layer.rotation);
  if (!m) throw new Error(`rotation ${layer.rotation}: not a rotation length`);
  return { unit: m[2] as Rotation['unit'], length: Number(m[1]) };
}

const zoneOf = (schedule: Schedule, layer: Layer) => layer.time_zone ?? schedule.time_zone;

/** The instant the layer's first shift starts. */
export function layerStart(schedule: Schedule, layer: Layer): number {
  return zonedInstant(parseLocalDate(layer.start)!, parseClock(layer.handoff)!, zoneOf(schedule, layer));
}

/** The layer's shift at `at`, ignoring restrictions; undefined before the layer starts. */
export function shiftAt(schedule: Schedule, layer: Layer, at: number): Shift | undefined {
  const tz = zoneOf(schedule, layer);
  const { unit, length } = rotationOf(layer);
  const startDays = parseLocalDate(layer.start)!;
  const handoff = parseClock(layer.handoff)!;
  const user = (i: number) =>
    layer.users[((i % layer.users.length) + layer.users.length) % layer.users.length]!;
  if (unit === 'h') {
    const first = zonedInstant(startDays, handoff, tz);
    if (at < first) return undefined;
    const span = length * HOUR_MS;
    const index = Math.floor((at - first) / span);
    return { index, user: user(index), start: first + index * span, end: first + (index + 1) * span };
  }
  const spanDays = unit === 'w' ? length * 7 : length;
  // The local date of the last handoff time at or before `at`.
  let day = wallClock(at, tz).days;
  if (at < zonedInstant(day, handoff, tz)) day -= 1;
  if (day < startDays) return undefined;
  const index = Math.floor((day - startDays) / spanDays);
  const from = startDays + index * spanDays;
  return {
    index,
    user: user(index),
    start: zonedInstant(from, handoff, tz),
    end: zonedInstant(from + spanDays, handoff, tz),
  };
}

/** Whether the layer's restrictions (if any) cover `at`. */
export function withinRestrictions(schedule: Schedule, layer: Layer, at: number): boolean {
  const windows = layer.restrictions;
  if (windows === undefined || windows.length === 0) return true;
  const wc = wallClock(at, zoneOf(schedule, layer));
  const startsOn = (days: readonly string[] | undefined, weekday: number) =>
    days === undefined || days.includes(WEEKDAYS[weekday]!);
  return windows.some((w) => {
    const start = parseClock(w.start)!;
    const end = parseClock(w.end)!;
    if (start < end) return startsOn(w.days, wc.weekday) && wc.minute >= start && wc.minute < end;
    // Past midnight (or a full day when end = start): the part of today's window, or the tail of yesterday's.
    return (
      (startsOn(w.days, wc.weekday) && wc.minute >= start) ||
      (startsOn(w.days, (wc.weekday + 6) % 7) && wc.minute < end)
    );
  });
}

/** The override in force at `at`: among overlapping ones, the one created last. */
export function overrideAt(overrides: readonly Override[], at: number): Override | undefined {
  let found: Override | undefined;
  for (const o of overrides)
    if (o.start <= at && at < o.end && (found === undefined || o.createdAt >= found.createdAt)) found = o;
  return found;
}

/** Who is on call for `schedule` at `at` (epoch ms). Pure: the clock is the caller's. */
export function whoIsOnCall(schedule: Schedule, at: number, overrides: readonly Override[] = []): OnCall {
  const o = overrideAt(overrides, at);
  if (o) return { user: o.user, layer: null, override: o.id, shift: { start: o.start, end: o.end } };
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const layer = schedule.layers[i]!;
    const shift = shiftAt(schedule, layer, at);
    if (shift === undefined || !withinRestrictions(schedule, layer, at)) continue;
    return {
      user: shift.user,
      layer: layer.name,
      override: null,
      shift: { start: shift.start, end: shift.end },
    };
  }
  return { user: null, layer: null, override: null, shift: null };
}
