/**
 * The benchmark's admin side of the API: sites, the runbook, agent enrollment, starting runs and
 * reading their events. JSON POSTs go through Tandem's own keep-alive client (src/agent).
 */
import { HttpClient } from '../../src/agent/http-client.ts';
import { forEachLimit } from '../engine/stats.ts';
import type { SimAgent } from './protocol.ts';

/** The runbook every phase starts: one no-op step on the site given as input. */
export const RUNBOOK = 'bench-agents';
const RUNBOOK_YAML = `apiVersion: tandem/v1
kind: Runbook
metadata: { name: ${RUNBOOK} }
spec:
  inputs:
    site: { type: string, required: true }
  steps:
    - id: s
      runs_on: { site: "\${{ inputs.site }}" }
      shell: "true"
`;
/** Admin requests at once while setting up and queueing (the PostgreSQL pool holds 10). */
export const ADMIN_LANES = 8;

interface RunEvent {
  type: string;
  at: string;
}

export class Admin {
  readonly #client: HttpClient;

  constructor(
    readonly url: string,
    readonly token: string,
  ) {
    this.#client = new HttpClient({ server: url, credential: token });
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#client.post<T>(path, body);
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async applyRunbook(): Promise<void> {
    const res = await fetch(`${this.url}/api/v1/runbooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/yaml' },
      body: RUNBOOK_YAML,
    });
    if (!res.ok) throw new Error(`POST /api/v1/runbooks: ${res.status} ${await res.text()}`);
  }

  /** Start one run of the benchmark runbook on `site`; answers its id. */
  async startRun(site: string): Promise<string> {
    const run = await this.post<{ id: string }>('/api/v1/runs', { runbook: RUNBOOK, inputs: { site } });
    return run.id;
  }

  /** Server-side ms from the run's start to its step's claim, from the events' `at` (1 ms steps). */
  async claimDelay(runId: string): Promise<number | undefined> {
    const { events } = await this.get<{ events: RunEvent[] }>(`/api/v1/runs/${runId}/events`);
    const at = (type: string) => events.find((e) => e.type === type)?.at;
    const started = at('run.started');
    const claimed = at('step.started');
    if (started === undefined || claimed === undefined) return undefined;
    return Date.parse(claimed) - Date.parse(started);
  }

  /** Runs not yet ended (pending, running, waiting): 0 once every step was completed. */
  async unfinishedRuns(): Promise<number> {
    const { runs } = await this.get<{ runs: unknown[] }>(
      '/api/v1/runs?status=pending,running,waiting&limit=500',
    );
    return runs.length;
  }

  close(): void {
    this.#client.close();
  }
}

export const siteName = (i: number): string => `bench-site-${String(i + 1).padStart(3, '0')}`;

/** Create the sites and the runbook, and enroll `agentsPerSite` agents on each site. */
export async function prepare(admin: Admin, sites: number, agentsPerSite: number): Promise<SimAgent[]> {
  await admin.applyRunbook();
  await forEachLimit(sites, ADMIN_LANES, async (i) => {
    await admin.post('/api/v1/sites', { name: siteName(i), kind: 'idc' });
  });
  const agents: SimAgent[] = [];
  await forEachLimit(sites * agentsPerSite, ADMIN_LANES, async (i) => {
    const site = siteName(Math.floor(i / agentsPerSite));
    const name = `${site}-agent-${String((i % agentsPerSite) + 1).padStart(2, '0')}`;
    const { token } = await admin.post<{ token: string }>('/api/v1/agents/enrollment-tokens', { site });
    // Enrollment needs no credential: the one-time token is the proof.
    const anonymous = new HttpClient({ server: admin.url });
    try {
      const { credential } = await anonymous.post<{ credential: string }>('/api/v1/agent/enroll', {
        token,
        name,
        labels: [],
        capacity: 1,
      });
      agents.push({ name, site, credential });
    } finally {
      anonymous.close();
    }
  });
  // Site-major order: the simulators take every n-th agent, so each site spans all of them.
  return agents.sort((a, b) => (a.name < b.name ? -1 : 1));
}
