/** The store modules of tasks, attachments and comments on SQLite and PostgreSQL alike. */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  createTask,
  existingUsernames,
  findAttachment,
  insertAttachment,
  insertComment,
  listAttachments,
  listComments,
  listOpenTasksWithRuns,
  uuidv7,
} from '../../src/store/index.ts';
import { startTestEngine, yamlRunbook } from '../support/engine.ts';
import { describeEachStore } from '../support/stores.ts';

describeEachStore('task, attachment and comment rows', (ctx) => {
  it('keeps attachment bytes exactly and lists attachments without them', async () => {
    const db = ctx().store.db;
    const data = randomBytes(70_000);
    const id = uuidv7();
    await insertAttachment(db, {
      id,
      task_id: 'task-1',
      run_id: 'run-1',
      name: 'dump.bin',
      content_type: 'application/octet-stream',
      size: data.length,
      sha256: 'x'.repeat(64),
      data,
      uploaded_by: 'olga',
      created_at: 1,
    });
    const listed = await listAttachments(db, 'task-1');
    expect(listed).toEqual([expect.objectContaining({ id, name: 'dump.bin', size: 70_000 })]);
    expect(listed[0]).not.toHaveProperty('data');
    const found = await findAttachment(db, 'task-1', id);
    expect(found!.data.equals(data)).toBe(true);
    expect(await findAttachment(db, 'task-2', id)).toBeUndefined();
  });

  it('lists comments in order and tells which mentioned names are users', async () => {
    const db = ctx().store.db;
    const now = Date.now();
    await db
      .insertInto('users')
      .values({
        id: uuidv7(),
        username: 'ann',
        display_name: null,
        email: null,
        password_hash: null,
        source: 'local',
        oidc_subject: null,
        created_at: now,
        updated_at: now,
        last_login_at: null,
      })
      .execute();
    expect(await existingUsernames(db, ['ann', 'ghost'])).toEqual(['ann']);
    const first = await insertComment(db, {
      id: uuidv7(),
      runId: 'r',
      author: 'bob',
      body: 'one @ann',
      mentions: ['ann'],
      now,
    });
    await insertComment(db, {
      id: uuidv7(),
      runId: 'r',
      author: 'bob',
      body: 'two',
      mentions: [],
      now: now + 1,
    });
    expect((await listComments(db, 'r')).map((c) => c.body)).toEqual(['one @ann', 'two']);
    expect((await listComments(db, 'r', { after: first.id })).map((c) => c.body)).toEqual(['two']);
  });

  it('lists open tasks with their runs, soonest deadline first and those without one last', async () => {
    const t = await startTestEngine(ctx().store, { agent: false });
    try {
      await t.engine.applyRunbook(yamlRunbook('hold', '  steps:\n    - id: a\n      approval: {}\n'), null);
      const { id: runId } = await t.engine.startRun({ runbook: 'hold', actor: 'alice' });
      const db = ctx().store.db;
      for (const [id, deadline, created] of [
        ['t-none', null, 1],
        ['t-late', 5_000, 2],
        ['t-soon', 1_000, 3],
        ['t-soon-older', 1_000, 0],
      ] as const)
        await createTask(db, { id, runId, stepKey: 'a', kind: 'task', spec: {}, deadline, now: created });
      const rows = await listOpenTasksWithRuns(db, { kinds: ['task'] });
      expect(rows.map((r) => r.id)).toEqual(['t-soon-older', 't-soon', 't-late', 't-none']);
      expect(rows[0]).toMatchObject({
        runbook: 'hold',
        runbook_version: 1,
        created_by: 'alice',
        run_status: 'waiting',
      });
      expect(await listOpenTasksWithRuns(db, { kinds: [] })).toEqual([]);
    } finally {
      await t.stop();
    }
  });
});
