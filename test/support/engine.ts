/** An engine with its timer loop and an embedded agent on a test store, as `tandem server` runs them. */
import { runAgentLoop, type Executor } from '../../src/agent/agent-loop.ts';
import { inProcessAgentApi } from '../../src/agent/in-process-api.ts';
import { AgentService } from '../../src/engine/agent-service.ts';
import { silentLogger, type EngineDeps } from '../../src/engine/deps.ts';
import { Engine } from '../../src/engine/engine.ts';
import { runTimerLoop } from '../../src/engine/timer-loop.ts';
import { uuidv7, type Store } from '../../src/store/index.ts';
import type { RunState } from '../../src/core/engine/index.ts';

export interface TestEngine {
  deps: EngineDeps;
  engine: Engine;
  agents: AgentService;
  /** Wait until the run's status is one of `statuses` (default: finished). */
  waitFor(runId: string, statuses?: string[], timeoutMs?: number): Promise<RunState>;
  waitUntil(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestEngine(
  store: Store,
  opts: { leaseMs?: number; capacity?: number; executor?: Executor; agent?: boolean; agentId?: string } = {},
): Promise<TestEngine> {
  const deps: EngineDeps = {
    store,
    clock: Date.now,
    newId: uuidv7,
    log: silentLogger,
    leaseMs: opts.leaseMs ?? 30_000,
  };
  const engine = new Engine(deps);
  const agents = new AgentService(deps);
  const stop = new AbortController();
  const loops: Promise<void>[] = [runTimerLoop(deps, stop.signal)];
  let closeApi: () => Promise<void> = () => Promise.resolve();
  if (opts.agent !== false) {
    const local = await inProcessAgentApi(deps, {
      id: opts.agentId ?? 'test-agent',
      site: 'local',
      labels: [],
    });
    closeApi = local.close;
    loops.push(
      runAgentLoop({
        api: local.api,
        capacity: opts.capacity ?? 8,
        signal: stop.signal,
        log: silentLogger,
        heartbeatMs: Math.max(50, Math.floor(deps.leaseMs / 3)),
        claimWaitMs: 1_000,
        ...(opts.executor ? { executor: opts.executor } : {}),
      }),
    );
  }
  const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    deps,
    engine,
    agents,
    waitUntil,
    async waitFor(runId, statuses = ['succeeded', 'failed', 'cancelled'], timeoutMs = 15_000) {
      let run: RunState | undefined;
      await waitUntil(
        `run ${runId} to be ${statuses.join('/')} (is ${run?.status ?? '?'})`,
        async () => {
          run = await engine.getRun(runId);
          return run !== undefined && statuses.includes(run.status);
        },
        timeoutMs,
      );
      return run!;
    },
    async stop() {
      stop.abort();
      await Promise.all(loops);
      await closeApi();
    },
  };
}

export const yamlRunbook = (name: string, body: string) => `apiVersion: tandem/v1
kind: Runbook
metadata:
  name: ${name}
spec:
${body}`;
