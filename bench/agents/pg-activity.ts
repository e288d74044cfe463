/**
 * With --pg: what the server's PostgreSQL connections did during a phase — the CPU of their
 * backend processes (PostgreSQL runs on this machine) and, sampled every 50 ms from
 * pg_stat_activity, the share of time they spent running, waiting on a lock or on I/O, idle in a
 * transaction (waiting for the Tandem server) or idle. The server's backends are told apart by
 * their application_name, their database and by having started after it.
 */
import pg from 'pg';
import { benchPgUrl } from '../engine/postgres.ts';
import { now, round } from '../engine/stats.ts';
import { sampleProc } from './proc-usage.ts';

const SAMPLE_MS = 50;

export interface PgActivity {
  /** Backends of the server's pool seen during the phase. */
  backends: number;
  /** Their CPU together, % of one core. */
  backendsCpuPct: number;
  /** Mean number of pool connections in each state, busiest first. */
  states: { state: string; connections: number }[];
}

interface Row {
  pid: number;
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
}

const label = (r: Row): string => {
  if (r.state === 'active')
    return r.wait_event ? `active, waiting ${r.wait_event_type}:${r.wait_event}` : 'active';
  if (r.state === 'idle in transaction') return 'idle in transaction (on the server)';
  return r.state ?? 'unknown';
};

export class PgWatch {
  readonly #client: pg.Client;
  readonly #since: Date;
  #cpu0 = new Map<number, number>();
  #counts = new Map<string, number>();
  #samples = 0;
  #t0 = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> = Promise.resolve();

  private constructor(client: pg.Client, since: Date) {
    this.#client = client;
    this.#since = since;
  }

  /** Watch the backends of a server started at `since`. */
  static async open(since: Date): Promise<PgWatch> {
    const client = new pg.Client({ connectionString: benchPgUrl, application_name: 'bench-agents-watch' });
    await client.connect();
    return new PgWatch(client, since);
  }

  async #sample(): Promise<void> {
    const { rows } = await this.#client.query<Row>(
      `select pid, state, wait_event_type, wait_event from pg_stat_activity
        where application_name = 'tandem' and datname = current_database() and backend_start >= $1`,
      [new Date(this.#since.getTime() - 1000)],
    );
    this.#samples++;
    for (const r of rows) {
      if (!this.#cpu0.has(r.pid)) this.#cpu0.set(r.pid, sampleProc(r.pid)?.cpuMs ?? 0);
      const l = label(r);
      this.#counts.set(l, (this.#counts.get(l) ?? 0) + 1);
    }
  }

  async start(): Promise<void> {
    this.#cpu0 = new Map();
    this.#counts = new Map();
    this.#samples = 0;
    await this.#sample();
    this.#counts = new Map();
    this.#samples = 0;
    this.#t0 = now();
    this.#timer = setInterval(() => {
      this.#busy = this.#busy.then(() => this.#sample()).catch(() => undefined);
    }, SAMPLE_MS);
  }

  async stop(): Promise<PgActivity> {
    clearInterval(this.#timer);
    await this.#busy;
    const seconds = (now() - this.#t0) / 1000;
    let cpuMs = 0;
    for (const [pid, at0] of this.#cpu0) cpuMs += (sampleProc(pid)?.cpuMs ?? at0) - at0;
    return {
      backends: this.#cpu0.size,
      backendsCpuPct: round(cpuMs / 10 / seconds, 1),
      states: [...this.#counts]
        .map(([state, n]) => ({ state, connections: round(n / Math.max(1, this.#samples), 2) }))
        .sort((a, b) => b.connections - a.connections),
    };
  }

  close(): Promise<void> {
    return this.#client.end();
  }
}
