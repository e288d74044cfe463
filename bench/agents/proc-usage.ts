/**
 * CPU time and resident memory of processes, read from /proc (Linux): the server's, and the
 * simulators' (they share the machine's 2 cores with the server, so their cost is reported too).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { now, round } from '../engine/stats.ts';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (100 on most Linux systems). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();
/** RSS is sampled this often during a phase, for its peak. */
const RSS_SAMPLE_MS = 200;

export interface ProcSample {
  cpuMs: number;
  rssKiB: number;
}

/** utime + stime (fields 14 and 15 of /proc/<pid>/stat) and VmRSS; undefined once it exited. */
export function sampleProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return { cpuMs: (ticks * 1000) / CLK_TCK, rssKiB };
  } catch {
    return undefined;
  }
}

export interface Usage {
  seconds: number;
  /** Server CPU time over the phase, and as % of one core. */
  serverCpuMs: number;
  serverCpuPct: number;
  rssStartMiB: number;
  rssEndMiB: number;
  rssMaxMiB: number;
  /** All simulator processes together, % of one core. */
  simulatorsCpuPct: number;
  /** The machine's 1-minute load average at the start and the end. */
  load: [number, number];
}

const mib = (kib: number) => round(kib / 1024, 1);
const cpuOf = (pids: number[]) => pids.reduce((a, pid) => a + (sampleProc(pid)?.cpuMs ?? 0), 0);

/** Measures the server (and the simulators) from `start` to `stop`. */
export class Meter {
  #t0 = 0;
  #server0: ProcSample | undefined;
  #sims0 = 0;
  #rssMax = 0;
  #load0 = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly serverPid: number,
    readonly simulatorPids: number[],
  ) {}

  start(): void {
    this.#t0 = now();
    this.#load0 = loadavg()[0]!;
    this.#server0 = sampleProc(this.serverPid);
    this.#sims0 = cpuOf(this.simulatorPids);
    this.#rssMax = this.#server0?.rssKiB ?? 0;
    this.#timer = setInterval(() => {
      this.#rssMax = Math.max(this.#rssMax, sampleProc(this.serverPid)?.rssKiB ?? 0);
    }, RSS_SAMPLE_MS);
  }

  stop(): Usage {
    clearInterval(this.#timer);
    const seconds = (now() - this.#t0) / 1000;
    const end = sampleProc(this.serverPid);
    const start = this.#server0;
    if (!start || !end) throw new Error(`the server (pid ${this.serverPid}) is gone`);
    const serverCpuMs = end.cpuMs - start.cpuMs;
    return {
      seconds: round(seconds, 2),
      serverCpuMs: round(serverCpuMs, 0),
      serverCpuPct: round(serverCpuMs / 10 / seconds, 1),
      rssStartMiB: mib(start.rssKiB),
      rssEndMiB: mib(end.rssKiB),
      rssMaxMiB: mib(Math.max(this.#rssMax, end.rssKiB)),
      simulatorsCpuPct: round((cpuOf(this.simulatorPids) - this.#sims0) / 10 / seconds, 1),
      load: [round(this.#load0, 2), round(loadavg()[0]!, 2)],
    };
  }
}
