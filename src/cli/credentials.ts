/**
 * Tokens saved by `tandem login`, one per server, in `$XDG_CONFIG_HOME/tandem/credentials.json`
 * (else `~/.config/tandem/credentials.json`), readable by its owner only (mode 0600, folder 0700).
 */
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface SavedCredential {
  token: string;
  token_id: string;
  username: string;
  expires_at: string | null;
  saved_at: string;
}

interface CredentialsFile {
  servers: Record<string, SavedCredential>;
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const config =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== ''
      ? env.XDG_CONFIG_HOME
      : join(env.HOME ?? homedir(), '.config');
  return join(config, 'tandem', 'credentials.json');
}

/** The key a server's credential is saved under: its URL as the client uses it. */
export function serverKey(server: string): string {
  try {
    return new URL(server).href.replace(/\/+$/, '');
  } catch {
    return server;
  }
}

function parse(text: string): CredentialsFile {
  const data = JSON.parse(text) as Partial<CredentialsFile> | null;
  return { servers: data && typeof data.servers === 'object' ? data.servers : {} };
}

/**
 * The saved token for `server`, unless there is none or it has expired. Synchronous: read once
 * when a command builds its client. An unreadable file counts as no credential.
 */
export function savedToken(server: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let file: CredentialsFile;
  try {
    file = parse(readFileSync(credentialsPath(env), 'utf8'));
  } catch {
    return undefined;
  }
  const saved = file.servers[serverKey(server)];
  if (!saved || typeof saved.token !== 'string') return undefined;
  if (saved.expires_at !== null && Date.parse(saved.expires_at) <= Date.now()) return undefined;
  return saved.token;
}

async function load(path: string): Promise<CredentialsFile> {
  try {
    return parse(await readFile(path, 'utf8'));
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw err;
  }
}

/** Write the file whole, through a temporary file created 0600, so it is never readable by others. */
async function store(path: string, file: CredentialsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/** Save the credential for `server`, replacing any earlier one; answers the file's path. */
export async function saveCredential(
  server: string,
  credential: SavedCredential,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const path = credentialsPath(env);
  const file = await load(path);
  file.servers[serverKey(server)] = credential;
  await store(path, file);
  return path;
}

/** Forget the credential for `server`; answers it, or undefined when there was none. */
export async function removeCredential(
  server: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SavedCredential | undefined> {
  const path = credentialsPath(env);
  const file = await load(path);
  const key = serverKey(server);
  const saved = file.servers[key];
  if (!saved) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a map keyed by server URL
  delete file.servers[key];
  await store(path, file);
  return saved;
}
