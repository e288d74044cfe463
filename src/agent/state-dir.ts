/**
 * The agent's state folder: its credential (0600) and an outbox of results not yet delivered,
 * so a result survives the link to the server dropping, and the agent restarting meanwhile.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttemptReport, LogChunk } from './api.ts';

export interface AgentCredential {
  server: string;
  agent_id: string;
  name: string;
  site: string;
  credential: string;
}

export class StateDir {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(join(this.dir, 'outbox'), { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
  }

  async readCredential(): Promise<AgentCredential | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'credential.json'), 'utf8')) as AgentCredential;
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async writeCredential(c: AgentCredential): Promise<void> {
    await this.atomicWrite(join(this.dir, 'credential.json'), JSON.stringify(c, null, 2));
  }

  private async atomicWrite(path: string, text: string): Promise<void> {
    const tmp = `${path}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, path);
  }

  private resultPath(r: AttemptReport): string {
    const safe = `${r.runId}_${Buffer.from(r.key).toString('base64url')}_${r.attempt}.json`;
    return join(this.dir, 'outbox', safe);
  }

  /** Keep a result until the server has answered for it. */
  async saveResult(r: AttemptReport): Promise<void> {
    await this.atomicWrite(this.resultPath(r), JSON.stringify(r));
  }

  async dropResult(r: AttemptReport): Promise<void> {
    await rm(this.resultPath(r), { force: true });
  }

  async pendingResults(): Promise<AttemptReport[]> {
    const out: AttemptReport[] = [];
    for (const f of await readdir(join(this.dir, 'outbox'))) {
      if (!f.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(await readFile(join(this.dir, 'outbox', f), 'utf8')) as AttemptReport);
      } catch {
        // A torn write from a crash: the attempt will be refused or retried by the server anyway.
        await rm(join(this.dir, 'outbox', f), { force: true });
      }
    }
    return out;
  }

  /** Log chunks that could not be sent, kept for the next start. */
  async saveLogs(chunks: LogChunk[]): Promise<void> {
    await this.atomicWrite(
      join(this.dir, 'outbox', 'logs.jsonl'),
      chunks.map((c) => JSON.stringify(c)).join('\n'),
    );
  }

  async takeLogs(): Promise<LogChunk[]> {
    const path = join(this.dir, 'outbox', 'logs.jsonl');
    try {
      const text = await readFile(path, 'utf8');
      await rm(path, { force: true });
      return text
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as LogChunk);
    } catch {
      return [];
    }
  }
}
