import { describe, it } from 'vitest';
import { expectProblem, runbook } from './test-support.ts';

describe('parseRunbook: the step graph', () => {
  it('a step without a body is rejected at the step', () => {
    const text = runbook('  steps:', '    - id: a', '      name: does nothing');
    expectProblem(text, {
      path: 'spec.steps[0]',
      line: 7,
      column: 7,
      message: /^step "a" has no body: give it exactly one of shell, script, http, sleep, wait_until, log/,
    });
  });

  it('a step with two bodies is rejected at the second', () => {
    const text = runbook('  steps:', '    - id: a', '      shell: ls', '      log: listed');
    expectProblem(text, {
      path: 'spec.steps[0].log',
      line: 9,
      column: 7,
      message: /^step "a" has both shell and log; a step does exactly one thing/,
    });
  });

  it('a compensate without a body is rejected at the compensate', () => {
    const text = runbook(
      '  steps:', // 6
      '    - id: a', // 7
      '      shell: ls', // 8
      '      compensate:', // 9
      '        env: { A: b }', // 10
    );
    expectProblem(text, {
      path: 'spec.steps[0].compensate',
      line: 10,
      column: 9,
      message: /^compensate has no body/,
    });
  });

  it('a duplicate step id across steps and finally is rejected, naming the first', () => {
    const text = runbook(
      '  steps:', // 6
      '    - id: a', // 7
      '      log: one', // 8
      '  finally:', // 9
      '    - id: a', // 10
      '      log: two', // 11
    );
    expectProblem(text, {
      path: 'spec.finally[0].id',
      line: 10,
      column: 11,
      message: /^duplicate step id "a" \(first at line 7\); step ids must be unique$/,
    });
  });

  it('a needs naming a missing step is rejected with its line', () => {
    const text = runbook(
      '  steps:', // 6
      '    - id: build', // 7
      '      log: built', // 8
      '    - id: deploy', // 9
      '      needs: [buld]', // 10
      '      log: deployed', // 11
    );
    expectProblem(text, {
      path: 'spec.steps[1].needs[0]',
      line: 10,
      column: 15,
      message: /^needs "buld", but no step has that id \(did you mean "build"\?\)$/,
    });
  });

  it('a step that needs itself is rejected', () => {
    const text = runbook('  steps:', '    - id: a', '      needs: [a]', '      log: x');
    expectProblem(text, { path: 'spec.steps[0].needs[0]', line: 8, column: 15, message: /needs itself/ });
  });

  it('a cycle of needs is rejected, naming the steps of the cycle', () => {
    const text = runbook(
      '  steps:', // 6
      '    - { id: a, needs: [c], log: x }', // 7
      '    - { id: b, needs: [a], log: x }', // 8
      '    - { id: c, needs: [b], log: x }', // 9
      '    - { id: d, needs: [a], log: x }', // 10
    );
    expectProblem(text, {
      path: 'spec.steps[0].needs[0]',
      line: 7,
      column: 24,
      message: /^steps a, c, b need each other in a cycle \(a → c → b → a\)/,
    });
  });

  it('a finally step that needs a main step is rejected', () => {
    const text = runbook(
      '  steps:', // 6
      '    - { id: a, log: x }', // 7
      '  finally:', // 8
      '    - id: report', // 9
      '      needs: [a]', // 10
      '      log: done', // 11
    );
    expectProblem(text, {
      path: 'spec.finally[0].needs[0]',
      line: 10,
      column: 15,
      message: /^"a" is a main step; finally steps may only need finally steps/,
    });
  });

  it('a main step that needs a finally step is rejected', () => {
    const text = runbook(
      '  steps:', // 6
      '    - { id: a, needs: [cleanup], log: x }', // 7
      '  finally:', // 8
      '    - { id: cleanup, log: done }', // 9
    );
    expectProblem(text, {
      path: 'spec.steps[0].needs[0]',
      line: 7,
      column: 24,
      message: /^"cleanup" is a finally step; main steps cannot need finally steps/,
    });
  });

  it('max_parallel without foreach is rejected at the key', () => {
    const text = runbook('  steps:', '    - id: a', '      log: x', '      max_parallel: 2');
    expectProblem(text, {
      path: 'spec.steps[0].max_parallel',
      line: 9,
      column: 7,
      message: /^max_parallel limits the items of a foreach; this step has no foreach$/,
    });
  });
});

describe('user', () => {
  it('user on a step that is not shell or script is rejected at its key', () => {
    expectProblem(
      runbook('  steps:', '    - id: a', '      user: deploy', '      http: { url: "http://x" }'),
      { path: 'spec.steps[0].user', line: 8, column: 7, message: /shell and script/ },
    );
  });
});
