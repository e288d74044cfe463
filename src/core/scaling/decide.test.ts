import { describe, expect, it } from 'vitest';
import { actionStarted, evaluate, settle, timingsOf } from './decide.ts';
import {
  initialScalingState,
  scalingSpecSchema,
  type Observation,
  type ScalingSpec,
  type ScalingState,
} from './model.ts';

const S = 1_000;
const T0 = Date.UTC(2025, 5, 1, 12);

const specOf = (over: Partial<ScalingSpec> = {}): ScalingSpec =>
  scalingSpecSchema.parse({
    prometheus: 'http://127.0.0.1:9090',
    query: 'sum(rate(x[20s]))',
    scale_out_above: 50,
    scale_in_below: 10,
    for: '10s',
    cooldown: '60s',
    interval: '5s',
    min: 0,
    max: 2,
    burst_site: 'cloud-hangzhou',
    scale_out: {},
    scale_in: {},
    ...over,
  });

const seen = (value: number): Observation => ({ ok: true, value });

/**
 * A policy driven through time with an injected clock: each `at(t, reading)` evaluates once,
 * keeps the state, and a started action gets a run id as the worker would give it.
 */
function driver(spec: ScalingSpec, state: ScalingState = initialScalingState()) {
  const timings = timingsOf(spec);
  let current = state;
  return {
    at(t: number, reading: Observation) {
      const e = evaluate(spec, timings, current, reading, T0 + t);
      current =
        e.verdict.kind === 'hold' ? e.state : actionStarted(e.state, e.verdict.kind, `run-${t}`, T0 + t);
      return e;
    },
    end(t: number, status: 'succeeded' | 'failed' | 'cancelled') {
      const s = settle(current, { status, finishedAt: T0 + t }, T0 + t);
      current = s.state;
      return s.outcome;
    },
    get state() {
      return current;
    },
  };
}

describe('the scaling decision', () => {
  it('scales out only once the measure has stayed above the threshold for the whole `for`', () => {
    const p = driver(specOf());
    expect(p.at(0, seen(60)).verdict).toEqual({ kind: 'hold', reason: 'for_pending' });
    expect(p.at(5 * S, seen(70)).verdict).toEqual({ kind: 'hold', reason: 'for_pending' });
    expect(p.at(9_999, seen(70)).heldMs).toBe(9_999);
    const e = p.at(10 * S, seen(55));
    expect(e.verdict).toEqual({ kind: 'scale_out', reason: 'above_threshold' });
    // The condition held from the first reading above: the decision can say when it was crossed.
    expect(e.state.conditionSince).toBe(T0);
    expect(p.state.pending).toEqual({ action: 'scale_out', runId: `run-${10 * S}`, since: T0 + 10 * S });
  });

  it('starts the `for` again when the measure dips back into the band or a reading fails', () => {
    const p = driver(specOf());
    p.at(0, seen(60));
    expect(p.at(5 * S, seen(30)).verdict).toEqual({ kind: 'hold', reason: 'within_band' });
    p.at(6 * S, seen(60));
    expect(p.at(15 * S, seen(60)).verdict.reason).toBe('for_pending');
    expect(p.at(16 * S, seen(60)).verdict.kind).toBe('scale_out');

    const q = driver(specOf());
    q.at(0, seen(60));
    expect(q.at(5 * S, { ok: false, error: 'timeout' }).verdict).toEqual({ kind: 'hold', reason: 'no_data' });
    expect(q.at(10 * S, seen(60)).verdict.reason).toBe('for_pending');
  });

  it('has a band between the thresholds where nothing happens (hysteresis)', () => {
    const p = driver(specOf(), { ...initialScalingState(), instances: 1 });
    for (let t = 0; t <= 120; t += 5) {
      // Hovering around each threshold without passing it: exactly 50 is not above 50, 10 not below 10.
      const value = t % 10 === 0 ? 50 : 10;
      expect(p.at(t * S, seen(value)).verdict).toEqual({ kind: 'hold', reason: 'within_band' });
    }
    expect(p.state.instances).toBe(1);
  });

  it('starts nothing while an action runs, then counts the instance when its run succeeds', () => {
    const p = driver(specOf());
    p.at(0, seen(60));
    p.at(10 * S, seen(60));
    expect(p.at(15 * S, seen(90)).verdict).toEqual({ kind: 'hold', reason: 'in_progress' });
    expect(p.end(20 * S, 'succeeded')).toBe('scaled_out');
    expect(p.state).toMatchObject({ instances: 1, pending: null, lastActionAt: T0 + 20 * S });
  });

  it('waits out the cooldown after an action ended before the next, even with the condition held', () => {
    const p = driver(specOf());
    p.at(0, seen(60));
    p.at(10 * S, seen(60));
    p.end(20 * S, 'succeeded');
    // Still above: held since 25 s, so `for` is met at 35 s; the cooldown runs to 80 s.
    p.at(25 * S, seen(60));
    const e = p.at(40 * S, seen(60));
    expect(e.verdict).toEqual({ kind: 'hold', reason: 'cooldown' });
    expect(e.cooldownLeftMs).toBe(40 * S);
    expect(p.at(79 * S, seen(60)).verdict.reason).toBe('cooldown');
    expect(p.at(80 * S, seen(60)).verdict).toEqual({ kind: 'scale_out', reason: 'above_threshold' });
  });

  it('needs the condition to hold `for` again after an action', () => {
    const p = driver(specOf({ cooldown: '0s' }));
    p.at(0, seen(60));
    p.at(10 * S, seen(60));
    p.end(11 * S, 'succeeded');
    expect(p.at(12 * S, seen(60)).verdict.reason).toBe('for_pending');
    expect(p.at(21 * S, seen(60)).verdict.reason).toBe('for_pending');
    expect(p.at(22 * S, seen(60)).verdict.kind).toBe('scale_out');
  });

  it('never goes past max, and scales in while the measure stays low, down to min', () => {
    const p = driver(specOf({ cooldown: '0s', for: '0s', min: 1 }), {
      ...initialScalingState(),
      instances: 2,
    });
    expect(p.at(0, seen(500)).verdict).toEqual({ kind: 'hold', reason: 'at_max' });
    expect(p.at(5 * S, seen(2)).verdict).toEqual({ kind: 'scale_in', reason: 'below_threshold' });
    expect(p.end(6 * S, 'succeeded')).toBe('scaled_in');
    expect(p.state.instances).toBe(1);
    expect(p.at(10 * S, seen(2)).verdict).toEqual({ kind: 'hold', reason: 'at_min' });
  });

  it('brings instances back within min..max first, with or without a reading', () => {
    const low = driver(specOf({ min: 1 }));
    expect(low.at(0, { ok: false, error: 'down' }).verdict).toEqual({
      kind: 'scale_out',
      reason: 'below_min',
    });
    const high = driver(specOf({ max: 1 }), { ...initialScalingState(), instances: 3 });
    expect(high.at(0, seen(500)).verdict).toEqual({ kind: 'scale_in', reason: 'above_max' });
  });

  it('counts nothing for a failed action, and still waits out the cooldown before trying again', () => {
    const p = driver(specOf({ for: '0s' }));
    expect(p.at(0, seen(60)).verdict.kind).toBe('scale_out');
    expect(p.end(3 * S, 'failed')).toBe('action_failed');
    expect(p.state).toMatchObject({ instances: 0, pending: null, lastActionAt: T0 + 3 * S });
    expect(p.at(5 * S, seen(60)).verdict.reason).toBe('cooldown');
    expect(p.at(63 * S, seen(60)).verdict.kind).toBe('scale_out');
    expect(settle(p.state, 'missing', T0 + 70 * S)).toMatchObject({
      outcome: 'action_failed',
      state: { lastActionAt: T0 + 70 * S, pending: null },
    });
  });

  it('does nothing when disabled', () => {
    const p = driver(specOf({ enabled: false, min: 1 }));
    expect(p.at(0, seen(500)).verdict).toEqual({ kind: 'hold', reason: 'disabled' });
  });
});
