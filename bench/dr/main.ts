/**
 * `sudo -E npm run bench:dr [-- --quick] …` (flags.ts)
 *
 * Disaster recovery and elasticity on the hybrid lab (needs root; takes the lab lock, brings the
 * lab up and down itself): dr-drill N times (RTO and RPO, median and worst), the detection time
 * of a site partition, and the time of a burst scale-out from the threshold crossed to the new
 * instance serving through HAProxy. Prints the figures beside Patroni's defaults and our target,
 * and writes bench/results/dr-<date>.json and bench/results/dr-latest.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Cleanup } from '../agents/run.ts';
import { measureBursts, POLICY, LOAD_PER_SECOND, type Burst } from './burst.ts';
import { runDrills, type Drill } from './drills.ts';
import { parseFlags } from './flags.ts';
import { measurePartitions, PARTITIONED_SITE, type Partition } from './partition.ts';
import { ANCHOR, report, summarize, TARGET } from './report.ts';
import { openLab } from './session.ts';

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
const log = (line = ''): void => void process.stdout.write(`${line}\n`);

function gitState(): { commit: string; changedSrc: number } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  try {
    return {
      commit: git('rev-parse', 'HEAD'),
      changedSrc: git('status', '--porcelain', 'src').split('\n').filter(Boolean).length,
    };
  } catch {
    return { commit: '?', changedSrc: 0 };
  }
}

const flags = parseFlags(process.argv.slice(2));
const cleanup = new Cleanup();
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    log(`\n${sig}: taking the lab down and stopping the server`);
    void cleanup.run().finally(() => process.exit(130));
  });

const startedAt = new Date();
const git = gitState();
log(`Tandem DR benchmark — ${startedAt.toISOString()}${flags.quick ? ' (quick)' : ''}`);
log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `${platform()} ${release()}, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ` +
    `git ${git.commit.slice(0, 10)}${git.changedSrc > 0 ? ` + ${git.changedSrc} changed in src/` : ''}`,
);
const plan = [
  flags.only.includes('drills') ? `${flags.drills} dr-drill runs` : null,
  flags.only.includes('burst') ? `${flags.bursts} burst cycles at ${LOAD_PER_SECOND} requests/s` : null,
  flags.only.includes('partition') ? `${flags.partitions} partitions of ${PARTITIONED_SITE}` : null,
];
log(`plan: ${plan.filter((p) => p !== null).join(', ')}`);

let failed = false;
try {
  const session = await openLab(cleanup, log);
  log(`lab up in ${session.labUpSeconds.toFixed(1)} s; server ${session.server.url}`);
  let drills: Drill[] | undefined;
  let bursts: Burst[] | undefined;
  let partitions: Partition[] | undefined;
  if (flags.only.includes('drills')) {
    log('\nDR drills (dr-drill: kill the primary, db-failover in drill mode, measure, fail back)');
    drills = await runDrills(session.api, flags.drills, log);
  }
  if (flags.only.includes('burst')) {
    log(`\nBurst scale-out (policy: ${POLICY.query} > ${POLICY.scaleOutAbove} for ${POLICY.for})`);
    bursts = await measureBursts(session.api, session.dir, flags.bursts, log);
  }
  if (flags.only.includes('partition')) {
    log(`\nSite partition detection (${PARTITIONED_SITE}'s link taken down, as \`lab partition\` does)`);
    partitions = await measurePartitions(session.api, flags.partitions, log);
  }
  const summary = summarize(drills, partitions, bursts);
  const finishedAt = new Date();
  log(`\n${report(summary)}`);
  const json = {
    benchmark: 'dr',
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
      loadavgAtEnd: loadavg(),
    },
    labUpSeconds: session.labUpSeconds,
    anchor: ANCHOR,
    target: TARGET,
    burstPolicy: { ...POLICY, loadPerSecond: LOAD_PER_SECOND },
    summary,
    drills,
    partitions,
    bursts,
  };
  await mkdir(resultsDir, { recursive: true });
  const file = `${resultsDir}dr-${startedAt.toISOString().slice(0, 10)}.json`;
  const text = `${JSON.stringify(json, null, 2)}\n`;
  await writeFile(file, text);
  await writeFile(`${resultsDir}dr-latest.json`, text);
  log(`\nwritten: ${file} (and dr-latest.json); ${json.seconds} s in all`);
  const problems =
    (drills ?? []).some((d) => d.status !== 'succeeded') || (bursts ?? []).some((b) => b.error);
  if (problems) failed = true;
} catch (err: unknown) {
  failed = true;
  log(`\nFAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  log('taking the lab down…');
  const problems = await cleanup.run();
  for (const p of problems) log(`cleanup: ${p}`);
  log(problems.length === 0 ? 'lab down, server stopped, lab lock released' : 'cleanup incomplete');
}
process.exit(failed ? 1 : 0);
