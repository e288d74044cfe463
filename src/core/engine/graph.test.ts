import { describe, expect, it } from 'vitest';
import { runbook, Sim } from './test-harness.ts';

describe('the step graph', () => {
  it('a step starts only once every step it needs has succeeded', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: echo a
    - id: b
      shell: echo b
    - id: c
      needs: [a, b]
      shell: echo c
`),
    ).start();
    expect(sim.state.status).toBe('running');
    expect(sim.ready().sort()).toEqual(['a', 'b']);
    sim.run('a');
    expect(sim.status('c')).toBe('pending');
    sim.run('b');
    expect(sim.ready()).toEqual(['c']);
    sim.run('c');
    expect(sim.state.status).toBe('succeeded');
    expect(sim.events()).toContain('run.finished');
  });

  it('a skipped step satisfies the needs of the steps after it', () => {
    const sim = new Sim(
      runbook(
        `    - id: a
      if: \${{ inputs.go }}
      shell: echo a
    - id: b
      needs: [a]
      shell: echo b
`,
        `  inputs:
    go: { type: boolean, default: false }
`,
      ),
    ).start();
    expect(sim.status('a')).toBe('skipped');
    expect(sim.ready()).toEqual(['b']);
    sim.run('b');
    expect(sim.state.status).toBe('succeeded');
  });

  it('a step whose need failed never runs and ends cancelled, and the run fails', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: exit 1
    - id: b
      needs: [a]
      shell: echo b
`),
    ).start();
    sim.fail('a', 'exit code 1');
    expect(sim.status('a')).toBe('failed');
    expect(sim.status('b')).toBe('cancelled');
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toContain('step a failed');
  });

  it('a failed step with continue_on_error stays failed and lets the steps after it run', () => {
    const sim = new Sim(
      runbook(`    - id: a
      continue_on_error: true
      shell: exit 1
    - id: b
      needs: [a]
      shell: echo \${{ steps.a.status }}
`),
    ).start();
    sim.fail('a');
    expect(sim.status('a')).toBe('failed');
    expect(sim.ready()).toEqual(['b']);
    const action = sim.state.steps.get('b')!.action;
    expect(action).toMatchObject({ kind: 'shell', command: "echo 'failed'" });
    sim.run('b');
    expect(sim.state.status).toBe('succeeded');
  });

  it('when a step fails no new step starts, running steps finish and their results are kept', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: exit 1
    - id: slow
      shell: sleep 1
    - id: later
      needs: [slow]
      shell: echo later
`),
    ).start();
    sim.claim('slow');
    sim.fail('a');
    expect(sim.state.status).toBe('running');
    expect(sim.status('later')).toBe('cancelled');
    sim.report('slow', { ok: true, outputs: { x: '1' } });
    expect(sim.status('slow')).toBe('succeeded');
    expect(sim.state.steps.get('slow')!.outputs).toEqual({ x: '1' });
    expect(sim.state.status).toBe('failed');
  });

  it('outputs are kept exactly as written and computed outputs see the result', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: echo 12.5
      outputs:
        doubled: \${{ double(result.stdout) * 2.0 }}
    - id: b
      needs: [a]
      shell: echo \${{ steps.a.outputs.raw }} \${{ steps.a.outputs.doubled }}
`),
    ).start();
    sim.run('a', { raw: '  spaced \n' }, { exit_code: 0, stdout: '12.5\n', stderr: '' });
    expect(sim.state.steps.get('a')!.outputs).toEqual({ raw: '  spaced \n', doubled: '25' });
    expect(sim.state.steps.get('b')!.action).toMatchObject({ command: "echo '  spaced \n' '25'" });
  });

  it('a reference to a missing output fails the step with the name it looked for', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: echo a
    - id: b
      needs: [a]
      shell: echo \${{ steps.a.outputs.nothere }}
`),
    ).start();
    sim.run('a');
    expect(sim.status('b')).toBe('failed');
    expect(sim.state.steps.get('b')!.error).toContain('nothere');
    expect(sim.state.status).toBe('failed');
  });

  it('runbook outputs are computed when the run succeeds', () => {
    const sim = new Sim(
      runbook(
        `    - id: a
      shell: echo a
`,
        `  outputs:
    answer: \${{ int(steps.a.outputs.n) + 1 }}
`,
      ),
    ).start();
    sim.run('a', { n: '41' });
    expect(sim.state.status).toBe('succeeded');
    expect(sim.state.outputs).toEqual({ answer: 42 });
  });

  it('a log step completes at once with its rendered message', () => {
    const sim = new Sim(
      runbook(
        `    - id: hello
      log: hello \${{ inputs.who }}
`,
        `  inputs:
    who: { type: string, required: true }
`,
      ),
      { who: 'world' },
    ).start();
    expect(sim.status('hello')).toBe('succeeded');
    expect(sim.state.steps.get('hello')!.outputs).toEqual({ message: 'hello world' });
    expect(sim.state.status).toBe('succeeded');
  });

  it('steps route to the site named by runs_on, with labels', () => {
    const sim = new Sim(
      runbook(
        `    - id: a
      runs_on: { site: "\${{ inputs.site }}", labels: [postgres, linux] }
      shell: echo a
    - id: b
      shell: echo b
`,
        `  inputs:
    site: { type: string, required: true }
`,
      ),
      { site: 'idc-shanghai' },
    ).start();
    expect(sim.state.steps.get('a')).toMatchObject({ site: 'idc-shanghai', labels: ['linux', 'postgres'] });
    expect(sim.state.steps.get('b')).toMatchObject({ site: 'local', labels: [] });
  });
});

describe('secrets in steps', () => {
  it('a secret renders as a reference to be resolved at claim, never as its value', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: psql -c "select 1" --password=\${{ secrets.pg_password }}
      env:
        TOKEN: \${{ secrets.api_token }}
`),
    ).start();
    const action = sim.state.steps.get('a')!.action!;
    const nonce = action.secretNonce!;
    expect(nonce).toMatch(/^[A-Za-z0-9]{8,}$/);
    expect(action).toMatchObject({
      command: `psql -c "select 1" --password='%%tandem-secret:${nonce}:pg_password%%'`,
      env: { TOKEN: `%%tandem-secret:${nonce}:api_token%%` },
    });
  });
});
