import { initial } from './0001-initial.ts';
import { sitesAgentsSecrets } from './0002-sites-agents-secrets.ts';
import { runVersion } from './0003-run-version.ts';
import { conflictFunction } from './0004-conflict-function.ts';
import { people } from './0005-people.ts';
import type { Migration } from './migration.ts';

export type { Migration } from './migration.ts';

/** Every migration, in order. Append new ones; never reorder, rename or edit released ones. */
export const migrations: readonly Migration[] = [
  initial,
  sitesAgentsSecrets,
  runVersion,
  conflictFunction,
  people,
];
