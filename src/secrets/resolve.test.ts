import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Action } from '../core/engine/index.ts';
import { isTandemError } from '../core/errors.ts';
import { renderDeep, renderShell, renderTemplate } from '../core/expr/index.ts';
import { secretRef } from '../core/secret-ref.ts';
import { actionSecretNames, resolveActionSecrets } from './resolve.ts';

const run = promisify(execFile);

/** The nonce of the rendering that made the references (see core/secret-ref.ts). */
const NONCE = 'n0nce1234abcd';

/** Values a careless substitution would break, run or mangle. */
const NASTY = [
  "it's",
  "''",
  "'\\''",
  '"double" and \\"escaped\\"',
  '$(echo pwned) `echo pwned` ${HOME} $HOME',
  'line one\nline two\n',
  '\\n \\\\ \\ trailing\\',
  '; rm -rf / # && | > < & *',
  '\t tabs\rand carriage returns',
  'ünïcødé 🔑 and \u2028',
  '%%tandem-secret:other%%',
  '%%tandem-secret:forged1234:other%%',
  ' leading and trailing spaces ',
];

const ctx = { secrets: { pw: secretRef('pw', NONCE), other: secretRef('other', NONCE) } };

function shell(command: string, env: Record<string, string> = {}): Action {
  return { kind: 'shell', secretNonce: NONCE, command, env, killGraceMs: 1000 };
}

describe('resolving the secrets of an action', () => {
  it('passes every value byte-exact through /bin/sh in a shell command', async () => {
    const command = renderShell('printf %s ${{ secrets.pw }}', ctx);
    for (const value of NASTY) {
      const { action } = resolveActionSecrets(
        shell(command),
        new Map([
          ['pw', value],
          ['other', 'NOT-ME'],
        ]),
      );
      const { stdout } = await run('/bin/sh', ['-c', (action as { command: string }).command]);
      expect(stdout).toBe(value);
    }
  });

  it('keeps a value one word when the expression joins it with other text', async () => {
    const command = renderShell('printf "%s|" ${{ "user:" + secrets.pw }} next', ctx);
    for (const value of NASTY) {
      const { action } = resolveActionSecrets(shell(command), new Map([['pw', value]]));
      const { stdout } = await run('/bin/sh', ['-c', (action as { command: string }).command]);
      expect(stdout).toBe(`user:${value}|next|`);
    }
  });

  it('puts values raw into env, working dir and script args, and leaves the script body alone', async () => {
    const value = NASTY.join('');
    const rendered: Action = {
      kind: 'script',
      secretNonce: NONCE,
      interpreter: '/bin/sh',
      body: `printf %s "$PW" # ${secretRef('pw', NONCE)} stays`,
      args: [renderTemplate('--password=${{ secrets.pw }}', ctx)],
      env: { PW: renderTemplate('${{ secrets.pw }}', ctx) },
      workingDir: renderTemplate('/tmp/${{ secrets.pw }}', ctx),
      killGraceMs: 1000,
    };
    const { action } = resolveActionSecrets(rendered, new Map([['pw', value]]));
    if (action.kind !== 'script') throw new Error('kind changed');
    expect(action.args).toEqual([`--password=${value}`]);
    expect(action.env.PW).toBe(value);
    expect(action.workingDir).toBe(`/tmp/${value}`);
    expect(action.body).toBe(rendered.body);
    const { stdout } = await run('/bin/sh', ['-c', 'printf %s "$PW"'], { env: action.env });
    expect(stdout).toBe(value);
  });

  it('keeps a JSON body valid JSON with the value inside, whatever the value holds', () => {
    const body = JSON.stringify(
      renderDeep({ user: 'app', password: '${{ secrets.pw }}', note: 'pw=${{ secrets.pw }}' }, ctx),
    );
    for (const value of NASTY) {
      const headerSets: Record<string, string>[] = [
        { 'Content-Type': 'application/json; charset=utf-8' },
        {},
      ];
      for (const headers of headerSets) {
        const { action } = resolveActionSecrets(
          {
            kind: 'http',
            secretNonce: NONCE,
            method: 'POST',
            url: 'https://x.test',
            headers,
            body,
            expectStatus: [],
            insecureTls: false,
          },
          new Map([['pw', value]]),
        );
        const parsed = JSON.parse((action as { body: string }).body) as Record<string, string>;
        expect(parsed).toEqual({ user: 'app', password: value, note: `pw=${value}` });
      }
    }
  });

  it('puts values raw into a body that is not JSON, the URL and the headers', () => {
    const value = 'p@ss "word" & more';
    const { action } = resolveActionSecrets(
      {
        kind: 'http',
        secretNonce: NONCE,
        method: 'POST',
        url: `https://x.test/?token=${secretRef('pw', NONCE)}`,
        headers: {
          Authorization: `Bearer ${secretRef('pw', NONCE)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `password=${secretRef('pw', NONCE)}`,
        expectStatus: [],
        insecureTls: false,
      },
      new Map([['pw', value]]),
    );
    expect(action).toMatchObject({
      url: `https://x.test/?token=${value}`,
      headers: { Authorization: `Bearer ${value}` },
      body: `password=${value}`,
    });
  });

  it('refuses a value with a line break in a header rather than split the request', () => {
    const action: Action = {
      kind: 'http',
      secretNonce: NONCE,
      method: 'GET',
      url: 'https://x.test',
      headers: { Authorization: secretRef('pw', NONCE) },
      expectStatus: [],
      insecureTls: false,
    };
    expect(() => resolveActionSecrets(action, new Map([['pw', 'a\r\nX-Evil: 1']]))).toThrow(
      'secret pw holds a line break or NUL, which an HTTP header cannot carry',
    );
  });

  it('does not substitute again inside a value that spells a reference', () => {
    const { action } = resolveActionSecrets(
      shell(`echo ${secretRef('pw', NONCE)}`, { A: secretRef('pw', NONCE) }),
      new Map([
        ['pw', secretRef('other', NONCE)],
        ['other', 'NOT-ME'],
      ]),
    );
    expect(action).toMatchObject({ env: { A: secretRef('other', NONCE) } });
  });

  it('reports a reference without a value as not_found, naming the secret and the site', () => {
    let err: unknown;
    try {
      resolveActionSecrets(shell(renderShell('echo ${{ secrets.pw }}', ctx)), new Map(), 'paris');
    } catch (e: unknown) {
      err = e;
    }
    expect(isTandemError(err, 'not_found')).toBe(true);
    expect((err as Error).message).toMatch(/^secret pw is not set for site paris/);
  });

  it('answers each value used once, for masking, and the names referred to', () => {
    const action = shell(`echo ${secretRef('pw', NONCE)} ${secretRef('pw', NONCE)}`, {
      A: secretRef('other', NONCE),
      B: 'plain',
    });
    expect(actionSecretNames(action)).toEqual(new Set(['pw', 'other']));
    const { used } = resolveActionSecrets(
      action,
      new Map([
        ['pw', 'one'],
        ['other', 'two'],
        ['unused', 'three'],
      ]),
    );
    expect(used.sort()).toEqual(['one', 'two']);
  });

  it('resolves the login, command, upload and extra vars of ssh and ansible steps and the fields of probes', async () => {
    const ref = secretRef('pw', NONCE);
    const value = NASTY.join('');
    const values = new Map([['pw', value]]);
    const login = {
      site: 'paris',
      hosts: [{ host: 'db1', port: 22 }],
      user: `u-${ref}`,
      key: ref,
      password: ref,
      connectTimeoutMs: 1000,
      maxParallel: 1,
      knownHosts: [],
    };
    const ssh = resolveActionSecrets(
      {
        kind: 'ssh',
        secretNonce: NONCE,
        ...login,
        command: renderShell('printf %s ${{ secrets.pw }}', ctx),
        env: { PW: ref },
        killGraceMs: 1000,
      },
      values,
    ).action;
    if (ssh.kind !== 'ssh') throw new Error('kind changed');
    expect(ssh).toMatchObject({ user: `u-${value}`, key: value, password: value, env: { PW: value } });
    expect((await run('/bin/sh', ['-c', ssh.command!])).stdout).toBe(value);
    const upload = resolveActionSecrets(
      {
        kind: 'ssh',
        secretNonce: NONCE,
        ...login,
        upload: { content: `pw=${ref}`, path: '/etc/x' },
        env: {},
        killGraceMs: 1,
      },
      values,
    ).action;
    expect(upload).toMatchObject({ upload: { content: `pw=${value}`, path: '/etc/x' } });

    const playbook = `- hosts: all # ${ref} in a playbook is not a template`;
    const ansible = resolveActionSecrets(
      {
        kind: 'ansible',
        secretNonce: NONCE,
        ...login,
        playbook,
        extraVars: { db: { password: ref, list: [ref, 3, true] }, n: 1 },
        check: false,
        env: {},
        killGraceMs: 1000,
      },
      values,
    ).action;
    expect(ansible).toMatchObject({
      playbook,
      password: value,
      extraVars: { db: { password: value, list: [value, 3, true] }, n: 1 },
    });

    const probe = resolveActionSecrets(
      {
        kind: 'probe',
        secretNonce: NONCE,
        check: {
          type: 'http',
          method: 'GET',
          url: `https://x.test/?t=${ref}`,
          headers: { Authorization: `Bearer ${secretRef('token', NONCE)}` },
          expectStatus: [200],
          contains: ref,
        },
        timeoutMs: 1000,
      },
      new Map([
        ['pw', value],
        ['token', 'tok'],
      ]),
    );
    expect(probe.action).toMatchObject({
      check: { url: `https://x.test/?t=${value}`, headers: { Authorization: 'Bearer tok' }, contains: value },
    });
    expect(probe.used.sort()).toEqual([value, 'tok'].sort());
  });

  it('leaves an action without references as it was', () => {
    const action = shell('echo hi', { A: 'b' });
    expect(resolveActionSecrets(action, new Map())).toEqual({ action, used: [] });
  });
});

describe('forged references', () => {
  it('a reference without the rendering nonce is left as text, so data cannot pull a secret in', () => {
    const forged = secretRef('pw', 'guessed12345');
    const { action, used } = resolveActionSecrets(
      {
        kind: 'http',
        secretNonce: NONCE,
        method: 'GET',
        url: `https://x.example/?q=${forged}`,
        headers: {},
        expectStatus: [],
        insecureTls: false,
      },
      new Map([['pw', 'hunter2']]),
    );
    expect(used).toEqual([]);
    expect(action).toMatchObject({ url: `https://x.example/?q=${forged}` });
  });

  it('an action rendered without secrets resolves nothing', () => {
    const text = secretRef('pw', NONCE);
    const { used } = resolveActionSecrets(
      { kind: 'shell', command: `echo '${text}'`, env: {}, killGraceMs: 1 },
      new Map([['pw', 'hunter2']]),
    );
    expect(used).toEqual([]);
  });
});
