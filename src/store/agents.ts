/** Agents: enrollment tokens, enrolled agents and their credentials, presence. */
import type { Kysely, Transaction } from 'kysely';
import type { AgentRow, Database } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertEnrollmentToken(
  db: Db,
  t: {
    id: string;
    tokenHash: string;
    site: string;
    expiresAt: number;
    createdBy: string | null;
    now: number;
  },
): Promise<void> {
  await db
    .insertInto('enrollment_tokens')
    .values({
      id: t.id,
      token_hash: t.tokenHash,
      site: t.site,
      expires_at: t.expiresAt,
      used_at: null,
      used_by: null,
      created_by: t.createdBy,
      created_at: t.now,
    })
    .execute();
}

/**
 * Use a one-time token: answers its site, or why it cannot be used. Marking it used is
 * conditional, so two agents racing for one token cannot both enroll.
 */
export async function consumeEnrollmentToken(
  db: Db,
  a: { tokenHash: string; agentId: string; now: number },
): Promise<{ site: string } | { refused: string }> {
  const row = await db
    .selectFrom('enrollment_tokens')
    .selectAll()
    .where('token_hash', '=', a.tokenHash)
    .executeTakeFirst();
  if (!row) return { refused: 'unknown enrollment token' };
  if (row.used_at !== null) return { refused: 'this enrollment token has been used' };
  if (row.expires_at <= a.now) return { refused: 'this enrollment token has expired' };
  const res = await db
    .updateTable('enrollment_tokens')
    .set({ used_at: a.now, used_by: a.agentId })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (res.numUpdatedRows === 0n) return { refused: 'this enrollment token has been used' };
  return { site: row.site };
}

export interface AgentInput {
  id: string;
  name: string;
  site: string;
  labels: string[];
  capacity: number;
  version: string | null;
  facts: unknown;
  credentialHash: string | null;
  now: number;
}

export async function insertAgent(db: Db, a: AgentInput): Promise<void> {
  await db
    .insertInto('agents')
    .values({
      id: a.id,
      name: a.name,
      site: a.site,
      labels: JSON.stringify(a.labels),
      capacity: a.capacity,
      version: a.version,
      facts: a.facts === undefined || a.facts === null ? null : JSON.stringify(a.facts),
      status: 'active',
      credential_hash: a.credentialHash,
      last_seen_at: a.now,
      created_at: a.now,
      revoked_at: null,
    })
    .execute();
}

/** An embedded agent registers itself at each start (it has no credential). */
export async function upsertEmbeddedAgent(db: Db, a: Omit<AgentInput, 'credentialHash'>): Promise<void> {
  const existing = await db.selectFrom('agents').select('id').where('id', '=', a.id).executeTakeFirst();
  if (existing) {
    await db
      .updateTable('agents')
      .set({
        status: 'active',
        last_seen_at: a.now,
        version: a.version,
        facts: JSON.stringify(a.facts ?? null),
      })
      .where('id', '=', a.id)
      .execute();
    return;
  }
  await insertAgent(db, { ...a, credentialHash: null });
}

export async function findAgentByCredential(db: Db, credentialHash: string): Promise<AgentRow | undefined> {
  return db.selectFrom('agents').selectAll().where('credential_hash', '=', credentialHash).executeTakeFirst();
}

export async function findAgent(db: Db, idOrName: string): Promise<AgentRow | undefined> {
  return db
    .selectFrom('agents')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
}

export async function listAgents(db: Db, site?: string): Promise<AgentRow[]> {
  let q = db.selectFrom('agents').selectAll().orderBy('site').orderBy('name');
  if (site !== undefined) q = q.where('site', '=', site);
  return q.execute();
}

/** Record that the agent was heard from (and, when given, its state and facts). */
export async function touchAgent(
  db: Db,
  id: string,
  now: number,
  extra: { draining?: boolean; facts?: unknown } = {},
): Promise<void> {
  await db
    .updateTable('agents')
    .set({
      last_seen_at: now,
      ...(extra.draining === undefined ? {} : { status: extra.draining ? 'draining' : 'active' }),
      ...(extra.facts === undefined ? {} : { facts: JSON.stringify(extra.facts) }),
    })
    .where('id', '=', id)
    .where('status', '!=', 'revoked')
    .execute();
}

export async function revokeAgent(db: Db, id: string, now: number): Promise<boolean> {
  const res = await db
    .updateTable('agents')
    .set({ status: 'revoked', revoked_at: now, credential_hash: null })
    .where('id', '=', id)
    .where('status', '!=', 'revoked')
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}
