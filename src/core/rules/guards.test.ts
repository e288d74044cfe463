import { describe, expect, it } from 'vitest';
import { checkGuardRails, rateWindowStart, type GuardFacts } from './guards.ts';
import { ruleSpecSchema, type RuleSpec } from './model.ts';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const spec = (extra: Partial<Record<string, unknown>> = {}): RuleSpec =>
  ruleSpecSchema.parse({ match: 'true', runbook: 'fix', ...extra });
const facts = (extra: Partial<GuardFacts> = {}): GuardFacts => ({
  now: NOW,
  maintenance: null,
  freeze: null,
  handledBy: null,
  lastStartForResource: null,
  startsInWindow: 0,
  running: 0,
  ...extra,
});

describe('guard-rails', () => {
  it('let a run through when nothing stands in the way, saying what was checked', () => {
    const v = checkGuardRails(
      spec({ cooldown: '10m', rate_limit: { count: 3, per: '1h' }, max_concurrent: 2 }),
      facts(),
    );
    expect(v.allow).toBe(true);
    expect(v.checks).toEqual({
      maintenance: 'ok',
      change_freeze: 'ok',
      already_handled: 'ok',
      cooldown: 'ok',
      rate_limit: 'ok (0 of 3 in 1h)',
      max_concurrent: 'ok (0 of 2 running)',
    });
  });

  it('skip during maintenance unless the rule says otherwise', () => {
    expect(checkGuardRails(spec(), facts({ maintenance: 'window db-upgrade' }))).toMatchObject({
      allow: false,
      reason: 'maintenance',
      message: 'in maintenance (window db-upgrade)',
    });
    expect(checkGuardRails(spec({ skip_during_maintenance: false }), facts({ maintenance: 'w' })).allow).toBe(
      true,
    );
  });

  it('skip during a change freeze, with its reason', () => {
    const v = checkGuardRails(spec(), facts({ freeze: { id: 'f1', reason: 'year-end' } }));
    expect(v).toMatchObject({ allow: false, reason: 'change_freeze' });
    expect(v.message).toContain('year-end');
    expect(
      checkGuardRails(spec({ skip_during_freeze: false }), facts({ freeze: { id: 'f1', reason: null } }))
        .allow,
    ).toBe(true);
  });

  it('never act twice on one alert group', () => {
    expect(checkGuardRails(spec(), facts({ handledBy: { firingId: 'f0', runId: 'r0' } }))).toMatchObject({
      allow: false,
      reason: 'already_handled',
      message: expect.stringContaining('run r0'),
    });
  });

  it('cool down per resource: refused one second before the end, allowed at the end', () => {
    const s = spec({ cooldown: '10m' });
    const early = checkGuardRails(s, facts({ lastStartForResource: NOW - 10 * 60_000 + 1000 }));
    expect(early).toMatchObject({ allow: false, reason: 'cooldown', message: 'cooling down for 1s more' });
    expect(checkGuardRails(s, facts({ lastStartForResource: NOW - 10 * 60_000 })).allow).toBe(true);
  });

  it('rate-limit starts in the window the shell counted from', () => {
    const s = spec({ rate_limit: { count: 2, per: '1h' } });
    expect(rateWindowStart(s, NOW)).toBe(NOW - 3_600_000);
    expect(rateWindowStart(spec(), NOW)).toBeNull();
    expect(checkGuardRails(s, facts({ startsInWindow: 1 })).allow).toBe(true);
    expect(checkGuardRails(s, facts({ startsInWindow: 2 }))).toMatchObject({
      allow: false,
      reason: 'rate_limit',
    });
  });

  it('hold at most max_concurrent runs of the rule', () => {
    const s = spec({ max_concurrent: 1 });
    expect(checkGuardRails(s, facts({ running: 1 }))).toMatchObject({
      allow: false,
      reason: 'max_concurrent',
    });
    expect(checkGuardRails(s, facts({ running: 0 })).allow).toBe(true);
  });

  it('report the first refusal in order: maintenance before freeze before the lock', () => {
    const v = checkGuardRails(
      spec({ max_concurrent: 1 }),
      facts({
        maintenance: 'w',
        freeze: { id: 'f', reason: null },
        handledBy: { firingId: 'x', runId: null },
        running: 5,
      }),
    );
    expect(v.reason).toBe('maintenance');
  });
});
