/** The command line of `npm run bench:dr` and the sizes it implies. */
import { parseArgs } from 'node:util';

export const PHASES = ['drills', 'partition', 'burst'] as const;
export type Phase = (typeof PHASES)[number];

export interface Flags {
  quick: boolean;
  /** dr-drill runs (each fails over and back). */
  drills: number;
  /** Site partitions of idc-shanghai, each healed before the next. */
  partitions: number;
  /** Scale-out/scale-in cycles under load. */
  bursts: number;
  only: Phase[];
}

const FULL = { drills: 5, partitions: 3, bursts: 3 };
const QUICK = { drills: 2, partitions: 1, bursts: 1 };

export const USAGE = `sudo -E npm run bench:dr [-- --quick] [--drills 5] [--partitions 3] [--bursts 3]
  [--only drills,partition,burst]`;

export function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      drills: { type: 'string' },
      partitions: { type: 'string' },
      bursts: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const sizes = values.quick ? QUICK : FULL;
  const count = (v: string | undefined, fallback: number, name: string): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${name} takes a positive integer, not "${v}"\n${USAGE}`);
    return n;
  };
  const only = (values.only?.split(',').map((s) => s.trim()) ?? [...PHASES]) as Phase[];
  for (const p of only)
    if (!PHASES.includes(p)) throw new Error(`--only takes ${PHASES.join(', ')}; not "${p}"\n${USAGE}`);
  return {
    quick: values.quick,
    drills: count(values.drills, sizes.drills, 'drills'),
    partitions: count(values.partitions, sizes.partitions, 'partitions'),
    bursts: count(values.bursts, sizes.bursts, 'bursts'),
    only,
  };
}
