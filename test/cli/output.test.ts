import { describe, expect, it } from 'vitest';
import type { RunDetail, RunEvent, StepView, TaskView } from '../../src/cli/api-types.ts';
import { cell, formatTime, summarize, table } from '../../src/cli/output.ts';
import { formatEventLine, formatRun, LogPrinter } from '../../src/cli/run-format.ts';
import { formatProblem } from '../../src/cli/validate.ts';

/** An RFC 3339 time for a local wall-clock time today, as the server would send it. */
const at = (h: number, m: number, s: number) => new Date(2026, 0, 2, h, m, s).toISOString();

function step(id: string, over: Partial<StepView> = {}): StepView {
  return {
    id,
    status: 'succeeded',
    attempt: 1,
    outputs: {},
    error: null,
    agent: null,
    site: null,
    task: null,
    child_run_id: null,
    ...over,
  };
}

const task: TaskView = {
  id: 'task-1',
  kind: 'approval',
  status: 'open',
  run_id: 'run-1',
  step: 'approve',
  message: 'Apply the change?',
  deadline: null,
  quorum: 2,
  decisions: [{ actor: 'ann', decision: 'approve', comment: null, at: at(9, 0, 0) }],
};

describe('tables', () => {
  it('align columns under upper-case headers and show nothing as a dash', () => {
    const text = table(
      ['NAME', 'VERSION', 'TITLE'],
      [
        ['hello', 1, null],
        ['change-with-approval', 12, 'Change'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'NAME                  VERSION  TITLE',
      'hello                 1        -',
      'change-with-approval  12       Change',
    ]);
  });

  it('print objects as compact JSON and keep a cell on one line', () => {
    expect(cell({ a: [1] })).toBe('{"a":[1]}');
    expect(table(['A'], [['x\ny']])).toBe('A\nx y');
  });
});

describe('times and summaries', () => {
  it('show a time as local HH:MM:SS', () => {
    expect(formatTime(at(9, 5, 3))).toBe('09:05:03');
    expect(formatTime(null)).toBe('-');
  });

  it('cut long data with an ellipsis and leave empty data out', () => {
    expect(summarize({ text: 'x'.repeat(100) }, 20)).toHaveLength(20);
    expect(summarize({ text: 'x'.repeat(100) }, 20).endsWith('…')).toBe(true);
    expect(summarize({})).toBe('');
    expect(summarize(null)).toBe('');
  });
});

describe('the run timeline', () => {
  it('prints time, type, step, attempt, actor and a data summary on one line', () => {
    const e: RunEvent = {
      id: 3,
      type: 'step.started',
      step: 'greet',
      attempt: 2,
      actor: 'ann',
      data: { site: 'local' },
      at: at(14, 1, 2),
    };
    expect(formatEventLine(e)).toBe('14:01:02 step.started       greet #2 ann {"site":"local"}');
  });

  it('shows dashes for an event of the run itself', () => {
    const e: RunEvent = {
      id: 1,
      type: 'run.started',
      step: null,
      attempt: null,
      actor: null,
      data: null,
      at: at(14, 1, 2),
    };
    expect(formatEventLine(e)).toBe('14:01:02 run.started        - - -');
  });
});

describe('a run', () => {
  const run: RunDetail = {
    id: 'run-1',
    runbook: 'change',
    version: 3,
    status: 'waiting',
    error: null,
    inputs: { hosts: ['a'] },
    outputs: null,
    created_at: at(9, 0, 0),
    started_at: at(9, 0, 1),
    finished_at: null,
    steps: [
      step('check', { site: 'local', agent: 'agent-1' }),
      step('approve', { status: 'waiting', task }),
      step('apply', { status: 'failed', attempt: 3, error: 'exit code 2', site: 'dc1' }),
    ],
  };

  it('shows its header, a step table and the task it waits on with the command to act', () => {
    const text = formatRun(run);
    expect(text).toContain('run run-1  (change version 3)');
    expect(text).toContain('status:    waiting');
    expect(text).toContain('inputs:    hosts=["a"]');
    expect(text).toMatch(/^STEP +STATUS +ATTEMPT +SITE\/AGENT +ERROR$/m);
    expect(text).toMatch(/^check +succeeded +1 +local\/agent-1 +-$/m);
    expect(text).toMatch(/^apply +failed +3 +dc1 +exit code 2$/m);
    expect(text).toContain('task task-1 (approval) on step approve: Apply the change?');
    expect(text).toContain('1/2 approvals');
    expect(text).toContain('tandem approve|reject task-1');
  });
});

describe('logs', () => {
  it('prefix every line with its step when several steps are shown, across chunks ending mid-line', () => {
    const p = new LogPrinter(true);
    const out = [
      p.format({ step: 'a', data: 'one\ntw' }),
      p.format({ step: 'a', data: 'o\n' }),
      p.format({ step: 'b', data: 'x\n\ny\n' }),
    ].join('');
    expect(out).toBe('[a] one\n[a] two\n[b] x\n[b] \n[b] y\n');
  });

  it('are printed raw for one step', () => {
    expect(new LogPrinter(false).format({ step: 'a', data: 'raw\n' })).toBe('raw\n');
  });
});

describe('validation problems', () => {
  it('read FILE:LINE:COL: path: message, like a compiler', () => {
    expect(
      formatProblem('rb.yaml', { path: 'spec.steps[0].id', message: 'is required', line: 7, column: 5 }),
    ).toBe('rb.yaml:7:5: spec.steps[0].id: is required');
    expect(formatProblem('rb.yaml', { path: '', message: 'cannot read: no such file' })).toBe(
      'rb.yaml: cannot read: no such file',
    );
  });
});
