import { describe, expect, it } from 'vitest';
import { isTandemError } from '../errors.ts';
import { parseRunbook } from './parse.ts';
import { expectProblem, problemsOf, runbook, yaml } from './test-support.ts';

describe('parseRunbook: YAML and the schema', () => {
  it('a YAML syntax error is rejected with its line and column', () => {
    const text = runbook(
      '  steps:', // 6
      '    - id: a', // 7
      '      shell: echo: hi', // 8
    );
    expectProblem(text, {
      path: 'spec.steps[0].shell.echo',
      line: 8,
      column: 14,
      message: /YAML syntax error: .*must be quoted/,
    });
  });

  it('more than one YAML document is rejected', () => {
    expectProblem(runbook('  steps: [{ id: a, log: hi }]', '---', 'x: 1'), {
      path: '',
      line: 7,
      column: 1,
      message: /remove the --- separator/,
    });
  });

  it('a duplicate key is rejected at its second occurrence, naming the first', () => {
    const text = runbook(
      '  steps:', // 6
      '    - id: a', // 7
      '      shell: echo one', // 8
      '      shell: echo two', // 9
    );
    expect(problemsOf(text)).toEqual([
      {
        path: 'spec.steps[0].shell',
        line: 9,
        column: 7,
        message: 'duplicate key "shell" in spec.steps[0] (first at line 8); a key may appear only once',
      },
    ]);
  });

  it('an unknown key is rejected at the key, with a suggestion', () => {
    const text = runbook('  steps:', '    - id: a', '      nedds: [b]', '      log: hi');
    expectProblem(text, {
      path: 'spec.steps[0].nedds',
      line: 8,
      column: 7,
      message: /^unknown field "nedds"; did you mean "needs"\?$/,
    });
  });

  it('an unknown key far from any field lists the allowed fields', () => {
    expectProblem(
      yaml('apiVersion: tandem/v1', 'kind: Runbook', 'metadata: { name: t, owner: me }', 'spec:'),
      {
        path: 'metadata.owner',
        line: 3,
        column: 22,
        message: /allowed here: name, title, description, labels/,
      },
    );
  });

  it('a value of the wrong type is rejected at the value', () => {
    const text = runbook('  steps:', '    - id: b', '      needs: a', '      log: hi');
    expectProblem(text, {
      path: 'spec.steps[0].needs',
      line: 8,
      column: 14,
      message: /^expected a list, got "a"$/,
    });
  });

  it('a value matching none of a union is rejected with every accepted type', () => {
    const text = runbook('  steps:', '    - id: b', '      foreach: 3', '      log: hi');
    expectProblem(text, {
      path: 'spec.steps[0].foreach',
      line: 8,
      column: 16,
      message: /^expected a list or a string, got 3$/,
    });
  });

  it('a bad duration is rejected with the accepted forms', () => {
    const text = runbook('  steps:', '    - id: a', '      sleep: 5 minutes');
    expectProblem(text, {
      path: 'spec.steps[0].sleep',
      line: 8,
      column: 14,
      message: /^"5 minutes" is not a duration; write e\.g\. 500ms/,
    });
  });

  it('a missing required field is rejected at its parent', () => {
    const text = runbook('  steps:', '    - shell: echo', '      name: no id');
    expectProblem(text, {
      path: 'spec.steps[0].id',
      line: 7,
      column: 7,
      message: /^missing required field "id"$/,
    });
  });

  it('a wrong apiVersion is rejected with the expected one', () => {
    const text = yaml(
      'apiVersion: tandem/v2',
      'kind: Runbook',
      'metadata: { name: t }',
      'spec: { steps: [{ id: a, log: hi }] }',
    );
    expectProblem(text, {
      path: 'apiVersion',
      line: 1,
      column: 13,
      message: /^expected "tandem\/v1", got "tandem\/v2"$/,
    });
  });

  it('an input name that is not an identifier is rejected at the name', () => {
    const text = runbook('  inputs:', '    "bad name": { type: string }', '  steps: [{ id: a, log: hi }]');
    expectProblem(text, {
      path: 'spec.inputs["bad name"]',
      line: 7,
      column: 5,
      message: /^invalid name "bad name": expected letters, digits/,
    });
  });

  it('an empty list of steps is rejected', () => {
    expectProblem(runbook('  steps: []'), {
      path: 'spec.steps',
      line: 6,
      column: 10,
      message: /^must have at least 1 item, got a list$/,
    });
  });

  it('an empty file is rejected with how a runbook starts', () => {
    expectProblem('# nothing yet\n', { path: '', line: 1, column: 1, message: /the runbook is empty/ });
  });

  it('every problem of a runbook is reported in one error, in file order', () => {
    const text = runbook(
      '  timeout: soon', // 6
      '  steps:', // 7
      '    - id: a', // 8
      '      retry: { attempts: 0, backof: constant }', // 9
      '      shell: 42', // 10
    );
    let caught: unknown;
    try {
      parseRunbook(text);
    } catch (err: unknown) {
      caught = err;
    }
    if (!isTandemError(caught, 'invalid_runbook')) throw new Error('expected an invalid_runbook error');
    expect(caught.details.map((d) => [d.path, d.line, d.column])).toEqual([
      ['spec.timeout', 6, 12],
      ['spec.steps[0].retry.attempts', 9, 26],
      ['spec.steps[0].retry.backof', 9, 29],
      ['spec.steps[0].shell', 10, 14],
    ]);
    expect(caught.message).toMatch(
      /^invalid runbook \(4 problems\):\n {2}line 6, column 12: spec\.timeout: /,
    );
  });
});
