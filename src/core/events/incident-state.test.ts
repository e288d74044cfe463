import { describe, expect, it } from 'vitest';
import { nextStatus, raisedSeverity, shouldAutoResolve } from './incident-state.ts';
import { maxSeverity, normalizeSeverity } from './severity.ts';

describe('incident status', () => {
  it('goes triggered → acknowledged → resolved, or straight to resolved', () => {
    expect(nextStatus('triggered', 'acknowledge')).toBe('acknowledged');
    expect(nextStatus('acknowledged', 'resolve')).toBe('resolved');
    expect(nextStatus('triggered', 'resolve')).toBe('resolved');
  });

  it('refuses to acknowledge twice or to change a resolved incident', () => {
    expect(() => nextStatus('acknowledged', 'acknowledge')).toThrow(/already acknowledged/);
    expect(() => nextStatus('resolved', 'resolve')).toThrow(/already resolved/);
    expect(() => nextStatus('resolved', 'acknowledge')).toThrow(/already resolved/);
  });

  it('auto-resolves an open incident when none of its alerts fires, if its setting says so', () => {
    const open = { status: 'triggered' as const, autoResolve: true, grouping: 'resource' };
    expect(shouldAutoResolve(open, 0)).toBe(true);
    expect(shouldAutoResolve({ ...open, status: 'acknowledged' }, 0)).toBe(true);
    expect(shouldAutoResolve(open, 1)).toBe(false);
    expect(shouldAutoResolve({ ...open, autoResolve: false }, 0)).toBe(false);
    expect(shouldAutoResolve({ ...open, status: 'resolved' }, 0)).toBe(false);
    // A site incident ends when the probes say the site is back, not when its alerts resolve.
    expect(shouldAutoResolve({ ...open, grouping: 'site' }, 0)).toBe(false);
  });
});

describe('severity', () => {
  it('is the worst of the alerts, and never falls when a milder alert joins', () => {
    expect(maxSeverity(['info', 'critical', 'warning'])).toBe('critical');
    expect(raisedSeverity('warning', 'critical')).toBe('critical');
    expect(raisedSeverity('critical', 'info')).toBe('critical');
  });

  it('maps the words senders use, and falls back to warning for unknown ones', () => {
    expect(normalizeSeverity('CRITICAL')).toBe('critical');
    expect(normalizeSeverity('P1')).toBe('critical');
    expect(normalizeSeverity('high')).toBe('error');
    expect(normalizeSeverity('warn')).toBe('warning');
    expect(normalizeSeverity('low')).toBe('info');
    expect(normalizeSeverity('whatever')).toBe('warning');
    expect(normalizeSeverity(undefined)).toBe('warning');
  });
});
