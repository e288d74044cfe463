/**
 * The targets and their two phases. The drain phase runs W1; the latency phase runs W2 and W3
 * and is split into rounds that alternate between targets, so a burst of load on this shared
 * machine falls on every target alike instead of on whichever ran at that minute.
 */
import { summarize } from './stats.ts';
import type { Sizes, TargetName, TargetResult } from './workloads.ts';

export type Phase = 'drain' | 'latency';

/** The sizes one process of `phase` runs: latency rounds each take their share of W2 and W3. */
export function phaseSizes(sizes: Sizes, phase: Phase, rounds: number): Sizes {
  if (phase === 'drain') return sizes;
  return {
    ...sizes,
    w2: { ...sizes.w2, runs: Math.ceil(sizes.w2.runs / rounds) },
    w3: { ...sizes.w3, runs: Math.ceil(sizes.w3.runs / rounds) },
  };
}

/**
 * Run one target's phase in this process. Modules load on demand, so a peer's process never
 * loads our engine (nor a broken work-in-progress file of it) and ours never loads the peers.
 */
export async function runTarget(
  target: TargetName,
  phase: Phase,
  sizes: Sizes,
  capacities: number[],
): Promise<TargetResult> {
  const only = new Set<'w1' | 'w2' | 'w3'>(phase === 'drain' ? ['w1'] : ['w2', 'w3']);
  switch (target) {
    case 'sqlite':
    case 'pg': {
      const { benchTandem } = await import('./tandem.ts');
      return benchTandem(target === 'sqlite' ? 'sqlite' : 'postgres', sizes, { capacities, only: [...only] });
    }
    case 'graphile': {
      const { benchGraphile } = await import('./peers/graphile.ts');
      return benchGraphile(sizes, only);
    }
    case 'pgboss': {
      const { benchPgBoss } = await import('./peers/pgboss.ts');
      return benchPgBoss(sizes, only);
    }
    case 'dbos': {
      const { benchDbos } = await import('./peers/dbos.ts');
      return benchDbos(sizes, only);
    }
  }
}

/** One target's result from its processes: W1 from the drain, W2/W3 from every latency round. */
export function mergeParts(target: TargetName, parts: TargetResult[]): TargetResult {
  const ok = parts.filter((p) => p.error === undefined);
  const first = ok[0] ?? parts[0]!;
  const merged: TargetResult = {
    target,
    label: first.label,
    version: first.version,
    settings: Object.assign({}, ...parts.map((p) => p.settings)) as TargetResult['settings'],
    notes: [...new Set(parts.flatMap((p) => p.notes))],
    load: parts.flatMap((p) => p.load ?? []),
  };
  const w1 = parts.find((p) => p.w1)?.w1;
  if (w1) merged.w1 = w1;
  const w2 = ok.flatMap((p) => p.samples?.w2 ?? []);
  if (w2.length > 0) merged.w2 = summarize(w2);
  const steps = ok.find((p) => p.w3)?.w3?.steps;
  const perRun = ok.flatMap((p) => p.samples?.w3PerRun ?? []);
  if (perRun.length > 0 && steps !== undefined) {
    merged.w3 = { ...summarize(perRun.map((ms) => ms / steps)), steps, perRun: summarize(perRun) };
  }
  const errors = parts.filter((p) => p.error !== undefined).map((p) => p.error!);
  if (errors.length > 0) merged.error = errors.join('\n---\n');
  return merged;
}
