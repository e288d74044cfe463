import { describe, expect, it } from 'vitest';
import { parseRunbook } from './parse.ts';
import { expectProblem, problemsOf, runbook } from './test-support.ts';

describe('parseRunbook: what expressions refer to', () => {
  it('a reference to a step that does not exist is rejected at the reference', () => {
    const text = runbook('  steps:', '    - id: a', '      log: "n=${{ steps.nope.outputs.n }}"');
    expectProblem(text, {
      path: 'spec.steps[0].log',
      line: 8,
      column: 19,
      message: /^steps\.nope refers to a step that does not exist$/,
    });
  });

  it('a reference to a step outside the needs of a main step is rejected', () => {
    const text = runbook(
      '  steps:', // 6
      '    - { id: a, log: x }', // 7
      '    - { id: b, needs: [a], log: x }', // 8
      '    - id: c', // 9
      '      needs: [a]', // 10
      '      shell: echo ${{ steps.a.outputs.n }} ${{ steps.b.outputs.n }}', // 11
    );
    expectProblem(text, {
      path: 'spec.steps[2].shell',
      line: 11,
      column: 48,
      message: /^steps\.b is not among this step's needs \(directly or transitively\)/,
    });
  });

  it('a reference through transitive needs is accepted', () => {
    const text = runbook(
      '  steps:',
      '    - { id: a, log: x }',
      '    - { id: b, needs: [a], log: x }',
      '    - { id: c, needs: [b], log: "${{ steps.a.outputs.n }}" }',
    );
    expect(parseRunbook(text).spec.steps).toHaveLength(3);
  });

  it('a finally step may reference any step', () => {
    const text = runbook(
      '  steps: [{ id: a, log: x }, { id: b, log: y }]',
      '  finally: [{ id: f, log: "${{ steps.a.status }} ${{ steps.b.status }}" }]',
    );
    expect(parseRunbook(text).spec.finally).toHaveLength(1);
  });

  it('a reference to an undeclared input is rejected with a suggestion', () => {
    const text = runbook(
      '  inputs: { service: {} }',
      '  steps:',
      '    - id: a',
      '      log: ${{ inputs.servce }}',
    );
    expectProblem(text, {
      path: 'spec.steps[0].log',
      line: 9,
      column: 16,
      message: /^inputs\.servce is not declared in spec\.inputs \(did you mean "service"\?\)$/,
    });
  });

  it('a reference from a main step to a finally step is rejected', () => {
    const text = runbook(
      '  steps:', // 6
      '    - id: a', // 7
      '      log: ${{ steps.f.status }}', // 8
      '  finally: [{ id: f, log: done }]', // 9
    );
    expectProblem(text, {
      path: 'spec.steps[0].log',
      line: 8,
      column: 16,
      message: /^steps\.f is a finally step; it runs after every main step$/,
    });
  });

  it('a step reading its own outputs is rejected, but its compensate may', () => {
    const text = runbook(
      '  steps:', // 6
      '    - id: a', // 7
      '      shell: make', // 8
      '      outputs: { o: "${{ steps.a.outputs.x }}" }', // 9
      '      compensate: { shell: "undo ${{ steps.a.outputs.o }}" }', // 10
    );
    expect(problemsOf(text)).toEqual([
      {
        path: 'spec.steps[0].outputs.o',
        line: 9,
        column: 26,
        message: expect.stringMatching(/^steps\.a is this step itself/) as unknown,
      },
    ]);
  });

  it('spec.concurrency cannot read step outputs: it is rendered before any step', () => {
    const text = runbook(
      '  concurrency: { key: "k-${{ steps.a.outputs.x }}" }',
      '  steps: [{ id: a, log: x }]',
    );
    expectProblem(text, {
      path: 'spec.concurrency.key',
      line: 6,
      column: 30,
      message: /^spec\.concurrency is rendered when the run starts, before any step: it cannot use steps\.a$/,
    });
  });

  it('spec.outputs may read any step', () => {
    const text = runbook('  outputs: { o: "${{ steps.a.outputs.x }}" }', '  steps: [{ id: a, log: x }]');
    expect(parseRunbook(text).spec.outputs).toEqual({ o: '${{ steps.a.outputs.x }}' });
  });
});
