/** Evidence attached to tasks: files kept in the store with their size and sha256. */
import type { Kysely, Transaction } from 'kysely';
import type { AttachmentRow, Database } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** An attachment without its bytes, for listings. */
export type AttachmentInfo = Omit<AttachmentRow, 'data'>;

const INFO = [
  'id',
  'task_id',
  'run_id',
  'name',
  'content_type',
  'size',
  'sha256',
  'uploaded_by',
  'created_at',
] as const;

export async function insertAttachment(db: Db, a: AttachmentRow): Promise<void> {
  await db.insertInto('attachments').values(a).execute();
}

export async function listAttachments(db: Db, taskId: string): Promise<AttachmentInfo[]> {
  return db
    .selectFrom('attachments')
    .select(INFO)
    .where('task_id', '=', taskId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** One attachment of a task, with its bytes. */
export async function findAttachment(db: Db, taskId: string, id: string): Promise<AttachmentRow | undefined> {
  const row = await db
    .selectFrom('attachments')
    .selectAll()
    .where('task_id', '=', taskId)
    .where('id', '=', id)
    .executeTakeFirst();
  // PostgreSQL gives a Buffer for bytea; SQLite a Buffer for a blob, but be sure either way.
  return row && { ...row, data: Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data) };
}
