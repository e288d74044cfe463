/**
 * Signing in with an OpenID Connect provider (openid-client): authorization code flow with PKCE
 * (S256), state and nonce. What a sign-in under way needs is kept in `oidc_logins`, so any
 * replica can finish what another started. At the end the user is made or updated (source
 * `oidc`), joins the teams whose `oidc_group` is among the groups claim and leaves the OIDC-mapped
 * teams no longer listed, and gets a web session.
 */
import * as client from 'openid-client';
import { errorMessage, TandemError } from '../core/errors.ts';
import {
  addTeamMember,
  appendAudit,
  findUserByName,
  findUserByOidcSubject,
  insertOidcLogin,
  insertUser,
  listOidcTeams,
  removeTeamMember,
  updateUser,
  uuidv7,
  type Store,
  type Tx,
  type UserRow,
} from '../store/index.ts';
import type { Logger } from '../engine/deps.ts';
import type { SessionLimits } from '../store/index.ts';
import { USERNAME } from './identity-schemas.ts';
import { openSession, type OpenedSession } from './web-session.ts';

/** A sign-in must come back from the provider within 10 minutes. */
const LOGIN_TTL_MS = 10 * 60_000;
export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret: string | undefined;
  /** Where the provider sends the browser back; undefined: from TANDEM_PUBLIC_URL or the request. */
  redirectUrl: string | undefined;
  groupsClaim: string;
  scopes: string;
  /** Plain HTTP to the provider: only for a loopback issuer or with TANDEM_OIDC_ALLOW_INSECURE=1. */
  allowInsecure: boolean;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The settings from the environment; undefined when OIDC is not configured. */
export function oidcSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OidcSettings | undefined {
  const issuerText = env.TANDEM_OIDC_ISSUER;
  if (issuerText === undefined || issuerText === '') return undefined;
  let issuer: URL;
  try {
    issuer = new URL(issuerText);
  } catch {
    throw new TandemError('invalid_input', `TANDEM_OIDC_ISSUER: "${issuerText}" is not a URL`);
  }
  const clientId = env.TANDEM_OIDC_CLIENT_ID;
  if (clientId === undefined || clientId === '')
    throw new TandemError('invalid_input', 'TANDEM_OIDC_ISSUER is set: set TANDEM_OIDC_CLIENT_ID too');
  const flag = env.TANDEM_OIDC_ALLOW_INSECURE;
  const insecureAllowed = flag === '1' || flag === 'true';
  if (issuer.protocol === 'http:' && !LOOPBACK.has(issuer.hostname) && !insecureAllowed)
    throw new TandemError(
      'invalid_input',
      `TANDEM_OIDC_ISSUER ${issuer.href} is not HTTPS: use HTTPS, or set TANDEM_OIDC_ALLOW_INSECURE=1 (tests only)`,
    );
  const publicUrl = env.TANDEM_PUBLIC_URL?.replace(/\/+$/, '');
  return {
    issuer,
    clientId,
    clientSecret: env.TANDEM_OIDC_CLIENT_SECRET === '' ? undefined : env.TANDEM_OIDC_CLIENT_SECRET,
    redirectUrl:
      env.TANDEM_OIDC_REDIRECT_URL ?? (publicUrl ? `${publicUrl}${OIDC_CALLBACK_PATH}` : undefined),
    groupsClaim: env.TANDEM_OIDC_GROUPS_CLAIM ?? 'groups',
    scopes: env.TANDEM_OIDC_SCOPES ?? 'openid profile email',
    allowInsecure: issuer.protocol === 'http:',
  };
}

/** A local path to go back to after sign-in, never another site (`//evil`, `/\evil`). */
export function safeReturnTo(text: string | null | undefined): string {
  if (!text || !/^\/(?![/\\])/.test(text) || /[\p{Cc}]/u.test(text)) return '/';
  return text;
}

/** The usernames an OIDC identity asks for, made to fit the username rules. */
export function oidcUsername(claims: Record<string, unknown>): string {
  for (const key of ['preferred_username', 'email', 'sub']) {
    const value = claims[key];
    if (typeof value !== 'string' || value === '') continue;
    const name = value
      .toLowerCase()
      .replace(/[^a-z0-9._@-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 64);
    if (USERNAME.test(name)) return name;
  }
  throw new TandemError(
    'unauthorized',
    'the OIDC identity has no usable username (preferred_username, email or sub)',
  );
}

/** The groups claim as a list (providers send a list, some a single string). */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string') : [];
}

export interface OidcDeps {
  store: Store;
  clock: () => number;
  log: Logger;
  sessionLimits: SessionLimits;
}

export class OidcSignIn {
  private config: Promise<client.Configuration> | undefined;

  constructor(
    readonly settings: OidcSettings,
    private readonly deps: OidcDeps,
  ) {}

  /** The provider's configuration, discovered once (again after a failure). */
  private configuration(): Promise<client.Configuration> {
    this.config ??= client
      .discovery(
        this.settings.issuer,
        this.settings.clientId,
        this.settings.clientSecret,
        undefined,
        // Deprecated only to stand out: plain HTTP is allowed for loopback or by an explicit flag.
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        this.settings.allowInsecure ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.config = undefined;
        this.deps.log.error(
          { issuer: this.settings.issuer.href, err: errorMessage(err) },
          'OIDC discovery failed',
        );
        throw new TandemError('unavailable', `the OIDC provider cannot be reached: ${errorMessage(err)}`, {
          cause: err,
          retryable: true,
        });
      });
    return this.config;
  }

  /** Start a sign-in: remember state, nonce and PKCE verifier; answer where to send the browser. */
  async start(redirectUri: string, returnTo: string | undefined): Promise<URL> {
    const config = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const now = this.deps.clock();
    await this.deps.store.db.deleteFrom('oidc_logins').where('expires_at', '<=', now).execute();
    await insertOidcLogin(this.deps.store.db, {
      state,
      nonce,
      code_verifier: verifier,
      return_to: safeReturnTo(returnTo),
      expires_at: now + LOGIN_TTL_MS,
    });
    return client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
  }

  /**
   * Finish a sign-in: `currentUrl` is the callback URL as the browser called it. Answers the
   * user, their new session and where to send them.
   */
  async finish(
    currentUrl: URL,
    login: { nonce: string; code_verifier: string; state: string; return_to: string | null },
    address: string | null,
  ): Promise<{ user: UserRow; session: OpenedSession; returnTo: string }> {
    const config = await this.configuration();
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: login.code_verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims() ?? {};
    } catch (err: unknown) {
      throw new TandemError('unauthorized', `OIDC sign-in failed: ${errorMessage(err)}`, { cause: err });
    }
    const subject = claims.sub;
    if (typeof subject !== 'string' || subject === '')
      throw new TandemError('unauthorized', 'OIDC sign-in failed: the ID token has no subject');
    const groups = groupsOf(claims, this.settings.groupsClaim);
    return this.deps.store.transaction(async (tx) => {
      const now = this.deps.clock();
      const user = await this.upsertUser(tx, subject, claims, address, now);
      await this.syncTeams(tx, user, groups, address, now);
      const session = await openSession(tx, {
        userId: user.id,
        source: 'oidc',
        address,
        now,
        limits: this.deps.sessionLimits,
      });
      await appendAudit(
        tx,
        {
          actor: user.username,
          action: 'session.login',
          target: `user:${user.username}`,
          address,
          data: { result: 'success', method: 'oidc', groups },
        },
        now,
      );
      return { user, session, returnTo: safeReturnTo(login.return_to) };
    });
  }

  private async upsertUser(
    tx: Tx,
    subject: string,
    claims: Record<string, unknown>,
    address: string | null,
    now: number,
  ): Promise<UserRow> {
    const displayName = typeof claims.name === 'string' ? claims.name.slice(0, 200) : null;
    const email = typeof claims.email === 'string' ? claims.email.slice(0, 254) : null;
    const known = await findUserByOidcSubject(tx.db, subject);
    if (known) {
      if (known.disabled !== 0)
        throw new TandemError('forbidden', `the account ${known.username} is disabled: ask an administrator`);
      return updateUser(tx.db, known.id, { displayName, email, lastLoginAt: now }, now);
    }
    const username = oidcUsername(claims);
    // Never take over an account by its name: the provider decides names, not who owns them here.
    if (await findUserByName(tx.db, username))
      throw new TandemError(
        'forbidden',
        `the username ${username} belongs to another account: ask an administrator to rename or remove it`,
      );
    const user = await insertUser(tx.db, {
      id: uuidv7(),
      username,
      displayName,
      email,
      passwordHash: null,
      source: 'oidc',
      oidcSubject: subject,
      now,
    });
    await appendAudit(
      tx,
      {
        actor: username,
        action: 'user.created',
        target: `user:${username}`,
        address,
        data: { source: 'oidc' },
      },
      now,
    );
    return updateUser(tx.db, user.id, { lastLoginAt: now }, now);
  }

  /** Join the teams mapped to the user's groups; leave the mapped teams no longer listed. */
  private async syncTeams(tx: Tx, user: UserRow, groups: string[], address: string | null, now: number) {
    const mapped = await listOidcTeams(tx.db);
    const member = new Set(
      (await tx.db.selectFrom('team_members').select('team_id').where('user_id', '=', user.id).execute()).map(
        (m) => m.team_id,
      ),
    );
    for (const team of mapped) {
      const wanted = groups.includes(team.oidc_group!);
      let action: string | undefined;
      if (wanted && !member.has(team.id) && (await addTeamMember(tx.db, team.id, user.id, now)))
        action = 'team.member_added';
      if (!wanted && member.has(team.id) && (await removeTeamMember(tx.db, team.id, user.id)))
        action = 'team.member_removed';
      if (action)
        await appendAudit(
          tx,
          {
            actor: user.username,
            action,
            target: `team:${team.name}`,
            address,
            data: { user: user.username, via: 'oidc', group: team.oidc_group },
          },
          now,
        );
    }
  }
}
