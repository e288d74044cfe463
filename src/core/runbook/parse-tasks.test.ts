import { describe, expect, it } from 'vitest';
import { parseRunbook } from './parse.ts';
import { checkAnswers } from './form.ts';
import { expectProblem, problemsOf, runbook } from './test-support.ts';

describe('parseRunbook: approvals and manual tasks', () => {
  it('an approver role that is not a role is refused at its line, suggesting team:', () => {
    const text = runbook(
      '  steps:', // 6
      '    - id: ok', // 7
      '      approval:', // 8
      '        approvers: { role: dba }', // 9
    );
    expectProblem(text, {
      path: 'spec.steps[0].approval.approvers.role',
      line: 9,
      column: 28,
      message:
        /^"dba" is not a role \(roles are viewer, operator, approver, admin\); to name a team, write team: dba$/,
    });
  });

  it('accepts roles, teams and users, with the defaults filled in', () => {
    const parsed = parseRunbook(
      runbook(
        '  steps:',
        '    - id: first',
        '      approval: { approvers: { role: approver } }',
        '    - id: second',
        '      needs: [first]',
        '      approval:',
        '        approvers: { team: dba, users: [ann] }',
        '        quorum: 2',
        '        distinct_from: [first]',
        '        timeout: 1h',
        '        on_timeout: escalate',
        '        escalate: { to: { team: leads }, timeout: 30m }',
      ),
    );
    expect(parsed.spec.steps[1]!.approval).toMatchObject({
      quorum: 2,
      four_eyes: false,
      reject_comment: 'required',
      on_timeout: 'escalate',
      escalate: { to: { team: 'leads' }, timeout: '30m', on_timeout: 'reject' },
    });
  });

  it('on_timeout: escalate needs a timeout and an escalate block, and escalate needs on_timeout: escalate', () => {
    const missing = problemsOf(
      runbook('  steps:', '    - id: a', '      approval:', '        on_timeout: escalate'),
    );
    expect(missing.map((p) => p.message)).toEqual([
      'on_timeout: escalate needs an escalate: { to, timeout } block',
      'on_timeout: escalate needs a timeout: the deadline to escalate at',
    ]);
    expectProblem(
      runbook(
        '  steps:', // 6
        '    - id: a', // 7
        '      approval:', // 8
        '        timeout: 1h', // 9
        '        escalate: { to: { role: boss }, timeout: 1h }', // 10
      ),
      {
        path: 'spec.steps[0].approval.escalate',
        line: 10,
        column: 9,
        message: /only with on_timeout: escalate/,
      },
    );
  });

  it('distinct_from names earlier approval steps among the needs', () => {
    const details = problemsOf(
      runbook(
        '  steps:', // 6
        '    - id: a', // 7
        '      approval: {}', // 8
        '    - id: b', // 9
        '      shell: "true"', // 10
        '    - id: c', // 11
        '      needs: [b]', // 12
        '      approval:', // 13
        '        distinct_from: [a, b, c, zz]', // 14
      ),
    );
    expect(details.map((d) => [d.path, d.line, d.message])).toEqual([
      ['spec.steps[2].approval.distinct_from[0]', 14, expect.stringMatching(/not among this step's needs/)],
      ['spec.steps[2].approval.distinct_from[1]', 14, 'step "b" is not an approval step'],
      ['spec.steps[2].approval.distinct_from[2]', 14, '"c" is this step; name earlier approval steps'],
      ['spec.steps[2].approval.distinct_from[3]', 14, 'no step has the id "zz"'],
    ]);
  });

  it('a quorum larger than the named users is refused', () => {
    expectProblem(
      runbook(
        '  steps:',
        '    - id: a',
        '      approval:',
        '        approvers: { users: [ann, bob] }',
        '        quorum: 3', // 10
      ),
      { path: 'spec.steps[0].approval.quorum', line: 10, column: 17, message: /only 2 users may approve/ },
    );
  });

  const taskStep = (...form: string[]) =>
    runbook(
      '  steps:', // 6
      '    - id: gather', // 7
      '      task:', // 8
      '        title: "Collect the change ticket"', // 9
      '        assignees: { team: ops }', // 10
      '        form:', // 11
      ...form, // 12…
    );

  it('a task form that is not a valid JSON Schema is refused at its line', () => {
    expectProblem(
      taskStep('          type: object', '          properties:', '            n: { type: numbr }'),
      {
        path: 'spec.steps[0].task.form',
        line: 12,
        column: 11,
        message: /^the form is not a valid JSON Schema: schema is invalid/,
      },
    );
    expectProblem(taskStep('          type: object', '          propertiez: {}'), {
      path: 'spec.steps[0].task.form',
      line: 12,
      column: 11,
      message: /unknown keyword: "propertiez"/,
    });
    expectProblem(taskStep('          type: string'), {
      path: 'spec.steps[0].task.form',
      line: 12,
      column: 11,
      message: /must be the JSON Schema of an object/,
    });
  });

  it('a task needs a title, assignees and a form', () => {
    const details = problemsOf(runbook('  steps:', '    - id: t', '      task: { title: x }'));
    expect(details.map((d) => d.message)).toEqual([
      'missing required field "assignees"',
      'missing required field "form"',
    ]);
  });

  it("a valid task's form checks answers, naming each field and filling defaults", () => {
    const parsed = parseRunbook(
      taskStep(
        '          type: object',
        '          required: [ticket, hosts]',
        '          additionalProperties: false',
        '          properties:',
        '            ticket: { type: string, pattern: "^CHG-[0-9]+$" }',
        '            hosts: { type: integer, minimum: 1 }',
        '            window: { type: string, enum: [day, night], default: night }',
      ),
    );
    const form = parsed.spec.steps[0]!.task!.form;
    expect(checkAnswers(form, { ticket: 'CHG-12', hosts: 3 })).toEqual({
      ok: true,
      answers: { ticket: 'CHG-12', hosts: 3, window: 'night' },
    });
    const bad = checkAnswers(form, { ticket: 'nope', window: 'noon', extra: 1 });
    expect(bad.ok).toBe(false);
    expect(bad.ok ? [] : bad.problems).toEqual(
      expect.arrayContaining([
        { path: 'outputs.hosts', message: 'is required' },
        { path: 'outputs.extra', message: 'is not a field of the form' },
        { path: 'outputs.ticket', message: 'must match pattern "^CHG-[0-9]+$"' },
        { path: 'outputs.window', message: 'must be one of "day", "night"' },
      ]),
    );
  });
});
