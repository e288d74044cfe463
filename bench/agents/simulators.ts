/**
 * The benchmark's side of the simulator processes: forks them (each in a process group of its
 * own, so it can be killed whole), hands each its share of the agents, and turns their IPC
 * messages into claim/completion trackers and summed counters.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { excerpt } from '../engine/child.ts';
import { waitUntil, withTimeout } from '../engine/stats.ts';
import { Completions } from '../engine/workloads.ts';
import {
  clock,
  sumCounters,
  zeroCounters,
  type FromSimulator,
  type SimCounters,
  type SimInit,
  type ToSimulator,
} from './protocol.ts';

const entry = fileURLToPath(new URL('./simulator.ts', import.meta.url));

interface Sim {
  child: ChildProcess;
  counters: SimCounters;
  output: string;
  exited: Promise<void>;
}

/** Offset of a simulator's clock from ours, from the ping with the shortest round trip. */
export interface ClockCheck {
  offsetMs: number;
  rttMs: number;
}

export class Simulators {
  /** When each run's step was claimed (trace on), and when its result was accepted. */
  readonly claims = new Completions();
  readonly completions = new Completions();
  readonly #sims: Sim[] = [];
  readonly #replies = new Map<number, (m: FromSimulator) => void>();
  #nextId = 1;

  /** Fork `processes` simulators and start `init.agents` spread evenly over them. */
  static start(init: SimInit, processes: number): Simulators {
    const pool = new Simulators();
    for (let p = 0; p < processes; p++) {
      const agents = init.agents.filter((_, i) => i % processes === p);
      // process.execArgv carries tsx's loader; a group of its own (detached) so it is killed whole.
      const child = fork(entry, [], {
        execArgv: process.execArgv,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const sim: Sim = {
        child,
        counters: zeroCounters(),
        output: '',
        exited: new Promise((resolve) => child.on('exit', () => resolve())),
      };
      child.stdout?.on('data', (d: Buffer) => (sim.output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (sim.output += d.toString()));
      child.on('message', (m: FromSimulator) => pool.#onMessage(sim, m));
      pool.#sims.push(sim);
      pool.#send(sim, { type: 'init', init: { ...init, agents } });
    }
    return pool;
  }

  get pids(): number[] {
    return this.#sims.map((s) => s.child.pid!).filter((pid) => pid !== undefined);
  }

  /** The counters as last reported (at most 50 ms old), summed over the processes. */
  totals(): SimCounters {
    return sumCounters(this.#sims.map((s) => s.counters));
  }

  /** What every simulator printed (errors, mostly). */
  output(): string {
    return excerpt(this.#sims.map((s) => s.output).join(''));
  }

  setTrace(on: boolean): void {
    for (const s of this.#sims) this.#send(s, { type: 'trace', on });
  }

  pause(): void {
    for (const s of this.#sims) this.#send(s, { type: 'pause' });
  }

  release(): void {
    for (const s of this.#sims) this.#send(s, { type: 'release' });
  }

  /** The counters summed over the processes (since their last reset), resetting them if asked. */
  async stats(reset: boolean): Promise<SimCounters> {
    const all = await Promise.all(
      this.#sims.map(async (s) => {
        const m = await this.#ask(s, (id) => ({ type: 'stats', id, reset }));
        if (m.type !== 'stats') throw new Error(`simulator answered ${m.type} to stats`);
        s.counters = m.after;
        return m.counters;
      }),
    );
    return sumCounters(all);
  }

  /** Ping each simulator `pings` times; the shortest round trip bounds the error of its offset. */
  async clockCheck(pings = 20): Promise<ClockCheck[]> {
    const out: ClockCheck[] = [];
    for (const s of this.#sims) {
      let best: ClockCheck = { offsetMs: Number.NaN, rttMs: Infinity };
      for (let i = 0; i < pings; i++) {
        const t0 = clock();
        const m = await this.#ask(s, (id) => ({ type: 'clock', id }));
        const t1 = clock();
        if (m.type === 'clock' && t1 - t0 < best.rttMs)
          best = { offsetMs: m.at - (t0 + t1) / 2, rttMs: t1 - t0 };
      }
      out.push(best);
    }
    return out;
  }

  /** Ask every simulator to stop its agents and exit; kill the ones that do not within 10 s. */
  async stop(): Promise<void> {
    for (const s of this.#sims) if (s.child.connected) this.#send(s, { type: 'stop' });
    await withTimeout('simulators to exit', Promise.all(this.#sims.map((s) => s.exited)), 10_000).catch(() =>
      this.kill(),
    );
  }

  /** Kill every simulator's process group at once. */
  kill(): void {
    for (const s of this.#sims) {
      if (s.child.exitCode !== null || s.child.signalCode !== null || s.child.pid === undefined) continue;
      try {
        process.kill(-s.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** Wait until a condition on the summed counters holds. */
  waitFor(what: string, check: (c: SimCounters) => boolean, timeoutMs: number): Promise<void> {
    return waitUntil(what, () => check(this.totals()), timeoutMs, 10);
  }

  #send(s: Sim, m: ToSimulator): void {
    s.child.send(m);
  }

  #ask(s: Sim, make: (id: number) => ToSimulator): Promise<FromSimulator> {
    const id = this.#nextId++;
    const answer = new Promise<FromSimulator>((resolve) => this.#replies.set(id, resolve));
    this.#send(s, make(id));
    return withTimeout(`simulator ${s.child.pid} to answer`, answer, 10_000);
  }

  #onMessage(sim: Sim, m: FromSimulator): void {
    switch (m.type) {
      case 'claimed':
        this.claims.record(m.runId, m.at);
        break;
      case 'completed':
        this.completions.record(m.runId, m.at);
        break;
      case 'progress':
        sim.counters = m.counters;
        break;
      case 'clock':
      case 'stats':
        this.#replies.get(m.id)?.(m);
        this.#replies.delete(m.id);
        break;
      case 'stopped':
        break;
    }
  }
}
