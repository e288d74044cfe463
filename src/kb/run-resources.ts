/**
 * The estate resources a run is about: those its inputs name (`primary: pg-sh-1` names
 * `database/pg-sh-1` and `host/pg-sh-1` when the estate holds them; `database/pg-sh-1` names
 * itself), and those of the incidents it was started for.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

const REF = /^([a-z][a-z0-9_]{0,62})\/([A-Za-z0-9_:][A-Za-z0-9._:@-]{0,252})$/;
const NAME = /^[A-Za-z0-9_:][A-Za-z0-9._:@-]{0,252}$/;

/** Strings among the inputs (and in lists of them) that could name a resource. */
export function inputNames(inputs: Record<string, unknown>, secret: readonly string[]): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v !== 'string') return;
    const t = v.trim();
    if (REF.test(t) || NAME.test(t)) out.add(t);
  };
  for (const [k, v] of Object.entries(inputs)) {
    if (secret.includes(k)) continue;
    if (Array.isArray(v)) v.slice(0, 100).forEach(add);
    else add(v);
  }
  return [...out];
}

/** `kind/name` of every estate resource among `names` (by name, or by `kind/name`). */
export async function resourcesNamed(db: Db, names: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const plain = names.filter((n) => !n.includes('/'));
  const refs = names.map((n) => REF.exec(n)).filter((m) => m !== null);
  for (let i = 0; i < plain.length; i += 500) {
    const rows = await db
      .selectFrom('resources')
      .select(['kind', 'name'])
      .where('name', 'in', plain.slice(i, i + 500))
      .execute();
    for (const r of rows) found.add(`${r.kind}/${r.name}`);
  }
  for (const m of refs) {
    const row = await db
      .selectFrom('resources')
      .select(['kind', 'name'])
      .where('kind', '=', m[1]!)
      .where('name', '=', m[2]!)
      .executeTakeFirst();
    if (row) found.add(`${row.kind}/${row.name}`);
  }
  return [...found];
}

export async function resourcesOfRun(
  db: Db,
  runId: string,
  inputs: Record<string, unknown>,
  secretInputs: readonly string[],
): Promise<string[]> {
  const named = await resourcesNamed(db, inputNames(inputs, secretInputs));
  const incidents = await db
    .selectFrom('incident_runs')
    .innerJoin('incidents', 'incidents.id', 'incident_runs.incident_id')
    .select('incidents.resource')
    .where('incident_runs.run_id', '=', runId)
    .where('incidents.resource', 'is not', null)
    .execute();
  return [...new Set([...named, ...incidents.map((i) => i.resource!)])].sort();
}
