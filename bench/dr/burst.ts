/**
 * Burst scale-out on the lab: a scaling policy on the lab's Prometheus (request rate through
 * HAProxy's `web` backend), load from a client in edge-1, and the times from the threshold being
 * crossed to the new instance in cloud-hangzhou answering that client through HAProxy. The load
 * then stops and the instance is removed, so each cycle starts from the same estate.
 */
import { join } from 'node:path';
import type { ApiClient } from '../../src/cli/client.ts';
import { startLoad } from '../../lab/load.ts';
import { sleep } from '../engine/stats.ts';
import { ms, waitForRun } from './session.ts';

export const POLICY_NAME = 'bench-web-burst';
export const LOAD_PER_SECOND = 45;
/** The policy: what bounds the figures as much as the mechanism does (see the report). */
export const POLICY = {
  query: 'sum(rate(haproxy_backend_http_requests_total{proxy="web"}[10s]))',
  scaleOutAbove: 25,
  scaleInBelow: 14,
  for: '4s',
  cooldown: '5s',
  interval: '2s',
};

const policyYaml = () => `apiVersion: tandem/v1
kind: ScalingPolicy
metadata: { name: ${POLICY_NAME}, title: The DR benchmark's burst into cloud-hangzhou }
spec:
  prometheus: http://10.77.0.1:9090
  query: ${POLICY.query}
  scale_out_above: ${POLICY.scaleOutAbove}
  scale_in_below: ${POLICY.scaleInBelow}
  for: ${POLICY.for}
  cooldown: ${POLICY.cooldown}
  interval: ${POLICY.interval}
  max: 1
  burst_site: cloud-hangzhou
  scale_out: { runbook: burst-scale-out }
  scale_in: { runbook: scale-in }
`;

export interface Burst {
  /** Load started → first evaluation that saw the measure above the threshold. */
  loadToCrossedMs: number | null;
  /** Threshold crossed (as Tandem saw it) → scale-out decided: the policy's `for`. */
  crossedToDecisionMs: number | null;
  /** Decided → first answer from the new instance through HAProxy: the runbook and HAProxy. */
  decisionToServingMs: number | null;
  /** Threshold crossed → first answer from the new instance through HAProxy: the headline. */
  crossedToServingMs: number | null;
  /** The scale-out run, start to end. */
  runMs: number | null;
  /** Load stopped → scale-in counted (instance drained, disabled, stopped). */
  stopToRemovedMs: number | null;
  error?: string;
}

interface PolicyState {
  instances: number;
  last_value: number | null;
  pending: unknown;
}
interface DecisionView {
  at: string;
  decision: string;
  run_id: string | null;
  details: { condition_since?: number | null };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

export async function measureBursts(
  api: ApiClient,
  dir: string,
  n: number,
  log: (line: string) => void,
): Promise<Burst[]> {
  await api.request('POST', '/api/v1/scaling', {
    text: { contentType: 'application/yaml', data: policyYaml() },
  });
  const state = async () =>
    ((await api.get(`/api/v1/scaling/${POLICY_NAME}`)) as { state: PolicyState }).state;
  const decisions = async () =>
    ((await api.get(`/api/v1/scaling/${POLICY_NAME}/decisions?limit=200`)) as { decisions: DecisionView[] })
      .decisions;
  const quiet = async () => {
    const s = await state();
    return s.instances === 0 &&
      s.pending === null &&
      s.last_value !== null &&
      s.last_value < POLICY.scaleInBelow
      ? true
      : undefined;
  };
  const results: Burst[] = [];
  for (let i = 1; i <= n; i++) {
    await until('a quiet web tier and no burst instance', quiet, 120_000);
    const loadStart = Date.now();
    const load = startLoad({
      site: 'edge-1',
      url: 'http://10.77.3.10/',
      perSecond: LOAD_PER_SECOND,
      maxSeconds: 240,
      log: join(dir, `burst-${i}.log`),
    });
    try {
      await until(
        'the burst instance to be counted',
        async () => ((await state()).instances === 1 ? true : undefined),
        180_000,
      );
      const served = await until(
        'an answer from the burst instance through HAProxy',
        async () =>
          load.answers().find((a) => a.sentAt >= loadStart && a.from?.startsWith('web-hz-') === true),
        20_000,
      );
      const out = (await decisions()).find((d) => d.decision === 'scale_out' && ms(d.at)! >= loadStart);
      if (!out?.run_id) throw new Error('no scale-out decision with a run found');
      const run = await waitForRun(api, out.run_id, 60_000);
      const decidedAt = ms(out.at)!;
      const crossedAt = out.details.condition_since ?? null;
      await load.stop();
      const stoppedAt = Date.now();
      await until(
        'the burst instance to be removed',
        async () => ((await state()).instances === 0 ? true : undefined),
        180_000,
      );
      const removed = (await decisions()).find((d) => d.decision === 'scaled_in' && ms(d.at)! >= stoppedAt);
      const b: Burst = {
        loadToCrossedMs: crossedAt === null ? null : crossedAt - loadStart,
        crossedToDecisionMs: crossedAt === null ? null : decidedAt - crossedAt,
        decisionToServingMs: served.answeredAt - decidedAt,
        crossedToServingMs: crossedAt === null ? null : served.answeredAt - crossedAt,
        runMs: ms(run.finished_at)! - ms(run.started_at)!,
        stopToRemovedMs: removed ? ms(removed.at)! - stoppedAt : null,
      };
      results.push(b);
      const s = (x: number | null) => (x === null ? '?' : `${(x / 1000).toFixed(1)} s`);
      log(
        `  burst ${i}/${n}: load → crossed ${s(b.loadToCrossedMs)}, crossed → decided ${s(b.crossedToDecisionMs)}, ` +
          `decided → serving ${s(b.decisionToServingMs)} (crossed → serving ${s(b.crossedToServingMs)}); ` +
          `scale-out run ${s(b.runMs)}; load stopped → removed ${s(b.stopToRemovedMs)}`,
      );
    } catch (err: unknown) {
      results.push({
        loadToCrossedMs: null,
        crossedToDecisionMs: null,
        decisionToServingMs: null,
        crossedToServingMs: null,
        runMs: null,
        stopToRemovedMs: null,
        error: err instanceof Error ? err.message : String(err),
      });
      log(`  burst ${i}/${n} failed: ${results.at(-1)!.error!}`);
      break;
    } finally {
      await load.stop();
    }
  }
  await api.request('DELETE', `/api/v1/scaling/${POLICY_NAME}`).catch(() => undefined);
  return results;
}
