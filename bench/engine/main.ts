/**
 * `npm run bench:engine [-- --only sqlite,pg,graphile,pgboss,dbos] [--quick] [--capacities 10,32,64]
 *  [--rounds 4]`
 *
 * Runs the engine workloads (see workloads.ts) on our two stores and on peer job queues /
 * workflow engines on the same PostgreSQL, each phase of each target in a process of its own
 * (child.ts): first every target's W1 drain, then W2 and W3 in rounds that alternate between
 * targets (targets.ts). Prints the figures, ratios ours/peer and our targets, and writes them as
 * JSON to bench/results/engine-<date>.json and bench/results/engine-latest.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { childMain, spawnPhase, type ChildArgs } from './child.ts';
import {
  benchPgWhere,
  commitFloor,
  dropLeftoverDatabases,
  serverInfo,
  type FloorResult,
} from './postgres.ts';
import {
  floorLine,
  ratios,
  REFERENCE,
  referenceLine,
  ratiosTable,
  resultsTable,
  targetChecks,
  targetsTable,
} from './report.ts';
import { mergeParts, type Phase } from './targets.ts';
import { FULL, QUICK, TARGETS, type TargetName, type TargetResult } from './workloads.ts';

/** Agent capacities tried for our W1 drain; the best is reported with its setting. */
const DEFAULT_CAPACITIES = [10, 32, 64];
/** Latency rounds: each target's W2/W3 split in 4, so no target has only a quiet or a busy minute. */
const DEFAULT_ROUNDS = 4;

const entry = fileURLToPath(import.meta.url);
const resultsDir = join(dirname(entry), '..', 'results');

interface Flags {
  only: TargetName[];
  quick: boolean;
  capacities: number[];
  rounds: number;
  child?: { target: TargetName; phase: Phase; out: string };
}

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      capacities: { type: 'string' },
      rounds: { type: 'string' },
      child: { type: 'string' },
      phase: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const names = (text: string, what: string): TargetName[] =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => {
        if (!(TARGETS as readonly string[]).includes(s))
          throw new Error(`--${what}: unknown target "${s}" (known: ${TARGETS.join(', ')})`);
        return s as TargetName;
      });
  const capacities = (values.capacities ?? DEFAULT_CAPACITIES.join(','))
    .split(',')
    .map((s) => Number(s.trim()));
  if (capacities.some((c) => !Number.isInteger(c) || c < 1))
    throw new Error('--capacities: a comma-separated list of positive integers');
  const rounds = Number(values.rounds ?? (values.quick ? 2 : DEFAULT_ROUNDS));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds: a positive integer');
  const only = values.only === undefined ? [...TARGETS] : names(values.only, 'only');
  if (only.length === 0) throw new Error('--only: name at least one target');
  let child: Flags['child'];
  if (values.child !== undefined) {
    const phase = values.phase;
    if (phase !== 'drain' && phase !== 'latency') throw new Error('--phase: drain or latency');
    if (values.out === undefined) throw new Error('--out: the result file of a child');
    child = { target: names(values.child, 'child')[0]!, phase, out: values.out };
  }
  return { only, quick: values.quick, capacities, rounds, child };
}

const log = (line = ''): void => void process.stdout.write(`${line}\n`);

async function parentMain(flags: Flags): Promise<void> {
  const sizes = flags.quick ? QUICK : FULL;
  const startedAt = new Date();
  const load = loadavg();
  const leftovers = await dropLeftoverDatabases();
  const pgInfo = await serverInfo();
  log(`Tandem engine benchmark — ${startedAt.toISOString()}${flags.quick ? ' (quick)' : ''}`);
  log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
      `${platform()} ${release()}, node ${process.version}, load ${load.map((l) => l.toFixed(2)).join(' ')}`,
  );
  log(
    `postgres: ${pgInfo.version} at ${benchPgWhere()} (${Object.entries(pgInfo.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')})`,
  );
  if (leftovers.length > 0) log(`dropped databases left by an earlier run: ${leftovers.join(', ')}`);
  log(
    `sizes: W1 ${sizes.w1.runs} runs × ${sizes.w1.stepsPerRun} steps; W2 ${sizes.w2.runs} runs; ` +
      `W3 ${sizes.w3.runs} runs × ${sizes.w3.steps} steps; W2/W3 in ${flags.rounds} rounds, each after ` +
      `${sizes.w2.warmup} (W2) and ${sizes.w3.warmup} (W3) warm-up runs`,
  );
  const floors: { start?: FloorResult; end?: FloorResult } = {};
  floors.start = await commitFloor(sizes.floorSeconds);
  log(floorLine('floor (before)', floors.start));
  log();

  const targets = TARGETS.filter((t) => flags.only.includes(t));
  const parts = new Map<TargetName, TargetResult[]>(targets.map((t) => [t, []]));
  const runPhase = async (target: TargetName, phase: Phase, label: string) => {
    const t0 = Date.now();
    process.stdout.write(`${label}… `);
    const args: ChildArgs = {
      target,
      phase,
      rounds: flags.rounds,
      quick: flags.quick,
      capacities: flags.capacities,
    };
    const r = await spawnPhase(entry, args);
    parts.get(target)!.push(r);
    const took = ((Date.now() - t0) / 1000).toFixed(1);
    log(r.error ? `FAILED after ${took} s` : `${took} s`);
    if (r.error) log(`  ${r.error.split('\n').join('\n  ')}`);
  };
  for (const target of targets) await runPhase(target, 'drain', `W1 drain: ${target}`);
  for (let round = 0; round < flags.rounds; round++) {
    // Rotate the order so no target always runs right after the same neighbour.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const target of order)
      await runPhase(target, 'latency', `W2+W3 round ${round + 1}/${flags.rounds}: ${target}`);
  }
  const results = targets.map((t) => mergeParts(t, parts.get(t)!));
  floors.end = await commitFloor(sizes.floorSeconds);
  const finishedAt = new Date();

  log();
  log(resultsTable(results));
  log();
  log(floorLine('floor (before)', floors.start));
  log(floorLine('floor (after) ', floors.end));
  log(referenceLine());
  for (const r of results) {
    if (!r.w1 || r.w1.tries.length < 2) continue;
    log(
      `${r.label} W1 tries: ${r.w1.tries.map((t) => `${t.setting}: ${Math.round(t.perSec)}/s`).join('; ')}`,
    );
  }
  const ratioList = ratios(results);
  if (ratioList.length > 0) {
    log();
    log(ratiosTable(ratioList, results));
  }
  const checks = targetChecks(results);
  if (checks.length > 0) {
    log();
    log(targetsTable(checks));
  }
  log();
  for (const r of results) {
    log(
      `${r.label}: ${Object.entries(r.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
    for (const n of r.notes) log(`  - ${n.length > 400 ? `${n.slice(0, 400)}… (all of it in the JSON)` : n}`);
  }

  const report = {
    benchmark: 'engine',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
    flags: { only: flags.only, quick: flags.quick, capacities: flags.capacities, rounds: flags.rounds },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memGiB: Math.round(totalmem() / 2 ** 30),
      os: `${platform()} ${release()}`,
      node: process.version,
      loadavgAtStart: load,
      loadavgAtEnd: loadavg(),
    },
    postgres: pgInfo,
    sizes,
    floor: floors,
    results,
    ratios: ratioList,
    targets: checks,
    reference: REFERENCE,
  };
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `engine-${startedAt.toISOString().slice(0, 10)}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(file, text);
  await writeFile(join(resultsDir, 'engine-latest.json'), text);
  log();
  log(`written: ${file} (and engine-latest.json); ${report.seconds} s in all`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

const flags = parseFlags(process.argv.slice(2));
if (flags.child) {
  const { target, phase, out } = flags.child;
  const args: ChildArgs = {
    target,
    phase,
    rounds: flags.rounds,
    quick: flags.quick,
    capacities: flags.capacities,
  };
  await childMain(args, flags.quick ? QUICK : FULL, out);
} else {
  await parentMain(flags);
}
