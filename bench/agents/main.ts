/**
 * `npm run bench:agents [-- --pg] [--quick] [--profile] …` (flags.ts)
 *
 * Site agents over HTTP: 200 agents (20 sites × 10), simulated in 4 processes with Tandem's own
 * HTTP agent client, long-poll one `tandem server` child process. Measures (a) the idle cost of
 * the long-polls, (b) pickup latency from a run's start to its step's claim reaching the agent,
 * (c) steps/s through HTTP, and (d) the engine benchmark's in-process pickup (W2) on the same
 * store, for the cost of the HTTP hop. Prints the figures and writes them as JSON to
 * bench/results/agents-<date>.json and bench/results/agents-latest.json (agents-pg-… with --pg).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchPgWhere } from '../engine/postgres.ts';
import { parseFlags } from './flags.ts';
import { hopCheck, profileTable, report, HOP_TARGET_MS } from './report.ts';
import { Cleanup, runBenchmark } from './run.ts';

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
const log = (line = ''): void => void process.stdout.write(`${line}\n`);

/** The commit measured, and the files of src/ changed since (others edit the tree meanwhile). */
function gitState(): { commit: string; changedSrc: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  try {
    return {
      commit: git('rev-parse', 'HEAD'),
      changedSrc: git('status', '--porcelain', 'src').split('\n').filter(Boolean),
    };
  } catch {
    return { commit: '?', changedSrc: [] };
  }
}

const flags = parseFlags(process.argv.slice(2));
const cleanup = new Cleanup();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`\n${sig}: stopping the server and the simulators`);
    void cleanup.run().finally(() => process.exit(130));
  });
}

const startedAt = new Date();
const load = loadavg();
const git = gitState();
log(`Tandem agents benchmark — ${startedAt.toISOString()}${flags.quick ? ' (quick)' : ''}`);
log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `${platform()} ${release()}, node ${process.version}, load ${load.map((l) => l.toFixed(2)).join(' ')}`,
);
log(
  `server: tandem server on ${flags.pg ? `PostgreSQL at ${benchPgWhere()} (a fresh schema)` : 'SQLite'}; ` +
    `${flags.sites} sites × ${flags.agentsPerSite} agents in ${flags.processes} simulator processes; ` +
    `git ${git.commit.slice(0, 10)}${git.changedSrc.length > 0 ? ` + ${git.changedSrc.length} changed in src/` : ''}`,
);
log();

let failed = false;
try {
  const r = await runBenchmark(flags, cleanup, log);
  const hop = hopCheck(r);
  const finishedAt = new Date();
  log();
  log(report(r, hop));
  if (r.profile) log(`\n${profileTable(r)}`);
  if (r.serverOutput !== '') log(`\nthe server printed:\n${r.serverOutput}`);
  if (r.simulatorOutput !== '') log(`\nthe simulators printed:\n${r.simulatorOutput}`);
  const json = {
    benchmark: 'agents',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
    flags,
    git,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memGiB: Math.round(totalmem() / 2 ** 30),
      os: `${platform()} ${release()}`,
      node: process.version,
      loadavgAtStart: load,
      loadavgAtEnd: loadavg(),
    },
    ...r,
    hop: { ...hop, targetMs: HOP_TARGET_MS },
  };
  await mkdir(resultsDir, { recursive: true });
  // A --pg run keeps files of its own, so it does not replace the SQLite figures of the day.
  const name = flags.pg ? 'agents-pg' : 'agents';
  const file = `${resultsDir}${name}-${startedAt.toISOString().slice(0, 10)}.json`;
  const text = `${JSON.stringify(json, null, 2)}\n`;
  await writeFile(file, text);
  await writeFile(`${resultsDir}${name}-latest.json`, text);
  log(`\nwritten: ${file} (and ${name}-latest.json); ${json.seconds} s in all`);
} catch (err: unknown) {
  failed = true;
  log(`\nFAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  const problems = await cleanup.run();
  for (const p of problems) log(`cleanup: ${p}`);
}
process.exit(failed ? 1 : 0);
