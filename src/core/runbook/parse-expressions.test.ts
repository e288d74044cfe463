import { describe, it } from 'vitest';
import { compileExpression, ExpressionError, parseTemplate } from '../expr/index.ts';
import { expectProblem, runbook } from './test-support.ts';

/** The 0-based column the expression module gives for an error in `text`. */
function errorColumn(compile: () => unknown): number {
  try {
    compile();
  } catch (err: unknown) {
    if (err instanceof ExpressionError) return err.column ?? 0;
    throw err;
  }
  throw new Error('expected an expression error');
}

const BAD = 'x ${{ 1 + }}';
const badColumn = (): number => errorColumn(() => parseTemplate(BAD));

/** Lines of a step `a` (needing nothing) placed after `    - id: a` (line 7), so from line 8. */
const fields: [string, string[], string][] = [
  ['shell', [`      shell: ${BAD}`], 'spec.steps[0].shell'],
  [
    'script args',
    ['      script:', '        body: run', '        args:', '          - ok', `          - ${BAD}`],
    'spec.steps[0].script.args[1]',
  ],
  ['http url', ['      http:', `        url: ${BAD}`], 'spec.steps[0].http.url'],
  [
    'http headers',
    ['      http:', '        url: u', '        headers:', `          H: ${BAD}`],
    'spec.steps[0].http.headers.H',
  ],
  ['http body string', ['      http:', '        url: u', `        body: ${BAD}`], 'spec.steps[0].http.body'],
  [
    'http body object',
    ['      http:', '        url: u', '        body:', '          k:', `            - ${BAD}`],
    'spec.steps[0].http.body.k[0]',
  ],
  ['env', ['      log: hi', '      env:', `        E: ${BAD}`], 'spec.steps[0].env.E'],
  ['working_dir', ['      log: hi', `      working_dir: ${BAD}`], 'spec.steps[0].working_dir'],
  ['runs_on site', ['      log: hi', '      runs_on:', `        site: ${BAD}`], 'spec.steps[0].runs_on.site'],
  [
    'runs_on labels',
    ['      log: hi', '      runs_on:', '        labels:', `          - ${BAD}`],
    'spec.steps[0].runs_on.labels[0]',
  ],
  ['outputs', ['      log: hi', '      outputs:', `        o: ${BAD}`], 'spec.steps[0].outputs.o'],
  [
    'concurrency key',
    ['      log: hi', '      concurrency:', `        key: ${BAD}`],
    'spec.steps[0].concurrency.key',
  ],
  ['approval message', ['      approval:', `        message: ${BAD}`], 'spec.steps[0].approval.message'],
  ['wait_until', [`      wait_until: ${BAD}`], 'spec.steps[0].wait_until'],
  ['log', [`      log: ${BAD}`], 'spec.steps[0].log'],
  [
    'workflow inputs',
    ['      workflow:', '        runbook: child', '        inputs:', `          n: ${BAD}`],
    'spec.steps[0].workflow.inputs.n',
  ],
  [
    'compensate',
    ['      log: hi', '      compensate:', `        shell: ${BAD}`],
    'spec.steps[0].compensate.shell',
  ],
];

describe('parseRunbook: expressions', () => {
  it.each(fields)(
    'an expression that does not compile in %s is rejected at its column',
    (_name, lines, path) => {
      const text = runbook('  steps:', '    - id: a', ...lines);
      const index = lines.findIndex((l) => l.includes(BAD));
      expectProblem(text, {
        path,
        line: 8 + index,
        column: lines[index]!.indexOf(BAD) + 1 + badColumn(),
        message: /^invalid expression: /,
      });
    },
  );

  it.each([
    ['spec.outputs', ['  outputs:', `    o: ${BAD}`, '  steps: [{ id: a, log: hi }]'], 'spec.outputs.o'],
    [
      'spec.concurrency',
      ['  concurrency:', `    key: ${BAD}`, '  steps: [{ id: a, log: hi }]'],
      'spec.concurrency.key',
    ],
  ])('an expression that does not compile in %s is rejected at its column', (_name, lines, path) => {
    const column = lines[1]!.indexOf(BAD) + 1 + badColumn();
    expectProblem(runbook(...lines), { path, line: 7, column, message: /^invalid expression: / });
  });

  it('an expression error inside a block scalar is placed on its own line', () => {
    const text = runbook(
      '  steps:', // 6
      '    - id: a', // 7
      '      shell: |', // 8
      '        echo start', // 9
      `        echo ${BAD}`, // 10
    );
    expectProblem(text, {
      path: 'spec.steps[0].shell',
      line: 10,
      column: 14 + badColumn(),
      message: /invalid/,
    });
  });

  it('an if that does not compile is rejected at its column', () => {
    const column = errorColumn(() => compileExpression('inputs.a =='));
    const text = runbook(
      '  inputs: { a: {} }',
      '  steps:',
      '    - id: a',
      '      if: inputs.a ==',
      '      log: x',
    );
    expectProblem(text, {
      path: 'spec.steps[0].if',
      line: 9,
      column: 11 + column,
      message: /^invalid expression/,
    });
  });

  it('an if written as ${{ }} is checked inside its braces', () => {
    const column = errorColumn(() => compileExpression('inputs.a =='));
    const text = runbook(
      '  inputs: { a: {} }',
      '  steps:',
      '    - id: a',
      '      if: "${{ inputs.a == }}"',
      '      log: x',
    );
    expectProblem(text, {
      path: 'spec.steps[0].if',
      line: 9,
      column: 16 + column,
      message: /^invalid expression/,
    });
  });

  it('an if mixing text and ${{ }} is rejected: it must be one expression', () => {
    const text = runbook('  steps:', '    - id: a', '      if: "ok ${{ true }}"', '      log: x');
    expectProblem(text, {
      path: 'spec.steps[0].if',
      line: 8,
      column: 15,
      message: /^if: must be one expression/,
    });
  });
});

describe('shell lines', () => {
  it('an expression inside double quotes in a shell line is rejected with its line and column', () => {
    expectProblem(
      runbook(
        '  inputs:',
        '    dir: { type: string }',
        '  steps:',
        '    - id: a',
        '      shell: echo "dir=${{ inputs.dir }}"',
      ),
      { path: 'spec.steps[0].shell', line: 10, column: 24, message: /quotes/ },
    );
  });
});
