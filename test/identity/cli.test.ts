import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  freePort,
  startServerProcess,
  TEST_TOKEN,
  type ServerProcess,
} from '../support/server-process.ts';

const PASSWORD = 'correct horse battery staple';

let server: ServerProcess;
let dataDir: string;
let configHome: string;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `tandem --server URL …` with `stdin` piped in, no token in the environment, a private config folder. */
function tandem(args: string[], stdin = ''): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome };
  delete env.TANDEM_TOKEN;
  delete env.TANDEM_SERVER;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--server', server.url, ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
const asAdmin = (args: string[], stdin = '') => tandem(['--token', TEST_TOKEN, ...args], stdin);
const credentialsFile = () => join(configHome, 'tandem', 'credentials.json');

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tandem-identity-cli-'));
  configHome = await mkdtemp(join(tmpdir(), 'tandem-config-'));
  server = await startServerProcess({ port: await freePort(), dataDir });
});

afterAll(async () => {
  await server.kill();
  await rm(dataDir, { recursive: true, force: true });
  await rm(configHome, { recursive: true, force: true });
});

// Each command is a process of its own (about a second on a busy machine): room for several.
describe('tandem user, team and token', { timeout: 90_000 }, () => {
  it('an admin creates a user with a piped password, a team with a grant, and a membership', async () => {
    const created = await asAdmin(['user', 'create', 'alice', '--display-name', 'Alice Li'], `${PASSWORD}\n`);
    expect(created).toMatchObject({ code: 0, stdout: 'user alice created\n' });
    expect((await asAdmin(['team', 'create', 'dba', '--description', 'Databases'])).stdout).toBe(
      'team dba created\n',
    );
    const grant = await asAdmin([
      'team',
      'grant',
      'dba',
      'operator',
      '--site',
      'idc-*',
      '--label',
      'area=database',
    ]);
    expect(grant.code).toBe(0);
    expect(grant.stdout).toMatch(
      /^granted operator on sites idc-\* for runbooks labelled area=database to team dba \(grant [0-9a-f-]{36}\)\n$/,
    );
    expect((await asAdmin(['team', 'add', 'dba', 'alice'])).stdout).toBe('alice is in team dba\n');
    const show = await asAdmin(['team', 'show', 'dba']);
    expect(show.stdout).toMatch(/members {2}alice/);
    expect(show.stdout).toMatch(/operator +idc-\* +area=database/);
    const user = await asAdmin(['--json', 'user', 'show', 'alice']);
    expect(JSON.parse(user.stdout)).toMatchObject({
      username: 'alice',
      display_name: 'Alice Li',
      teams: ['dba'],
      has_password: true,
    });
    const list = await asAdmin(['user', 'list']);
    expect(list.stdout).toMatch(/^USERNAME +NAME +SOURCE +STATE +TEAMS +LAST LOGIN\n/);
    expect(list.stdout).toMatch(/alice +Alice Li +local +enabled +dba/);
  });

  it('refuses a weak password and a bad role with the reason and exit code 2', async () => {
    const weak = await asAdmin(['user', 'create', 'bob'], 'short\n');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/at least 10 characters/);
    const empty = await asAdmin(['user', 'create', 'bob'], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the password is empty/);
    const role = await asAdmin(['team', 'grant', 'dba', 'root']);
    expect(role.code).toBe(2);
  });

  it('token create prints the token alone on stdout, once', async () => {
    const made = await asAdmin([
      'token',
      'create',
      'ci',
      '--user',
      'alice',
      '--scope',
      'viewer',
      '--expires-in',
      '30d',
    ]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^tdm_[A-Za-z0-9_-]{43}\n$/);
    expect(made.stderr).toMatch(/token ci of alice \(id .*, scope viewer, expires .*\); shown once/);
    const list = await asAdmin(['token', 'list', '--user', 'alice']);
    expect(list.stdout).toMatch(/ci +alice +viewer +active/);
    expect(list.stdout).not.toContain('tdm_');
    const me = await fetch(`${server.url}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${made.stdout.trim()}` },
    });
    expect(((await me.json()) as { scope: string }).scope).toBe('viewer');
  });
});

describe('tandem login', { timeout: 90_000 }, () => {
  it('refuses a wrong password with exit code 5 and saves nothing', async () => {
    const r = await tandem(['login', '--username', 'alice'], 'not the password\n');
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('error: wrong username or password\n');
    await expect(stat(credentialsFile())).rejects.toThrow(/ENOENT/);
  });

  it('saves a token in a 0600 file keyed by server, which later commands use', async () => {
    const r = await tandem(['login', '--username', 'alice', '--name', 'laptop'], `${PASSWORD}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^signed in to ${server.url} as alice .*token saved in ${credentialsFile()}\\n$`),
    );
    expect(r.stdout + r.stderr).not.toContain('tdm_');
    expect((await stat(credentialsFile())).mode & 0o777).toBe(0o600);
    expect((await stat(join(configHome, 'tandem'))).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(await readFile(credentialsFile(), 'utf8')) as {
      servers: Record<string, { token: string; username: string }>;
    };
    expect(saved.servers[server.url]).toMatchObject({ username: 'alice' });
    expect(saved.servers[server.url]!.token).toMatch(/^tdm_/);

    const tokens = await tandem(['--json', 'token', 'list']);
    expect(tokens.code).toBe(0);
    expect(
      (JSON.parse(tokens.stdout) as { tokens: { name: string; user: string }[] }).tokens.map((t) => t.name),
    ).toContain('laptop');
    const show = await tandem(['user', 'show', 'alice']);
    expect(show.code).toBe(0);
    // Alice operates; she may not create users.
    const refused = await tandem(['user', 'create', 'mallory', '--no-password']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/needs users:write/);
  });

  it('logout revokes the saved token and forgets it', async () => {
    const saved = JSON.parse(await readFile(credentialsFile(), 'utf8')) as {
      servers: Record<string, { token: string }>;
    };
    const token = saved.servers[server.url]!.token;
    const out = await tandem(['logout']);
    expect(out).toMatchObject({ code: 0, stdout: `signed out of ${server.url}\n` });
    const after = JSON.parse(await readFile(credentialsFile(), 'utf8')) as {
      servers: Record<string, unknown>;
    };
    expect(after.servers).toEqual({});
    const me = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    const signedOut = await tandem(['user', 'list']);
    expect(signedOut.code).toBe(5);
    expect(signedOut.stderr).toMatch(/tandem login/);
    expect((await tandem(['logout'])).stdout).toBe(`not signed in to ${server.url}\n`);
  });

  it('user passwd and disable act at once', async () => {
    const changed = await asAdmin(['user', 'passwd', 'alice'], 'another long passphrase\n');
    expect(changed).toMatchObject({ code: 0, stdout: 'password of alice changed\n' });
    expect((await tandem(['login', '--username', 'alice'], `${PASSWORD}\n`)).code).toBe(5);
    expect((await tandem(['login', '--username', 'alice'], 'another long passphrase\n')).code).toBe(0);
    expect((await asAdmin(['user', 'disable', 'alice'])).stdout).toBe('user alice disabled\n');
    expect((await tandem(['user', 'show', 'alice'])).code).toBe(5);
    expect((await asAdmin(['user', 'enable', 'alice'])).stdout).toBe('user alice enabled\n');
    expect((await tandem(['user', 'show', 'alice'])).code).toBe(0);
  });
});
