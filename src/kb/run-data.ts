/** Loading what a run report is made of: the run, its steps, history, tasks, comments and logs. */
import type { Kysely, Transaction } from 'kysely';
import { specIndex } from '../core/engine/index.ts';
import { MAX_TIMELINE, type RelatedItem } from '../core/reports/index.ts';
import type {
  ReportEvent,
  ReportStep,
  ReportTask,
  RunReportInput,
  StepLogTail,
} from '../core/reports/index.ts';
import type { Runbook } from '../core/runbook/model.ts';
import {
  findRunbook,
  listComments,
  listDecisions,
  listRunEvents,
  runbookDefinition,
  tasksOfRun,
  type Database,
  type DialectAdapter,
  type RunRow,
  type StepRow,
} from '../store/index.ts';
import { byteLengthSum } from './dialect-sql.ts';
import { relatedHistory } from './related.ts';
import { resourcesOfRun } from './run-resources.ts';

type Db = Kysely<Database> | Transaction<Database>;

const parse = <T>(text: string | null, fallback: T): T =>
  text === null ? fallback : (JSON.parse(text) as T);

/** Log text of a step's last attempt a report keeps to find its last lines: 8 KiB. */
const TAIL_BYTES = 8 * 1024;

function reportStep(s: StepRow): ReportStep {
  const result = parse<Record<string, unknown> | null>(s.result, null);
  const exit = result?.exit_code;
  return {
    key: s.key,
    stepId: s.step_id,
    phase: s.phase,
    status: s.status,
    attempt: s.attempt,
    agent: s.agent,
    site: s.site,
    startedAt: s.started_at,
    finishedAt: s.finished_at,
    error: s.error,
    outputs: parse<Record<string, unknown> | null>(s.outputs, null),
    exitCode: typeof exit === 'number' ? exit : null,
    childRunId: s.child_run_id,
  };
}

/** Steps in the order the runbook lists them; foreach items after their step, compensations last. */
function inRunbookOrder(steps: StepRow[], runbook: Runbook | null): StepRow[] {
  const order = runbook ? [...specIndex(runbook).byId.keys()] : [];
  const rank = new Map(order.map((id, i) => [id, i]));
  const phase = (s: StepRow) => (s.phase === 'compensate' ? 1 : 0);
  return [...steps].sort(
    (a, b) =>
      phase(a) - phase(b) ||
      (rank.get(a.step_id) ?? 0) - (rank.get(b.step_id) ?? 0) ||
      (a.item_index ?? -1) - (b.item_index ?? -1) ||
      (a.started_at ?? 0) - (b.started_at ?? 0),
  );
}

/** The first events of the run's history (as many as a report lists) and how many there are. */
async function firstEvents(db: Db, runId: string): Promise<{ events: ReportEvent[]; total: number }> {
  const page = await listRunEvents(db, runId, 0, MAX_TIMELINE);
  const events = page.map((e) => ({
    id: e.id,
    type: e.type,
    stepKey: e.step_key,
    attempt: e.attempt,
    actor: e.actor,
    data: parse<Record<string, unknown> | null>(e.data, null),
    at: e.created_at,
  }));
  if (page.length < MAX_TIMELINE) return { events, total: events.length };
  const { n } = await db
    .selectFrom('run_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
  return { events, total: n };
}

/** Per step: bytes over every attempt, and the tail of the last attempt's log. */
async function logTails(db: Db, dialect: DialectAdapter, runId: string): Promise<StepLogTail[]> {
  const sizes = await db
    .selectFrom('step_logs')
    .select(['step_key', 'attempt', byteLengthSum(dialect, 'data').as('bytes')])
    .where('run_id', '=', runId)
    .groupBy(['step_key', 'attempt'])
    .execute();
  const byKey = new Map<string, { attempts: number; last: number; bytes: number }>();
  for (const s of sizes) {
    const seen = byKey.get(s.step_key) ?? { attempts: 0, last: 0, bytes: 0 };
    seen.attempts += 1;
    seen.last = Math.max(seen.last, s.attempt);
    seen.bytes += s.bytes;
    byKey.set(s.step_key, seen);
  }
  const tails: StepLogTail[] = [];
  for (const [key, s] of byKey) {
    const chunks = await db
      .selectFrom('step_logs')
      .select('data')
      .where('run_id', '=', runId)
      .where('step_key', '=', key)
      .where('attempt', '=', s.last)
      .orderBy('id', 'desc')
      .limit(40)
      .execute();
    let tail = '';
    for (const c of chunks) {
      tail = c.data + tail;
      if (tail.length >= TAIL_BYTES) break;
    }
    tails.push({
      key,
      attempts: s.attempts,
      lastAttempt: s.last,
      bytes: s.bytes,
      tail: tail.slice(-TAIL_BYTES),
    });
  }
  return tails;
}

async function reportTasks(db: Db, runId: string): Promise<ReportTask[]> {
  const tasks: ReportTask[] = [];
  for (const t of await tasksOfRun(db, runId))
    tasks.push({
      id: t.id,
      stepKey: t.step_key,
      kind: t.kind,
      title: t.title,
      status: t.status,
      createdAt: t.created_at,
      closedAt: t.closed_at,
      decisions: (await listDecisions(db, t.id)).map((d) => ({
        actor: d.actor,
        decision: d.decision,
        comment: d.comment,
        outputs: d.outputs,
        at: d.createdAt,
      })),
    });
  return tasks;
}

/** The runbook version a run pinned, parsed; null when it is gone. */
export async function runbookOfRun(
  db: Db,
  run: Pick<RunRow, 'runbook' | 'runbook_version'>,
): Promise<Runbook | null> {
  const row = await findRunbook(db, run.runbook, run.runbook_version);
  return row ? runbookDefinition(row) : null;
}

export const secretInputsOf = (runbook: Runbook | null): string[] =>
  Object.entries(runbook?.spec.inputs ?? {})
    .filter(([, spec]) => spec.secret === true)
    .map(([name]) => name);

/** Everything the report of run `runId` is made of; undefined when the run does not exist. */
export async function loadRunReportInput(
  db: Db,
  dialect: DialectAdapter,
  runId: string,
  o: { now: number; related?: boolean },
): Promise<RunReportInput | undefined> {
  const run = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!run) return undefined;
  const runbook = await runbookOfRun(db, run);
  const steps = await db.selectFrom('steps').selectAll().where('run_id', '=', runId).execute();
  const inputs = parse<Record<string, unknown>>(run.inputs, {});
  const secretInputs = secretInputsOf(runbook);
  const resources = await resourcesOfRun(db, runId, inputs, secretInputs);
  const history = await firstEvents(db, runId);
  let related: RelatedItem[] = [];
  if (o.related !== false && resources.length > 0)
    related = await relatedHistory(db, resources, {
      exclude: { kind: 'run', refId: runId },
      before: run.created_at,
    });
  return {
    run: {
      id: run.id,
      runbook: run.runbook,
      version: run.runbook_version,
      title: runbook?.metadata.title ?? null,
      status: run.status,
      error: run.error,
      createdBy: run.created_by,
      createdAt: run.created_at,
      startedAt: run.started_at,
      finishedAt: run.finished_at,
      parentRunId: run.parent_run_id,
      inputs,
      outputs: parse<Record<string, unknown> | null>(run.outputs, null),
    },
    secretInputs,
    steps: inRunbookOrder(steps, runbook).map(reportStep),
    events: history.events,
    eventCount: history.total,
    tasks: await reportTasks(db, runId),
    comments: (await listComments(db, runId, { limit: 1000 })).map((c) => ({
      author: c.author,
      body: c.body,
      at: c.created_at,
    })),
    logs: await logTails(db, dialect, runId),
    resources,
    related,
    generatedAt: o.now,
  };
}
