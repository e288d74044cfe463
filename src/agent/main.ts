/**
 * `tandem agent`: enroll once with a site's one-time token, then claim and run that site's steps,
 * connecting outwards only. SIGTERM drains: no new claims, running steps finish and are reported.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { TandemError } from '../core/errors.ts';
import type { Logger } from '../engine/deps.ts';
import { VERSION } from '../version.ts';
import { createLogger } from '../logger.ts';
import { runAgentLoop } from './agent-loop.ts';
import { collectFacts } from './facts.ts';
import { httpAgentApi } from './http-api.ts';
import { HttpClient } from './http-client.ts';
import { StateDir, type AgentCredential } from './state-dir.ts';
import { httpProbeApi, runProbeRunner } from '../probes/index.ts';

export interface AgentOptions {
  server: string;
  /** The one-time enrollment token; needed only until the agent holds its own credential. */
  token?: string;
  name?: string;
  labels: string[];
  capacity: number;
  stateDir: string;
  caFile?: string;
  /** Aborting drains the agent. */
  signal: AbortSignal;
  logLevel?: string;
}

/** Heartbeat every 10 s: a 30 s lease survives two missed beats. */
const HEARTBEAT_MS = 10_000;

export async function runAgent(o: AgentOptions): Promise<void> {
  const log = createLogger(o.logLevel ?? process.env.TANDEM_LOG_LEVEL ?? 'info');
  const state = new StateDir(o.stateDir);
  await state.init();
  const ca = o.caFile ? await readFile(o.caFile, 'utf8') : undefined;
  const base = new HttpClient({ server: o.server, ...(ca ? { ca } : {}) });
  const cred = (await state.readCredential()) ?? (await enroll(base, state, o, log));
  const client = base.withCredential(cred.credential);
  const agentLog = log.child({ agent: cred.name, site: cred.site });
  agentLog.info({ server: o.server }, 'agent running');
  let draining = false;
  o.signal.addEventListener('abort', () => {
    draining = true;
    agentLog.info({}, 'draining: no new steps; finishing the running ones');
  });
  // Interval probes run beside the steps and stop with them (at once when draining).
  const probing = new AbortController();
  const probeRunner = runProbeRunner({
    api: httpProbeApi(client),
    signal: AbortSignal.any([o.signal, probing.signal]),
    log: agentLog.child({ loop: 'probes' }),
  });
  try {
    await runAgentLoop({
      api: httpAgentApi(client, { draining: () => draining }),
      capacity: o.capacity,
      signal: o.signal,
      log: agentLog,
      heartbeatMs: Number(process.env.TANDEM_AGENT_HEARTBEAT_MS) || HEARTBEAT_MS,
      claimWaitMs: 25_000,
      outbox: state,
    });
    agentLog.info({}, 'agent stopped');
  } finally {
    probing.abort();
    await probeRunner;
    client.close();
    base.close();
  }
}

async function enroll(
  client: HttpClient,
  state: StateDir,
  o: AgentOptions,
  log: Logger,
): Promise<AgentCredential> {
  if (!o.token)
    throw new TandemError(
      'invalid_input',
      `no credential in ${o.stateDir}: enroll with --token (from "tandem agent token create --site SITE")`,
    );
  const name = o.name ?? hostname();
  const res = await client.post<{ agent_id: string; name: string; site: string; credential: string }>(
    '/api/v1/agent/enroll',
    {
      token: o.token,
      name,
      labels: o.labels,
      capacity: o.capacity,
      version: VERSION,
      facts: await collectFacts(),
    },
  );
  const cred: AgentCredential = {
    server: o.server,
    agent_id: res.agent_id,
    name: res.name,
    site: res.site,
    credential: res.credential,
  };
  await state.writeCredential(cred);
  log.info({ agent: res.name, site: res.site }, 'enrolled');
  return cred;
}
