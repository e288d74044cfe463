/** Comments on runs (markdown), with the users they mention. */
import type { Kysely, Transaction } from 'kysely';
import type { CommentRow, Database } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertComment(
  db: Db,
  c: { id: string; runId: string; author: string; body: string; mentions: string[]; now: number },
): Promise<CommentRow> {
  const row: CommentRow = {
    id: c.id,
    run_id: c.runId,
    author: c.author,
    body: c.body,
    mentions: JSON.stringify(c.mentions),
    created_at: c.now,
  };
  await db.insertInto('comments').values(row).execute();
  return row;
}

/** A run's comments, oldest first; `after` (a comment id) pages on. */
export async function listComments(
  db: Db,
  runId: string,
  q: { after?: string; limit?: number } = {},
): Promise<CommentRow[]> {
  let query = db
    .selectFrom('comments')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('id')
    .limit(q.limit ?? 500);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  return query.execute();
}

/** Which of these usernames belong to existing users. */
export async function existingUsernames(db: Db, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await db.selectFrom('users').select('username').where('username', 'in', names).execute();
  return rows.map((r) => r.username);
}
