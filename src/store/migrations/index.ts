import { initial } from './0001-initial.ts';
import { sitesAgentsSecrets } from './0002-sites-agents-secrets.ts';
import { runVersion } from './0003-run-version.ts';
import { conflictFunction } from './0004-conflict-function.ts';
import { people } from './0005-people.ts';
import { estate } from './0006-estate.ts';
import { events } from './0007-events.ts';
import { oncall } from './0008-oncall.ts';
import { rules } from './0009-rules.ts';
import { knowledge } from './0010-knowledge.ts';
import { scaling } from './0011-scaling.ts';
import type { Migration } from './migration.ts';

export type { Migration } from './migration.ts';

/** Every migration, in order. Append new ones; never reorder, rename or edit released ones. */
export const migrations: readonly Migration[] = [
  initial,
  sitesAgentsSecrets,
  runVersion,
  conflictFunction,
  people,
  estate,
  events,
  oncall,
  rules,
  knowledge,
  scaling,
];
