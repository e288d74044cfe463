/**
 * A small OpenID Connect provider for tests (node:http + jose): discovery, JWKS, an authorize
 * endpoint that approves the configured user at once (redirecting back with a code), and a token
 * endpoint that checks the client, the redirect URI and the PKCE verifier, and answers an ID
 * token signed RS256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface OidcTestUser {
  sub: string;
  preferred_username?: string;
  name?: string;
  email?: string;
  groups?: string[];
}

export interface OidcProvider {
  issuer: string;
  /** Who the next authorization approves. */
  user: OidcTestUser;
  /** Requests the provider answered, as `METHOD /path`. */
  requests: string[];
  close(): Promise<void>;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  nonce: string | undefined;
  challenge: string;
  user: OidcTestUser;
}

export async function startOidcProvider(o: {
  clientId: string;
  clientSecret: string;
  user: OidcTestUser;
}): Promise<OidcProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, Grant>();
  const requests: string[] = [];
  let issuer = '';

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const authorize = (url: URL, res: ServerResponse) => {
    const p = url.searchParams;
    const redirect = p.get('redirect_uri');
    if (p.get('client_id') !== o.clientId || !redirect) return json(res, 400, { error: 'invalid_request' });
    if (p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge'))
      return json(res, 400, { error: 'invalid_request', error_description: 'PKCE S256 required' });
    const code = randomBytes(16).toString('base64url');
    codes.set(code, {
      clientId: o.clientId,
      redirectUri: redirect,
      nonce: p.get('nonce') ?? undefined,
      challenge: p.get('code_challenge')!,
      user: provider.user,
    });
    const back = new URL(redirect);
    back.searchParams.set('code', code);
    const state = p.get('state');
    if (state !== null) back.searchParams.set('state', state);
    res.writeHead(302, { location: back.href });
    res.end();
  };

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    for await (const chunk of req) text += (chunk as Buffer).toString();
    const form = new URLSearchParams(text);
    let clientId = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) {
      const [id, pw] = Buffer.from(basic[1]!, 'base64').toString().split(':').map(decodeURIComponent);
      clientId = id ?? null;
      secret = pw ?? null;
    }
    if (clientId !== o.clientId || secret !== o.clientSecret)
      return json(res, 401, { error: 'invalid_client' });
    const code = form.get('code') ?? '';
    const grant = codes.get(code);
    codes.delete(code);
    if (
      form.get('grant_type') !== 'authorization_code' ||
      !grant ||
      grant.redirectUri !== form.get('redirect_uri')
    )
      return json(res, 400, { error: 'invalid_grant' });
    const challenge = createHash('sha256')
      .update(form.get('code_verifier') ?? '')
      .digest('base64url');
    if (challenge !== grant.challenge)
      return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    const idToken = await new SignJWT({ ...grant.user, ...(grant.nonce ? { nonce: grant.nonce } : {}) })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
      .setIssuer(issuer)
      .setAudience(o.clientId)
      .setSubject(grant.user.sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    json(res, 200, {
      access_token: randomBytes(16).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: idToken,
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    requests.push(`${req.method} ${url.pathname}`);
    if (url.pathname === '/.well-known/openid-configuration')
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        scopes_supported: ['openid', 'profile', 'email', 'groups'],
      });
    if (url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
    if (url.pathname === '/authorize' && req.method === 'GET') return authorize(url, res);
    if (url.pathname === '/token' && req.method === 'POST')
      return void token(req, res).catch((err: unknown) => json(res, 500, { error: String(err) }));
    json(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider: OidcProvider = {
    issuer,
    user: o.user,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return provider;
}
