import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { isTandemError } from '../../src/core/errors.ts';
import {
  checkMasterKey,
  deleteSecret,
  listSecrets,
  masterKeyOf,
  MAX_SECRET_BYTES,
  secretValues,
  setSecret,
} from '../../src/secrets/index.ts';
import { describeEachStore } from '../support/stores.ts';

const key = masterKeyOf(randomBytes(32));
const VALUE = 'correct horse battery staple';

describeEachStore('the secret store', (ctx) => {
  const db = () => ctx().store.db;
  const set = (name: string, value: string, site?: string, now = 1000) =>
    setSecret(db(), key, { name, value, actor: 'alice', now, ...(site === undefined ? {} : { site }) });

  it('gives back the value it stored, and tells a new secret from a replaced one', async () => {
    expect(await set('pg_password', VALUE)).toEqual({ created: true });
    expect(await secretValues(db(), key, { site: 'paris', names: ['pg_password'] })).toEqual(
      new Map([['pg_password', VALUE]]),
    );
    expect(await set('pg_password', 'v2', undefined, 2000)).toEqual({ created: false });
    expect(
      (await secretValues(db(), key, { site: 'paris', names: ['pg_password'] })).get('pg_password'),
    ).toBe('v2');
    expect(await listSecrets(db())).toEqual([
      { name: 'pg_password', site: '*', keyId: key.id, createdBy: 'alice', createdAt: 1000, updatedAt: 2000 },
    ]);
  });

  it('gives a site its own value over the one for every site, and other sites the shared one', async () => {
    await set('token', 'shared');
    await set('token', 'paris-only', 'paris');
    await set('paris_thing', 'p', 'paris');
    const names = ['token', 'paris_thing', 'missing'];
    expect(await secretValues(db(), key, { site: 'paris', names })).toEqual(
      new Map([
        ['token', 'paris-only'],
        ['paris_thing', 'p'],
      ]),
    );
    expect(await secretValues(db(), key, { site: 'london', names })).toEqual(new Map([['token', 'shared']]));
    expect(await secretValues(db(), key, { site: 'london', names: [] })).toEqual(new Map());
  });

  it('lists names, sites and times but never a value, nor anything encrypted', async () => {
    await set('a', VALUE);
    await set('a', VALUE, 'paris');
    await set('b', VALUE, 'london');
    const list = await listSecrets(db());
    expect(list.map((s) => [s.name, s.site])).toEqual([
      ['a', '*'],
      ['a', 'paris'],
      ['b', 'london'],
    ]);
    expect(JSON.stringify(list)).not.toContain(VALUE);
    for (const s of list)
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'createdBy', 'keyId', 'name', 'site', 'updatedAt']);
  });

  it('keeps no plaintext in the database row', async () => {
    await set('pg_password', VALUE, 'paris');
    const rows = await db().selectFrom('secrets').selectAll().execute();
    expect(rows).toHaveLength(1);
    const raw = JSON.stringify(rows);
    expect(raw).not.toContain(VALUE);
    expect(raw).not.toContain(Buffer.from(VALUE).toString('base64'));
    expect(raw).not.toContain(Buffer.from(VALUE).toString('hex'));
  });

  it('deletes one site’s value only, and says when there was nothing to delete', async () => {
    await set('token', 'shared');
    await set('token', 'paris-only', 'paris');
    expect(await deleteSecret(db(), { name: 'token', site: 'paris' })).toBe(true);
    expect(await deleteSecret(db(), { name: 'token', site: 'paris' })).toBe(false);
    expect((await secretValues(db(), key, { site: 'paris', names: ['token'] })).get('token')).toBe('shared');
    expect(await deleteSecret(db(), { name: 'token' })).toBe(true);
    expect(await listSecrets(db())).toEqual([]);
  });

  it('names the secret and both keys when the server has another master key', async () => {
    await set('pg_password', VALUE, 'paris');
    const other = masterKeyOf(randomBytes(32));
    const expected = `secret pg_password of site paris was encrypted with master key ${key.id}, but the server has key ${other.id}`;
    await expect(secretValues(db(), other, { site: 'paris', names: ['pg_password'] })).rejects.toThrow(
      expected,
    );
    await expect(checkMasterKey(db(), other)).rejects.toThrow(expected);
    await expect(checkMasterKey(db(), key)).resolves.toBeUndefined();
  });

  it('refuses a ciphertext copied to another site in the database', async () => {
    await set('pg_password', VALUE, 'paris');
    await sql`update secrets set site = 'london' where name = 'pg_password'`.execute(db());
    await expect(secretValues(db(), key, { site: 'london', names: ['pg_password'] })).rejects.toThrow(
      'secret pg_password of site london cannot be decrypted: its stored row was altered or copied from another name or site',
    );
  });

  it('refuses bad names, bad sites, empty, NUL-holding and oversized values with the field at fault', async () => {
    const cases: [Parameters<typeof setSecret>[2], string][] = [
      [{ name: '1abc', value: 'x', actor: null, now: 1 }, 'name'],
      [{ name: 'a.b', value: 'x', actor: null, now: 1 }, 'name'],
      [{ name: 'ok', site: 'has space', value: 'x', actor: null, now: 1 }, 'site'],
      [{ name: 'ok', site: '', value: 'x', actor: null, now: 1 }, 'site'],
      [{ name: 'ok', value: '', actor: null, now: 1 }, 'value'],
      [{ name: 'ok', value: 'a\0b', actor: null, now: 1 }, 'value'],
      [{ name: 'ok', value: 'é'.repeat(MAX_SECRET_BYTES / 2 + 1), actor: null, now: 1 }, 'value'],
    ];
    for (const [input, field] of cases) {
      const err: unknown = await setSecret(db(), key, input).catch((e: unknown) => e);
      expect(isTandemError(err, 'invalid_input'), JSON.stringify(input).slice(0, 80)).toBe(true);
      expect((err as { details: { path: string }[] }).details[0]?.path).toBe(field);
    }
    expect(await set('ok', 'x'.repeat(MAX_SECRET_BYTES))).toEqual({ created: true });
    expect(await listSecrets(db())).toHaveLength(1);
  });

  it('works inside a transaction', async () => {
    await ctx().store.transaction(async (tx) => {
      await setSecret(tx.db, key, { name: 'in_tx', value: VALUE, actor: null, now: 5 });
      expect((await secretValues(tx.db, key, { site: 'x', names: ['in_tx'] })).get('in_tx')).toBe(VALUE);
    });
    expect((await listSecrets(db())).map((s) => s.name)).toEqual(['in_tx']);
  });
});
