import { describe, expect, it } from 'vitest';
import { groupsOf, oidcSettingsFromEnv, oidcUsername, safeReturnTo } from '../../src/server/oidc.ts';

describe('OIDC settings', () => {
  it('are off without an issuer, and need a client id with one', () => {
    expect(oidcSettingsFromEnv({})).toBeUndefined();
    expect(() => oidcSettingsFromEnv({ TANDEM_OIDC_ISSUER: 'https://id.example.com' })).toThrow(
      /TANDEM_OIDC_CLIENT_ID/,
    );
  });

  it('allow plain HTTP only to a loopback issuer or with TANDEM_OIDC_ALLOW_INSECURE', () => {
    const base = { TANDEM_OIDC_CLIENT_ID: 'tandem' };
    expect(
      oidcSettingsFromEnv({ ...base, TANDEM_OIDC_ISSUER: 'https://id.example.com' })?.allowInsecure,
    ).toBe(false);
    expect(oidcSettingsFromEnv({ ...base, TANDEM_OIDC_ISSUER: 'http://127.0.0.1:5556' })?.allowInsecure).toBe(
      true,
    );
    expect(() => oidcSettingsFromEnv({ ...base, TANDEM_OIDC_ISSUER: 'http://id.example.com' })).toThrow(
      /not HTTPS/,
    );
    const flagged = oidcSettingsFromEnv({
      ...base,
      TANDEM_OIDC_ISSUER: 'http://id.example.com',
      TANDEM_OIDC_ALLOW_INSECURE: '1',
    });
    expect(flagged?.allowInsecure).toBe(true);
  });

  it('default the redirect URL from TANDEM_PUBLIC_URL and the groups claim to "groups"', () => {
    const s = oidcSettingsFromEnv({
      TANDEM_OIDC_ISSUER: 'https://id.example.com',
      TANDEM_OIDC_CLIENT_ID: 'tandem',
      TANDEM_PUBLIC_URL: 'https://tandem.example.com/',
    });
    expect(s).toMatchObject({
      redirectUrl: 'https://tandem.example.com/api/v1/auth/oidc/callback',
      groupsClaim: 'groups',
      clientSecret: undefined,
    });
  });
});

describe('OIDC claims', () => {
  it('go back only to local paths', () => {
    expect(safeReturnTo('/runs/1?x=2')).toBe('/runs/1?x=2');
    for (const bad of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'runs',
      '/a\nb',
      undefined,
      null,
    ])
      expect(safeReturnTo(bad)).toBe('/');
  });

  it('make a username from preferred_username, then email, then sub', () => {
    expect(oidcUsername({ preferred_username: 'Alice.Li', sub: 'x' })).toBe('alice.li');
    expect(oidcUsername({ email: 'Bob@Example.com', sub: 'x' })).toBe('bob@example.com');
    expect(oidcUsername({ preferred_username: 'Jean Dupont' })).toBe('jean-dupont');
    expect(oidcUsername({ preferred_username: '!!!', sub: '1234' })).toBe('1234');
    expect(() => oidcUsername({})).toThrow(/no usable username/);
  });

  it('read the groups claim as a list or a single string', () => {
    expect(groupsOf({ groups: ['a', 1, 'b'] }, 'groups')).toEqual(['a', 'b']);
    expect(groupsOf({ roles: 'ops' }, 'roles')).toEqual(['ops']);
    expect(groupsOf({}, 'groups')).toEqual([]);
  });
});
