/** Runbook versions: apply (idempotent on identical text), look up, list. */
import type { Kysely, Transaction } from 'kysely';
import type { Runbook } from '../core/runbook/model.ts';
import type { Database, RunbookRow } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface AppliedRunbook {
  name: string;
  version: number;
  /** False when the same text was applied before: nothing changed. */
  created: boolean;
}

/** A text never changes its parse, so definitions are cached by the hash of their text. */
const definitions = new Map<string, Runbook>();

export function runbookDefinition(row: Pick<RunbookRow, 'hash' | 'definition'>): Runbook {
  const key = row.hash;
  let def = definitions.get(key);
  if (!def) {
    def = JSON.parse(row.definition) as Runbook;
    if (definitions.size > 10_000) definitions.clear();
    definitions.set(key, def);
  }
  return def;
}

export async function applyRunbook(
  db: Db,
  args: { source: string; hash: string; runbook: Runbook; actor: string | null; now: number },
): Promise<AppliedRunbook> {
  const name = args.runbook.metadata.name;
  const same = await db
    .selectFrom('runbooks')
    .select('version')
    .where('name', '=', name)
    .where('hash', '=', args.hash)
    .executeTakeFirst();
  if (same) return { name, version: same.version, created: false };
  const latest = await db
    .selectFrom('runbooks')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('name', '=', name)
    .executeTakeFirst();
  const version = (latest?.version ?? 0) + 1;
  await db
    .insertInto('runbooks')
    .values({
      name,
      version,
      hash: args.hash,
      source: args.source,
      definition: JSON.stringify(args.runbook),
      title: args.runbook.metadata.title ?? null,
      labels: JSON.stringify(args.runbook.metadata.labels ?? {}),
      created_at: args.now,
      created_by: args.actor,
    })
    .execute();
  return { name, version, created: true };
}

/** A runbook version: the given one, or the latest. */
export async function findRunbook(db: Db, name: string, version?: number): Promise<RunbookRow | undefined> {
  let q = db.selectFrom('runbooks').selectAll().where('name', '=', name);
  q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
  return q.executeTakeFirst();
}

export async function listRunbooks(db: Db): Promise<RunbookRow[]> {
  // The latest version of each runbook.
  return db
    .selectFrom('runbooks as r')
    .selectAll('r')
    .where((eb) =>
      eb(
        'r.version',
        '=',
        eb
          .selectFrom('runbooks as l')
          .select((e) => e.fn.max('l.version').as('v'))
          .whereRef('l.name', '=', 'r.name'),
      ),
    )
    .orderBy('r.name')
    .execute();
}

export async function listRunbookVersions(db: Db, name: string): Promise<RunbookRow[]> {
  return db.selectFrom('runbooks').selectAll().where('name', '=', name).orderBy('version', 'desc').execute();
}
