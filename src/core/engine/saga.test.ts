import { describe, expect, it } from 'vitest';
import { runbook, Sim } from './test-harness.ts';

describe('foreach, compensation and finally', () => {
  it('foreach runs each item as a step of its own, at most max_parallel at once', () => {
    const sim = new Sim(
      runbook(
        `    - id: each
      foreach: \${{ inputs.hosts }}
      max_parallel: 2
      shell: ping -c1 \${{ item }}
    - id: after
      needs: [each]
      shell: echo \${{ size(steps.each.outputs) }}
`,
        `  inputs:
    hosts: { type: array, required: true }
`,
      ),
      { hosts: ['h1', 'h2', 'h3'] },
    ).start();
    expect(sim.status('each')).toBe('running');
    expect(sim.ready()).toEqual(['each[0]', 'each[1]']);
    expect(sim.state.steps.get('each[1]')!.action).toMatchObject({ command: "ping -c1 'h2'" });
    sim.run('each[0]', { up: 'yes' });
    expect(sim.ready()).toEqual(['each[1]', 'each[2]']);
    sim.run('each[1]', { up: 'no' });
    sim.run('each[2]', { up: 'yes' });
    expect(sim.status('each')).toBe('succeeded');
    expect(sim.state.steps.get('each')!.outputs).toEqual([{ up: 'yes' }, { up: 'no' }, { up: 'yes' }]);
    expect(sim.state.steps.get('after')!.action).toMatchObject({ command: "echo '3'" });
  });

  it('one failing item stops new items from starting', () => {
    const sim = new Sim(
      runbook(`    - id: each
      foreach: [a, b, c]
      max_parallel: 1
      shell: echo \${{ item }}
`),
    ).start();
    sim.fail('each[0]');
    expect(sim.status('each[1]')).toBe('cancelled');
    expect(sim.status('each[2]')).toBe('cancelled');
    expect(sim.status('each')).toBe('failed');
    expect(sim.state.status).toBe('failed');
  });

  it('an empty foreach list succeeds with no outputs', () => {
    const sim = new Sim(
      runbook(`    - id: each
      foreach: []
      shell: echo \${{ item }}
`),
    ).start();
    expect(sim.state.steps.get('each')).toMatchObject({ status: 'succeeded', outputs: [] });
    expect(sim.state.status).toBe('succeeded');
  });

  it('compensation undoes succeeded steps one at a time in reverse order of completion', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: echo a
      compensate: { shell: echo undo-a }
    - id: b
      shell: echo b
      compensate: { shell: echo undo-b }
    - id: c
      shell: echo c
    - id: d
      needs: [a, b, c]
      shell: exit 1
`),
    ).start();
    sim.run('b');
    sim.run('a');
    sim.run('c');
    sim.fail('d');
    expect(sim.state.phase).toBe('compensating');
    expect(sim.ready()).toEqual(['a~compensate']);
    sim.run('a~compensate');
    expect(sim.status('a')).toBe('compensated');
    expect(sim.ready()).toEqual(['b~compensate']);
    sim.run('b~compensate');
    expect(sim.status('b')).toBe('compensated');
    expect(sim.status('c')).toBe('succeeded');
    expect(sim.state.status).toBe('failed');
  });

  it('a compensation that fails is recorded and the run stays failed', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: echo a
      compensate: { shell: exit 3 }
    - id: b
      needs: [a]
      shell: exit 1
`),
    ).start();
    sim.run('a');
    sim.fail('b');
    sim.fail('a~compensate', 'exit code 3');
    expect(sim.events()).toContain('compensation.failed a');
    expect(sim.status('a')).toBe('succeeded');
    expect(sim.state.status).toBe('failed');
  });

  it('finally steps run whatever the outcome and see it as run.status', () => {
    const sim = new Sim(
      runbook(
        `    - id: a
      shell: exit 1
`,
        `  finally:
    - id: report
      shell: echo \${{ run.status }}
`,
      ),
    ).start();
    sim.fail('a');
    expect(sim.state.phase).toBe('finally');
    expect(sim.state.steps.get('report')!.action).toMatchObject({ command: "echo 'failed'" });
    sim.run('report');
    expect(sim.state.status).toBe('failed');
  });

  it('a failing finally step makes a succeeded run failed', () => {
    const sim = new Sim(
      runbook(
        `    - id: a
      shell: echo a
`,
        `  finally:
    - id: cleanup
      shell: exit 1
`,
      ),
    ).start();
    sim.run('a');
    sim.fail('cleanup');
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toBe('a finally step failed');
  });
});
