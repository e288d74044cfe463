import { describe, expect, it } from 'vitest';
import type { Grant, Role } from '../../src/core/access/index.ts';
import { roleCovers, tokenLifetime, tokenScope } from '../../src/server/token-policy.ts';

const grant = (role: Role): Grant => ({ role, team: 't', sites: [], labels: {} });

describe('token scope', () => {
  it('compares roles by the permissions they carry', () => {
    expect(roleCovers('admin', 'operator')).toBe(true);
    expect(roleCovers('operator', 'viewer')).toBe(true);
    expect(roleCovers('operator', 'approver')).toBe(false);
    expect(roleCovers('approver', 'operator')).toBe(false);
  });

  it('without a request gives the owner’s access, or the scope of the credential asking', () => {
    expect(tokenScope([grant('operator')], 'admin', undefined)).toBeNull();
    expect(tokenScope([grant('operator')], 'viewer', undefined)).toBe('viewer');
  });

  it('refuses a scope above the owner’s roles or the asking credential', () => {
    expect(() => tokenScope([grant('operator')], 'admin', 'admin')).toThrow(/owner holds no role/);
    expect(() => tokenScope([grant('operator'), grant('approver')], 'admin', 'admin')).toThrow();
    expect(() => tokenScope([grant('admin')], 'operator', 'admin')).toThrow(
      /credential in use is scoped to operator/,
    );
    expect(tokenScope([grant('operator'), grant('approver')], 'admin', 'approver')).toBe('approver');
    expect(tokenScope([], 'admin', 'viewer')).toBe('viewer');
  });
});

describe('token lifetime', () => {
  it('reads durations, defaults to 90 days and caps at one year', () => {
    expect(tokenLifetime('12h')).toBe(12 * 3_600_000);
    expect(tokenLifetime(undefined)).toBe(90 * 86_400_000);
    expect(tokenLifetime('365d')).toBe(365 * 86_400_000);
    expect(() => tokenLifetime('366d')).toThrow(/1 year/);
    expect(() => tokenLifetime('30s')).toThrow(/at least 1 minute/);
    expect(() => tokenLifetime('soon')).toThrow(/not a duration/);
  });
});
