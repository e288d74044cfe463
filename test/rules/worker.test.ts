/**
 * The rule worker on both stores, with a real engine and an injected clock: it starts the right
 * runs with inputs from the event, records every decision, links runs to incidents and writes
 * their outcome on the timeline, and holds to every guard-rail.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { yamlRunbook } from '../support/engine.ts';
import { parseEstate } from '../../src/core/estate/index.ts';
import { applySource, listRuns, openStore, tasksOfRun } from '../../src/store/index.ts';
import { insertWindow } from '../../src/events/maintenance-store.ts';
import {
  addFreeze,
  endActiveFreezes,
  evaluateNext,
  listFirings,
  queueDepth,
  reportFinishedRuns,
  ruleWorkerPass,
} from '../../src/rules/index.ts';
import { ruleHarness, ruleYaml, T0, type RuleHarness } from './support.ts';
import type { TestIncidentPort } from './port.ts';

let h: RuleHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const FIX = yamlRunbook(
  'fix',
  `  inputs:
    target: { type: string, required: true }
    port: { type: integer, default: 80 }
  steps:
    - id: say
      log: fixing \${{ inputs.target }}:\${{ inputs.port }}
`,
);
const SLOW = yamlRunbook(
  'slow',
  `  inputs:\n    target: { type: string }\n  steps:\n    - id: wait\n      sleep: 1h\n`,
);

const RESTART = ruleYaml(
  'restart-web',
  `  match: event.status == "firing" && event.labels.alertname == "WebDown"
  runbook: fix
  inputs:
    target: \${{ event.resource.name }}
    port: \${{ int(event.labels.?port.orValue("8080")) }}
`,
);

async function setUp(store: Parameters<typeof ruleHarness>[0], ...rules: string[]) {
  h = await ruleHarness(store);
  await h.engine.engine.applyRunbook(FIX, 'test');
  await h.engine.engine.applyRunbook(SLOW, 'test');
  for (const r of rules) await h.applyRule(r);
  return h;
}

const firings = (rule: string) => listFirings(h!.store.db, { rule, limit: 100 });
const runs = (runbook: string) => listRuns(h!.store.db, { runbook, limit: 100 });

async function drain(): Promise<void> {
  while ((await evaluateNext(h!.deps)) !== 'empty');
}

describeEachStore('the rule worker', (ctx) => {
  it('starts the runbook with inputs from the event, links it to the incident, and reports its outcome once', async () => {
    const { store } = ctx();
    await setUp(
      store,
      RESTART,
      ruleYaml('other', '  match: event.labels.alertname == "DbDown"\n  runbook: fix\n'),
    );
    const { eventId, incidentId } = await h!.ingest({ labels: { alertname: 'WebDown', port: '9090' } }, {});
    expect(await evaluateNext(h!.deps)).toBe('evaluated');
    expect(await queueDepth(store.db)).toEqual({ waiting: 0, failed: 0 });

    const [run] = await runs('fix');
    expect(run).toBeDefined();
    expect(JSON.parse(run!.inputs)).toEqual({ target: 'web', port: 9090 });
    expect(run!.created_by).toBe('rule:restart-web');
    const [f] = await firings('restart-web');
    expect(f).toMatchObject({
      decision: 'started',
      reason: null,
      eventId,
      incidentId,
      groupKey: `incident:${incidentId!}`,
      resource: 'service/web',
      runId: run!.id,
      approval: false,
      inputs: { target: 'web', port: 9090 },
    });
    expect(await firings('other')).toEqual([]);
    expect(await h!.linkedRuns(incidentId!)).toEqual([{ run_id: run!.id, rule: 'restart-web' }]);

    await h!.engine.waitFor(run!.id);
    expect(await reportFinishedRuns(h!.deps)).toBe(1);
    expect(await reportFinishedRuns(h!.deps)).toBe(0);
    expect((await h!.timeline(incidentId!)).map((e) => e.type)).toEqual(['run.linked', 'rule.run_finished']);
    expect((await h!.timeline(incidentId!))[1]!.message).toContain('succeeded');
    expect((await firings('restart-web'))[0]).toMatchObject({ runStatus: 'succeeded' });
  });

  it('never starts two runs for one alert group: repeats of the alert are recorded as already handled', async () => {
    const { store } = ctx();
    await setUp(store, RESTART);
    const first = await h!.ingest({}, {});
    await h!.ingest({ fingerprint: 'fp-web-2' }, { id: first.incidentId! });
    await h!.ingest({}, { id: first.incidentId! });
    await drain();
    expect(await runs('fix')).toHaveLength(1);
    const decisions = (await firings('restart-web')).map((f) => `${f.decision}:${f.reason ?? ''}`);
    expect(decisions.sort()).toEqual(['skipped:already_handled', 'skipped:already_handled', 'started:']);
    // Repeats do not flood the incident's timeline.
    expect((await h!.timeline(first.incidentId!)).map((e) => e.type)).toEqual(['run.linked']);
  });

  it('without an incident, acts once per firing episode of the alert', async () => {
    const { store } = ctx();
    await setUp(store, RESTART);
    await h!.ingest({ startsAt: T0 - 60_000 });
    await h!.ingest({ startsAt: T0 - 60_000 });
    await h!.ingest({ startsAt: T0 + 3_600_000 }); // fired again, after it resolved
    await drain();
    expect(await runs('fix')).toHaveLength(2);
  });

  it('cools down per resource, and acts again once the cooldown is over', async () => {
    const { store } = ctx();
    await setUp(store, RESTART.replace('  runbook: fix', '  runbook: fix\n  cooldown: 10m'));
    await h!.ingest({}, {});
    await h!.ingest({}, {}); // another incident on the same resource
    await h!.ingest({ resource: { kind: 'service', name: 'api' } }, {});
    await drain();
    expect(await runs('fix')).toHaveLength(2);
    const skipped = (await firings('restart-web')).filter((f) => f.decision === 'skipped');
    expect(skipped).toEqual([expect.objectContaining({ reason: 'cooldown', resource: 'service/web' })]);
    expect(skipped[0]!.details).toMatchObject({ message: 'cooling down for 10m more' });

    h!.now.value = T0 + 10 * 60_000;
    await h!.ingest({}, {});
    await drain();
    expect(await runs('fix')).toHaveLength(3);
  });

  it('rate-limits the starts of a rule in a window', async () => {
    const { store } = ctx();
    await setUp(
      store,
      RESTART.replace('  runbook: fix', '  runbook: fix\n  rate_limit: { count: 2, per: 1h }'),
    );
    for (const name of ['a', 'b', 'c']) await h!.ingest({ resource: { kind: 'service', name } }, {});
    await drain();
    expect(await runs('fix')).toHaveLength(2);
    expect((await firings('restart-web')).filter((f) => f.reason === 'rate_limit')).toHaveLength(1);
    h!.now.value = T0 + 3_600_000 + 1;
    await h!.ingest({ resource: { kind: 'service', name: 'd' } }, {});
    await drain();
    expect(await runs('fix')).toHaveLength(3);
  });

  it('holds at most max_concurrent runs of the rule at once', async () => {
    const { store } = ctx();
    await setUp(
      store,
      RESTART.replace('  runbook: fix', '  runbook: slow\n  max_concurrent: 1').replace(/ {4}port:.*\n/, ''),
    );
    await h!.ingest({ resource: { kind: 'service', name: 'a' } }, {});
    await h!.ingest({ resource: { kind: 'service', name: 'b' } }, {});
    await drain();
    const [running] = await runs('slow');
    expect(await runs('slow')).toHaveLength(1);
    expect((await firings('restart-web')).map((f) => f.reason)).toContain('max_concurrent');
    await h!.engine.engine.act(running!.id, 'cancel', 'test');
    await h!.ingest({ resource: { kind: 'service', name: 'c' } }, {});
    await drain();
    expect(await runs('slow')).toHaveLength(2);
  });

  it('does nothing during maintenance, unless the rule says to act anyway', async () => {
    const { store } = ctx();
    await setUp(
      store,
      RESTART,
      ruleYaml(
        'act-anyway',
        '  match: "true"\n  runbook: fix\n  inputs: { target: x }\n  skip_during_maintenance: false\n',
      ),
    );
    const window = { selector: null, site: null, cron: null, durationMs: null, timeZone: null };
    await insertWindow(
      store.db,
      { ...window, id: 'w1', reason: 'db upgrade until 14:00', startsAt: T0 - 1, endsAt: T0 + 3_600_000 },
      { actor: 'ops', now: T0 },
    );
    const { incidentId } = await h!.ingest({}, {});
    await drain();
    expect((await firings('restart-web'))[0]).toMatchObject({ decision: 'skipped', reason: 'maintenance' });
    expect((await firings('act-anyway'))[0]).toMatchObject({ decision: 'started' });
    expect((await h!.timeline(incidentId!)).find((e) => e.type === 'rule.skipped')?.message).toContain(
      'db upgrade until 14:00 (window w1)',
    );
  });

  it('does nothing during a change freeze, and acts once it is lifted', async () => {
    const { store } = ctx();
    await setUp(store, RESTART);
    await addFreeze(store.db, {
      id: 'f1',
      reason: 'year-end',
      startsAt: T0 - 1,
      endsAt: null,
      createdBy: 'ops',
      createdAt: T0,
    });
    const { incidentId } = await h!.ingest({}, {});
    await drain();
    expect((await firings('restart-web'))[0]).toMatchObject({ decision: 'skipped', reason: 'change_freeze' });
    expect(await runs('fix')).toHaveLength(0);
    await endActiveFreezes(store.db, T0);
    await h!.ingest({}, { id: incidentId! });
    await drain();
    expect(await runs('fix')).toHaveLength(1);
  });

  it('records what a dry run would have started, and starts nothing', async () => {
    const { store } = ctx();
    await setUp(store, RESTART.replace('  runbook: fix', '  runbook: fix\n  dry_run: true\n  cooldown: 1h'));
    const { incidentId } = await h!.ingest({}, {});
    await h!.ingest({}, {});
    await drain();
    expect(await runs('fix')).toHaveLength(0);
    const all = await firings('restart-web');
    expect(all.map((f) => `${f.decision}:${f.reason ?? ''}`).sort()).toEqual([
      'dry_run:',
      'skipped:cooldown',
    ]);
    const dry = all.find((f) => f.decision === 'dry_run')!;
    expect(dry).toMatchObject({ inputs: { target: 'web', port: 8080 }, approval: false, runId: null });
    expect(dry.details).toMatchObject({ dry_run: true, checks: { maintenance: 'ok', change_freeze: 'ok' } });
    expect((await h!.timeline(incidentId!))[0]).toMatchObject({ type: 'rule.dry_run' });
  });

  it('records an error when the inputs cannot be computed or are refused, or the runbook is missing', async () => {
    const { store } = ctx();
    await setUp(
      store,
      ruleYaml('no-target', '  match: "true"\n  runbook: fix\n  inputs: { port: 1 }\n'),
      ruleYaml(
        'bad-input',
        '  match: "true"\n  runbook: fix\n  inputs: { target: "${{ event.labels.missing }}" }\n',
      ),
      ruleYaml('no-runbook', '  match: "true"\n  runbook: nowhere\n'),
    );
    const { incidentId } = await h!.ingest({}, {});
    await drain();
    expect((await firings('no-target'))[0]).toMatchObject({
      decision: 'error',
      details: { error: expect.stringMatching(/target/) },
    });
    expect((await firings('bad-input'))[0]).toMatchObject({
      decision: 'error',
      details: { error: expect.stringMatching(/missing/) },
    });
    expect((await firings('no-runbook'))[0]).toMatchObject({
      decision: 'error',
      details: { error: 'runbook nowhere does not exist' },
    });
    expect(await runs('fix')).toHaveLength(0);
    expect((await h!.timeline(incidentId!)).map((e) => e.type)).toEqual([
      'rule.error',
      'rule.error',
      'rule.error',
    ]);
  });

  it('starts a prod resource behind an approval gate; the runbook runs once approved', async () => {
    const { store } = ctx();
    await setUp(store, RESTART);
    const estate = parseEstate(`apiVersion: tandem/v1
kind: Estate
metadata: { source: test }
spec:
  resources:
    - { kind: service, name: web, site: local, labels: { env: prod } }
`);
    await store.transaction((tx) => applySource(tx, { ...estate, dryRun: false, actor: 'test', now: T0 }));
    const { incidentId } = await h!.ingest({}, {});
    await drain();
    const [f] = await firings('restart-web');
    expect(f).toMatchObject({ decision: 'started', approval: true });
    const gate = await h!.engine.waitFor(f!.runId!, ['waiting']);
    expect(gate.runbook.metadata.name).toBe('rule-gate.restart-web');
    expect(await runs('fix')).toHaveLength(0);
    const [task] = await tasksOfRun(store.db, gate.id);
    expect(JSON.parse(task!.spec)).toMatchObject({
      message: expect.stringContaining('wants to run fix on service/web'),
    });
    await h!.engine.engine.decide(task!.id, 'admin', 'approve', null);
    const done = await h!.engine.waitFor(gate.id);
    expect(done.status).toBe('succeeded');
    const [child] = await runs('fix');
    expect(JSON.parse(child!.inputs)).toEqual({ target: 'web', port: 8080 });
    await reportFinishedRuns(h!.deps);
    expect((await h!.timeline(incidentId!)).map((e) => e.type)).toEqual([
      'run.linked',
      'rule.approval_requested',
      'rule.run_finished',
    ]);
    expect((await h!.timeline(incidentId!))[2]!.message).toContain('succeeded');
  });

  it('tries a failed evaluation again later, and then evaluates it', async () => {
    const { store } = ctx();
    await setUp(store, RESTART);
    (h!.port as TestIncidentPort).failLoads = 1;
    await h!.ingest({}, {});
    expect(await evaluateNext(h!.deps)).toBe('failed');
    expect(await evaluateNext(h!.deps)).toBe('empty'); // backing off
    h!.now.value = T0 + 1000;
    await ruleWorkerPass(h!.deps);
    expect(await runs('fix')).toHaveLength(1);
  });
});

describeEachStore(
  'two replicas of the rule worker',
  (ctx) => {
    it('start one run for one alert group when they evaluate its events at the same moment', async () => {
      const { store, url, schema, dataDir } = ctx();
      await setUp(store, RESTART);
      const other = await openStore({ databaseUrl: url, schema, dataDir, log: () => undefined });
      try {
        const { incidentId } = await h!.ingest({}, {});
        for (let i = 0; i < 9; i++) await h!.ingest({ fingerprint: `fp-${i}` }, { id: incidentId! });
        const replica = { ...h!.deps, store: other };
        const work = async (deps: typeof replica) => {
          while ((await evaluateNext(deps)) !== 'empty');
        };
        await Promise.all([work(h!.deps), work(replica), work(h!.deps), work(replica)]);
        expect(await runs('fix')).toHaveLength(1);
        const all = await firings('restart-web');
        expect(all).toHaveLength(10);
        expect(all.filter((f) => f.decision === 'started')).toHaveLength(1);
      } finally {
        await other.close();
      }
    });
  },
  ['postgres'],
);
