/** The command line of `npm run bench:agents` and the sizes it implies. */
import { parseArgs } from 'node:util';

export interface Flags {
  /** Run the server (and the baseline) on PostgreSQL instead of SQLite. */
  pg: boolean;
  quick: boolean;
  sites: number;
  agentsPerSite: number;
  /** Simulator processes the agents are spread over. */
  processes: number;
  idleSeconds: number;
  pickupRuns: number;
  pickupWarmup: number;
  throughputRuns: number;
  /** In-process W2 pickups, half before the server starts and half after it stopped. */
  baselineRuns: number;
  /** Write a CPU profile of the server and print where its time went. */
  profile: boolean;
}

const FULL = { idleSeconds: 10, pickupRuns: 500, pickupWarmup: 20, throughputRuns: 5_000, baselineRuns: 300 };
const QUICK = { idleSeconds: 5, pickupRuns: 100, pickupWarmup: 10, throughputRuns: 1_000, baselineRuns: 100 };

export const USAGE = `npm run bench:agents [-- --pg] [--quick] [--sites 20] [--agents-per-site 10] [--processes 4]
  [--idle-seconds 10] [--pickup-runs 500] [--throughput-runs 5000] [--baseline-runs 300] [--profile]`;

export function parseFlags(argv: string[]): Flags {
  const int = { type: 'string' } as const;
  const { values } = parseArgs({
    args: argv,
    options: {
      pg: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      sites: int,
      'agents-per-site': int,
      processes: int,
      'idle-seconds': int,
      'pickup-runs': int,
      'throughput-runs': int,
      'baseline-runs': int,
    },
  });
  const base = values.quick ? QUICK : FULL;
  const num = (name: keyof typeof values, fallback: number, min = 1): number => {
    const text = values[name];
    if (text === undefined || typeof text !== 'string') return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: an integer ≥ ${min}\n${USAGE}`);
    return n;
  };
  return {
    pg: values.pg,
    quick: values.quick,
    profile: values.profile,
    sites: num('sites', 20),
    agentsPerSite: num('agents-per-site', 10),
    processes: num('processes', 4),
    idleSeconds: num('idle-seconds', base.idleSeconds),
    pickupRuns: num('pickup-runs', base.pickupRuns),
    pickupWarmup: base.pickupWarmup,
    throughputRuns: num('throughput-runs', base.throughputRuns),
    baselineRuns: num('baseline-runs', base.baselineRuns, 2),
  };
}
