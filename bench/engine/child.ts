/**
 * Each target phase runs in a process of its own: DBOS is a process-wide singleton, and a fresh
 * process keeps one target's garbage, pools and timers out of the next one's figures. The parent
 * re-runs this same entry point (main.ts) with `--child`; the child writes its result as JSON to
 * the file named by `--out`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { phaseSizes, runTarget, type Phase } from './targets.ts';
import type { Sizes, TargetName, TargetResult } from './workloads.ts';

/** A process that takes longer than this is killed and reported as failed. */
const PHASE_TIMEOUT_MS = 6 * 60_000;

export interface ChildArgs {
  target: TargetName;
  phase: Phase;
  rounds: number;
  quick: boolean;
  capacities: number[];
}

/** The start and the end of a long output: where an error began, and how it ended. */
export const excerpt = (text: string, max = 3000): string => {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max / 2)}\n[…]\n${t.slice(-max / 2)}`;
};

const errorText = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));

/** Run one phase of one target in a child process; a failure becomes a result with `error` set. */
export async function spawnPhase(entry: string, a: ChildArgs): Promise<TargetResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-bench-result-'));
  const out = join(dir, 'result.json');
  const start = loadavg()[0]!;
  const args = [
    ...process.execArgv, // tsx's loader
    // DBOS's use of pg prints a deprecation warning on every run; it is not ours to act on.
    '--no-deprecation',
    entry,
    '--child',
    a.target,
    '--phase',
    a.phase,
    '--rounds',
    String(a.rounds),
    '--capacities',
    a.capacities.join(','),
    '--out',
    out,
    ...(a.quick ? ['--quick'] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), PHASE_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const load = { phase: a.phase, start, end: loadavg()[0]! };
  try {
    const result = JSON.parse(await readFile(out, 'utf8')) as TargetResult;
    result.load = [load];
    if (output.trim() !== '') result.notes.push(`its ${a.phase} process printed: ${excerpt(output)}`);
    return result;
  } catch {
    const reason = code === null ? `killed after ${PHASE_TIMEOUT_MS / 1000} s` : `exited with code ${code}`;
    return {
      target: a.target,
      label: a.target,
      version: '?',
      settings: {},
      notes: [],
      load: [load],
      error: `${a.phase}: ${reason}: ${excerpt(output)}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The child side: run the phase, write the result, exit. */
export async function childMain(a: ChildArgs, base: Sizes, out: string): Promise<never> {
  let result: TargetResult;
  try {
    result = await runTarget(a.target, a.phase, phaseSizes(base, a.phase, a.rounds), a.capacities);
  } catch (err: unknown) {
    process.stderr.write(`${errorText(err)}\n`);
    process.exit(1);
  }
  await writeFile(out, JSON.stringify(result));
  // Some peers keep timers or pools alive after stopping; the result is written, so leave.
  process.exit(0);
}
