/**
 * The indexer on a real store with a real engine: a finished run's report becomes searchable
 * (secrets masked), incidents are indexed and indexed again when their timeline grows, and
 * related history links runs and incidents through the resources of the estate.
 */
import { expect, it } from 'vitest';
import { silentLogger } from '../../src/engine/deps.ts';
import {
  indexChangedIncidents,
  indexFinishedRuns,
  loadRunReportInput,
  runKbIndexer,
  searchKb,
} from '../../src/kb/index.ts';
import { buildRunReport, runReportMarkdown } from '../../src/core/reports/index.ts';
import type { Store } from '../../src/store/index.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { describeEachStore } from '../support/stores.ts';

export const SECRET = 's3cr3t-value-xyz';

export const DRILL = `apiVersion: tandem/v1
kind: Runbook
metadata:
  name: drill-lite
  title: A small failover drill
  labels: { category: disaster-recovery }
spec:
  inputs:
    primary: { type: string, default: pg-sh-1 }
    token: { type: string, secret: true }
  outputs:
    rto_ms: \${{ steps.measure.outputs.rto_ms }}
    rpo_transactions: \${{ steps.measure.outputs.rpo_transactions }}
    report: \${{ steps.measure.outputs.report }}
  steps:
    - id: measure
      env: { TOKEN: '\${{ inputs.token }}' }
      script:
        interpreter: /bin/bash
        body: |
          for i in $(seq 1 30); do echo "line $i"; done
          echo "connecting with $TOKEN" >&2
          echo "rto_ms=4213" >> "$TANDEM_OUTPUTS"
          echo "rpo_transactions=0" >> "$TANDEM_OUTPUTS"
          { echo "report<<EOF"; echo "## Drill figures"; echo "RTO 4.2 s, promoted pg-hz-1"; echo "EOF"; } >> "$TANDEM_OUTPUTS"
    - id: approve
      needs: [measure]
      approval: { message: 'Fail back now?' }
`;

export async function addResources(store: Store, now: number): Promise<void> {
  for (const [kind, name, site] of [
    ['database', 'pg-sh-1', 'idc-shanghai'],
    ['host', 'pg-sh-1', 'idc-shanghai'],
    ['database', 'pg-hz-1', 'cloud-hangzhou'],
  ] as const)
    await store.db
      .insertInto('resources')
      .values({
        id: `${kind}-${name}`,
        kind,
        name,
        site,
        labels: '{}',
        properties: '{}',
        facts: null,
        source: 'test',
        created_at: now,
        updated_at: now,
        facts_at: null,
      })
      .execute();
}

/** Start the drill, approve it as alice with a comment, and wait for it to finish. */
export async function finishedDrill(t: TestEngine, inputs: Record<string, unknown> = {}): Promise<string> {
  const { id } = await t.engine.startRun({
    runbook: 'drill-lite',
    inputs: { token: SECRET, ...inputs },
    actor: 'bob',
  });
  const waiting = await t.waitFor(id, ['waiting']);
  await t.engine.decide(waiting.steps.get('approve')!.taskId!, 'alice', 'approve', 'figures look right');
  const run = await t.waitFor(id);
  expect(run.status).toBe('succeeded');
  return id;
}

async function addIncident(store: Store, id: string, at: number): Promise<void> {
  await store.db
    .insertInto('incidents')
    .values({
      id,
      status: 'resolved',
      severity: 'critical',
      title: 'Primary database down in idc-shanghai',
      site: 'idc-shanghai',
      resource: 'database/pg-sh-1',
      team: 'dba',
      assignee: 'carol',
      grouping: 'resource',
      labels: JSON.stringify({ alertname: 'PostgresDown' }),
      source: 'alertmanager',
      group_key: null,
      open_key: null,
      auto_resolve: 1,
      opened_at: at,
      acknowledged_at: at + 60_000,
      acknowledged_by: 'carol',
      resolved_at: at + 600_000,
      resolved_by: 'carol',
      updated_at: at + 600_000,
    })
    .execute();
  await store.db
    .insertInto('incident_timeline')
    .values({
      incident_id: id,
      at,
      type: 'opened',
      actor: null,
      message: 'PostgresDown firing on pg-sh-1',
      data: '{}',
      event_id: null,
      run_id: null,
    })
    .execute();
}

describeEachStore('the knowledge-base indexer', (ctx) => {
  it("indexes a finished run's report once, searchable, with its secret input masked", async () => {
    const { store } = ctx();
    const t = await startTestEngine(store);
    try {
      await addResources(store, Date.now());
      await t.engine.applyRunbook(DRILL, 'bob');
      const id = await finishedDrill(t);
      const deps = { store, clock: Date.now, log: silentLogger };
      expect(await indexFinishedRuns(deps, 0)).toMatchObject({ seen: 1, indexed: 1 });
      expect(await indexFinishedRuns(deps, 0)).toMatchObject({ seen: 0, indexed: 0 });

      const doc = await store.db.selectFrom('kb_documents').selectAll().executeTakeFirstOrThrow();
      expect(doc).toMatchObject({
        kind: 'run',
        ref_id: id,
        status: 'succeeded',
        resources: 'database/pg-sh-1 host/pg-sh-1',
      });
      expect(doc.title).toBe('A small failover drill (drill-lite run, succeeded)');
      if (process.env.SHOW_REPORT) console.log(doc.body);
      expect(doc.body).not.toContain(SECRET);
      expect(doc.body).toContain('connecting with ***');
      expect(doc.body).toContain('**alice** approved `approve`');
      expect(doc.body).toContain('figures look right');
      expect(doc.body).toContain('- RTO: 4.21 s (4213 ms)');
      expect(doc.body).toContain('\n##### Drill figures\n');

      const found = await searchKb(store, { q: 'promoted pg-hz-1', kinds: ['run'], limit: 5 });
      expect(found.hits.map((h) => h.refId)).toEqual([id]);
      expect((await searchKb(store, { q: SECRET, kinds: ['run'], limit: 5 })).hits).toEqual([]);
    } finally {
      await t.stop();
    }
  });

  it('indexes incidents, again when their timeline grows, and relates them to runs on the same resource', async () => {
    const { store } = ctx();
    const t = await startTestEngine(store);
    try {
      const deps = { store, clock: Date.now, log: silentLogger };
      await addResources(store, Date.now());
      await addIncident(store, 'inc-1', Date.now() - 3_600_000);
      expect(await indexChangedIncidents(deps)).toBe(1);
      expect(await indexChangedIncidents(deps)).toBe(0);
      expect((await searchKb(store, { q: 'PostgresDown', kinds: ['incident'], limit: 5 })).hits).toHaveLength(
        1,
      );

      // A postmortem note, in Chinese.
      await store.db
        .insertInto('incident_timeline')
        .values({
          incident_id: 'inc-1',
          at: Date.now(),
          type: 'note',
          actor: 'carol',
          message: '复盘：主库磁盘写满导致宕机，已扩容。',
          data: '{}',
          event_id: null,
          run_id: null,
        })
        .execute();
      expect(await indexChangedIncidents(deps)).toBe(1);
      const cn = await searchKb(store, { q: '磁盘写满', kinds: ['incident', 'run'], limit: 5 });
      expect(cn.hits.map((h) => [h.kind, h.refId])).toEqual([['incident', 'inc-1']]);

      // A run on the same database, later: its report lists the incident as related history.
      await t.engine.applyRunbook(DRILL, 'bob');
      const first = await finishedDrill(t);
      await indexFinishedRuns(deps, 0);
      const second = await finishedDrill(t, { primary: 'database/pg-sh-1' });
      const input = await loadRunReportInput(store.db, store.dialect, second, { now: Date.now() });
      expect(input!.resources).toEqual(['database/pg-sh-1']);
      const report = buildRunReport(input!);
      expect(report.related.map((r) => [r.kind, r.id])).toEqual([
        ['run', first],
        ['incident', 'inc-1'],
      ]);
      expect(runReportMarkdown(report)).toContain('## Related history');
      expect(runReportMarkdown(report, { related: false })).not.toContain('## Related history');
    } finally {
      await t.stop();
    }
  });

  it('the worker indexes runs as they finish, and stops when asked', async () => {
    const { store } = ctx();
    const t = await startTestEngine(store);
    const stop = new AbortController();
    const worker = runKbIndexer({ store, clock: Date.now, log: silentLogger }, stop.signal, {
      runPollMs: 50,
      incidentSweepMs: 50,
    });
    try {
      await t.engine.applyRunbook(DRILL, 'bob');
      const id = await finishedDrill(t);
      await t.waitUntil('the run to be searchable', async () => {
        const r = await searchKb(store, { q: 'drill figures', kinds: ['run'], limit: 5 });
        return r.hits.some((h) => h.refId === id);
      });
      await addIncident(store, 'inc-2', Date.now());
      await t.waitUntil('the incident to be searchable', async () => {
        const r = await searchKb(store, { q: 'PostgresDown', kinds: ['incident'], limit: 5 });
        return r.hits.length === 1;
      });
    } finally {
      stop.abort();
      await worker;
      await t.stop();
    }
  });
});
