import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { masterKeyOf, MAX_SECRET_BYTES, secretValues } from '../../src/secrets/index.ts';
import { describeEachStore } from '../support/stores.ts';
import { ADMIN_TOKEN, secretApp } from './secret-app.ts';

const key = masterKeyOf(randomBytes(32));
const VALUE = `pa$$ "w0rd" it's ${randomBytes(8).toString('hex')}`;

describeEachStore('the secrets API', (ctx) => {
  let app: FastifyInstance;
  /** Every answer's raw text, to prove none of them ever held the value. */
  let answers: string[];

  beforeEach(async () => {
    app = await secretApp(ctx().store, key);
    answers = [];
  });
  afterEach(async () => {
    await app.close();
  });

  /** A request; a string body is sent as is (as broken JSON, say), anything else as JSON. */
  async function call(
    method: 'GET' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    token: string | null = ADMIN_TOKEN,
  ) {
    const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.inject({
      method,
      url,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    answers.push(res.body);
    return { status: res.statusCode, body: res.body === '' ? undefined : res.json() };
  }

  it('creates (201) and replaces (200) a secret and never answers its value', async () => {
    const created = await call('PUT', '/api/v1/secrets/pg_password', { value: VALUE });
    expect(created).toEqual({ status: 201, body: { name: 'pg_password', site: '*', created: true } });
    const replaced = await call('PUT', '/api/v1/secrets/pg_password', { value: `${VALUE}2` });
    expect(replaced).toEqual({ status: 200, body: { name: 'pg_password', site: '*', created: false } });
    const paris = await call('PUT', '/api/v1/secrets/pg_password', { value: VALUE, site: 'paris' });
    expect(paris).toEqual({ status: 201, body: { name: 'pg_password', site: 'paris', created: true } });
    expect(await secretValues(ctx().store.db, key, { site: 'paris', names: ['pg_password'] })).toEqual(
      new Map([['pg_password', VALUE]]),
    );
    expect(answers.join('\n')).not.toContain(VALUE);
  });

  it('lists names, sites, authors and times without values', async () => {
    await call('PUT', '/api/v1/secrets/b', { value: VALUE, site: 'london' });
    await call('PUT', '/api/v1/secrets/a', { value: VALUE });
    const list = await call('GET', '/api/v1/secrets');
    expect(list.status).toBe(200);
    expect(list.body.secrets).toEqual([
      expect.objectContaining({ name: 'a', site: '*', key_id: key.id, created_by: 'admin' }),
      expect.objectContaining({ name: 'b', site: 'london', key_id: key.id, created_by: 'admin' }),
    ]);
    expect(Object.keys(list.body.secrets[0]).sort()).toEqual([
      'created_at',
      'created_by',
      'key_id',
      'name',
      'site',
      'updated_at',
    ]);
    expect(list.body.secrets[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(answers.join('\n')).not.toContain(VALUE);
  });

  it('keeps no plaintext in the database row it writes', async () => {
    await call('PUT', '/api/v1/secrets/pg_password', { value: VALUE, site: 'paris' });
    const rows = await ctx().store.db.selectFrom('secrets').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(VALUE);
    expect(JSON.stringify(rows)).not.toContain(Buffer.from(VALUE).toString('base64'));
  });

  it('deletes one site’s value and answers 404 for a value that is not set', async () => {
    await call('PUT', '/api/v1/secrets/token', { value: VALUE });
    await call('PUT', '/api/v1/secrets/token', { value: VALUE, site: 'paris' });
    expect(await call('DELETE', '/api/v1/secrets/token?site=paris')).toEqual({
      status: 200,
      body: { name: 'token', site: 'paris', deleted: true },
    });
    const again = await call('DELETE', '/api/v1/secrets/token?site=paris');
    expect(again.status).toBe(404);
    expect(again.body.error).toMatchObject({
      code: 'not_found',
      message: 'secret token is not set for site paris',
    });
    expect((await call('DELETE', '/api/v1/secrets/token')).status).toBe(200);
    expect((await call('GET', '/api/v1/secrets')).body).toEqual({ secrets: [] });
  });

  it('refuses bad input with the field at fault and without echoing the value', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/v1/secrets/9bad', { value: VALUE }, 'params.name'],
      ['/api/v1/secrets/ok', { value: '' }, 'body.value'],
      ['/api/v1/secrets/ok', { value: 42 }, 'body.value'],
      ['/api/v1/secrets/ok', { value: VALUE, extra: VALUE }, 'body'],
      ['/api/v1/secrets/ok', { value: VALUE, site: '' }, 'body.site'],
      ['/api/v1/secrets/ok', { value: 'x'.repeat(MAX_SECRET_BYTES + 1) }, 'body.value'],
      ['/api/v1/secrets/ok', { value: 'é'.repeat(MAX_SECRET_BYTES / 2 + 1) }, 'value'],
      ['/api/v1/secrets/ok', { value: `${VALUE}\0` }, 'value'],
      ['/api/v1/secrets/ok', { value: VALUE, site: 'two words' }, 'site'],
    ];
    for (const [url, body, path] of cases) {
      const res = await call('PUT', url, body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const broken = await call('PUT', '/api/v1/secrets/ok', `{"value": "${VALUE}`);
    expect(broken.status).toBe(400);
    expect(answers.join('\n')).not.toContain(VALUE);
    expect((await call('GET', '/api/v1/secrets')).body).toEqual({ secrets: [] });
  });

  it('answers 401 without a valid token and sets nothing', async () => {
    expect((await call('PUT', '/api/v1/secrets/x', { value: VALUE }, null)).status).toBe(401);
    expect((await call('GET', '/api/v1/secrets', undefined, 'not-a-valid-token-xxxxxxxx')).status).toBe(401);
    expect((await call('GET', '/api/v1/secrets')).body).toEqual({ secrets: [] });
  });
});
