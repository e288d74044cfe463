/**
 * The in-process baseline, in a process of its own: the engine benchmark's own W2 code
 * (bench/engine/tandem.ts, `benchTandem` with only W2) — engine, timer loop and embedded agent
 * in one process, single-step runs started one at a time, ms from the start call to the executor.
 * Argument: sqlite|postgres runs warmup. Answers over IPC and exits.
 */
import { benchTandem, type StoreKind } from '../engine/tandem.ts';
import { QUICK } from '../engine/workloads.ts';
import type { BaselineAnswer } from './baseline.ts';

const [kind, runs, warmup] = process.argv.slice(2);
let answer: BaselineAnswer;
try {
  const sizes = { ...QUICK, w2: { runs: Number(runs), warmup: Number(warmup) } };
  const r = await benchTandem(kind as StoreKind, sizes, { capacities: [], only: ['w2'] });
  answer = { label: r.label, samples: r.samples?.w2 ?? [], settings: r.settings };
} catch (err: unknown) {
  answer = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
process.send?.(answer, () => process.exit(0));
