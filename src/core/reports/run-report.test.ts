import { describe, expect, it } from 'vitest';
import { runReportMarkdown } from './markdown.ts';
import type { ReportEvent, RunReportInput } from './model.ts';
import { buildRunReport, MAX_TIMELINE } from './run-report.ts';

const T0 = Date.UTC(2026, 10, 3, 10, 0, 0);
const SECRET = 'hunter2-long-secret';

function event(id: number, type: string, at: number, o: Partial<ReportEvent> = {}): ReportEvent {
  return { id, type, stepKey: null, attempt: null, actor: null, data: null, at, ...o };
}

function drill(): RunReportInput {
  return {
    run: {
      id: 'run-1',
      runbook: 'dr-drill',
      version: 3,
      title: 'Rehearse losing the primary site',
      status: 'succeeded',
      error: null,
      createdBy: 'bob',
      createdAt: T0,
      startedAt: T0 + 100,
      finishedAt: T0 + 65_100,
      parentRunId: null,
      inputs: { primary: 'pg-sh-1', password: SECRET, failback: true },
      outputs: {
        rto_ms: '4213',
        rpo_transactions: '0',
        report: '# Drill\n\nRTO 4.2 s | RPO 0\n',
        writes_ok: '812',
      },
    },
    secretInputs: ['password'],
    steps: [
      {
        key: 'kill_primary',
        stepId: 'kill_primary',
        phase: 'main',
        status: 'succeeded',
        attempt: 1,
        agent: 'agent-sh',
        site: 'idc-shanghai',
        startedAt: T0 + 2_000,
        finishedAt: T0 + 2_500,
        error: null,
        outputs: { killed_at: '1' },
        exitCode: 0,
        childRunId: null,
      },
      {
        key: 'measure',
        stepId: 'measure',
        phase: 'main',
        status: 'failed',
        attempt: 2,
        agent: 'agent-edge',
        site: 'edge-1',
        startedAt: T0 + 60_000,
        finishedAt: T0 + 61_000,
        error: `psql: password ${SECRET} refused`,
        outputs: null,
        exitCode: 2,
        childRunId: null,
      },
    ],
    events: [
      event(1, 'run.created', T0, { actor: 'bob', data: { runbook: 'dr-drill', version: 3 } }),
      event(2, 'run.started', T0 + 100),
      event(3, 'step.started', T0 + 2_000, {
        stepKey: 'kill_primary',
        attempt: 1,
        data: { agent: 'agent-sh', site: 'idc-shanghai' },
      }),
      event(4, 'task.decided', T0 + 30_000, {
        stepKey: 'approve',
        actor: 'alice',
        data: { task_id: 't1', decision: 'approve', comment: 'go ahead' },
      }),
      event(5, 'step.failed', T0 + 61_000, {
        stepKey: 'measure',
        attempt: 2,
        data: { error: `bad ${SECRET}` },
      }),
      event(6, 'run.finished', T0 + 65_100, { data: { status: 'succeeded', error: null } }),
    ],
    eventCount: 6,
    tasks: [
      {
        id: 't1',
        stepKey: 'approve',
        kind: 'approval',
        title: 'Promote the standby?',
        status: 'approved',
        createdAt: T0 + 20_000,
        closedAt: T0 + 40_000,
        decisions: [
          { actor: 'carol', decision: 'approve', comment: null, outputs: null, at: T0 + 40_000 },
          { actor: 'alice', decision: 'approve', comment: 'go ahead', outputs: null, at: T0 + 30_000 },
        ],
      },
    ],
    comments: [{ author: 'dave', body: `watch out, the password is ${SECRET}`, at: T0 + 50_000 }],
    logs: [
      {
        key: 'measure',
        attempts: 2,
        lastAttempt: 2,
        bytes: 5000,
        tail: `${Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n')}\nconnecting with ${SECRET}\n\n`,
      },
    ],
    resources: ['database/pg-sh-1'],
    related: [
      {
        kind: 'run',
        refId: 'run-1',
        title: 'itself',
        status: 'succeeded',
        at: T0,
        resources: ['database/pg-sh-1'],
      },
      {
        kind: 'incident',
        refId: 'inc-9',
        title: 'Primary down',
        status: 'resolved',
        at: T0 - 86_400_000,
        resources: ['database/pg-sh-1'],
      },
    ],
    generatedAt: T0 + 70_000,
  };
}

describe('a run report', () => {
  it('has the header: runbook, version, who started it, when, how long, how it ended', () => {
    const r = buildRunReport(drill());
    expect(r.format).toBe('tandem.run-report/v1');
    expect(r.run).toEqual({
      id: 'run-1',
      runbook: 'dr-drill',
      version: 3,
      title: 'Rehearse losing the primary site',
      status: 'succeeded',
      error: null,
      started_by: 'bob',
      created_at: '2026-11-03T10:00:00.000Z',
      started_at: '2026-11-03T10:00:00.100Z',
      finished_at: '2026-11-03T10:01:05.100Z',
      duration_ms: 65_000,
      parent_run_id: null,
    });
  });

  it('never shows a secret input, wherever it is repeated', () => {
    const input = drill();
    const r = buildRunReport(input);
    expect(r.inputs).toEqual({ primary: 'pg-sh-1', password: '***', failback: true });
    const text = JSON.stringify(r) + runReportMarkdown(r);
    expect(text).not.toContain(SECRET);
    expect(r.steps[1]!.error).toBe('psql: password *** refused');
    expect(r.steps[1]!.logs!.last_lines.at(-1)).toBe('connecting with ***');
    expect(r.comments[0]!.body).toBe('watch out, the password is ***');
  });

  it('finds RTO and RPO in the run outputs, with the run’s own report', () => {
    const r = buildRunReport(drill());
    expect(r.measurements).toEqual({
      rto_ms: 4213,
      rpo_transactions: 0,
      report: '# Drill\n\nRTO 4.2 s | RPO 0\n',
      source: 'run outputs',
    });
    const md = runReportMarkdown(r);
    expect(md).toContain('- RTO: 4.21 s (4213 ms)');
    expect(md).toContain('- RPO: 0 transactions lost');
    // Its headings sit below the report's own.
    expect(md).toContain('\n#### Drill\n');
  });

  it('finds them on a step when the run has none, and has none when nothing measured them', () => {
    const input = drill();
    input.run.outputs = { writes_ok: '1' };
    input.steps[0]!.outputs = { rto_ms: '900', rpo_transactions: 'n/a' };
    expect(buildRunReport(input).measurements).toEqual({
      rto_ms: 900,
      rpo_transactions: null,
      report: null,
      source: 'step kill_primary',
    });
    input.steps[0]!.outputs = {};
    expect(buildRunReport(input).measurements).toBeNull();
    expect(runReportMarkdown(buildRunReport(input))).not.toContain('Recovery figures');
  });

  it('lists decisions in time order with who, when and the comment', () => {
    const r = buildRunReport(drill());
    expect(r.decisions.map((d) => [d.actor, d.decision, d.at, d.comment])).toEqual([
      ['alice', 'approve', '2026-11-03T10:00:30.000Z', 'go ahead'],
      ['carol', 'approve', '2026-11-03T10:00:40.000Z', null],
    ]);
    expect(runReportMarkdown(r)).toContain(
      '- 2026-11-03 10:00:30 UTC: **alice** approved `approve` (Promote the standby?) — “go ahead”',
    );
  });

  it('tells the timeline with who did what, and time since the start', () => {
    const r = buildRunReport(drill());
    expect(r.timeline.map((e) => e.text)).toEqual([
      'run created by bob (runbook dr-drill version 3)',
      'run started',
      'step kill_primary started (attempt 1) on agent-sh at site idc-shanghai',
      'alice approved approve: “go ahead”',
      'step measure failed: bad ***',
      'run succeeded',
    ]);
    expect(r.timeline[3]).toMatchObject({ actor: 'alice', offset_ms: 30_000 });
    expect(runReportMarkdown(r)).toContain(
      '| 10:00:30 UTC | +30.000s | alice | alice approved approve: “go ahead” |',
    );
  });

  it('summarises each step’s log: size, attempts, last lines; and the exit code', () => {
    const r = buildRunReport(drill());
    const measure = r.steps.find((s) => s.id === 'measure')!;
    expect(measure).toMatchObject({ status: 'failed', attempt: 2, exit_code: 2, duration_ms: 1000 });
    expect(measure.logs).toEqual({
      bytes: 5000,
      attempts: 2,
      last_attempt: 2,
      last_lines: [
        'line 12',
        'line 13',
        'line 14',
        'line 15',
        'line 16',
        'line 17',
        'line 18',
        'line 19',
        'line 20',
        'connecting with ***',
      ],
    });
    expect(r.steps[0]!.logs).toBeNull();
    const md = runReportMarkdown(r);
    expect(md).toContain('| measure | failed | 2 | agent-edge @ edge-1 | 1.00 s | 2 | 4.9 KiB |');
    expect(md).toContain('```\nline 12\n');
  });

  it('keeps table cells whole: pipes escaped, line breaks folded', () => {
    const input = drill();
    input.run.outputs = { note: 'a | b\nc' };
    expect(runReportMarkdown(buildRunReport(input))).toContain('| note | a \\| b ⏎ c |');
  });

  it('lists related history without the run itself, and leaves it out when asked', () => {
    const r = buildRunReport(drill());
    expect(r.related.map((x) => x.id)).toEqual(['inc-9']);
    expect(runReportMarkdown(r)).toContain('## Related history');
    expect(runReportMarkdown(r, { related: false })).not.toContain('Related history');
  });

  it('says how many events it left out of a long timeline', () => {
    const input = drill();
    input.events = Array.from({ length: MAX_TIMELINE }, (_, i) =>
      event(i + 1, 'step.log', T0 + i, { data: { message: `m${i}` } }),
    );
    input.eventCount = MAX_TIMELINE + 234;
    const r = buildRunReport(input);
    expect(r.timeline).toHaveLength(MAX_TIMELINE);
    expect(r.timeline_omitted).toBe(234);
    expect(runReportMarkdown(r)).toContain('(234 later events left out)');
  });

  it('reports a run still going, with no finish time or duration', () => {
    const input = drill();
    input.run.status = 'running';
    input.run.finishedAt = null;
    const r = buildRunReport(input);
    expect(r.run).toMatchObject({ status: 'running', finished_at: null, duration_ms: null });
    expect(runReportMarkdown(r)).toContain('- Duration: -');
  });
});
