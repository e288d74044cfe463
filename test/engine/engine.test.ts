import { expect, it } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestEngine, yamlRunbook } from '../support/engine.ts';
import { TandemError } from '../../src/core/errors.ts';

describeEachStore('the engine on a real store', (ctx) => {
  it('runs a chain of shell steps, passing outputs through $TANDEM_OUTPUTS', async () => {
    const t = await startTestEngine(ctx().store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'chain',
          `  inputs:
    name: { type: string, required: true }
  outputs:
    greeting: \${{ steps.second.outputs.greeting }}
  steps:
    - id: first
      shell: printf 'who=%s\\n' \${{ inputs.name }} >> "$TANDEM_OUTPUTS"
    - id: second
      needs: [first]
      script:
        interpreter: /bin/sh
        body: |
          echo "greeting=hello $1" >> "$TANDEM_OUTPUTS"
          echo "to stderr" >&2
        args: ["\${{ steps.first.outputs.who }}"]
`,
        ),
        'alice',
      );
      const { id } = await t.engine.startRun({
        runbook: 'chain',
        inputs: { name: "o'brien; rm -rf /" },
        actor: 'alice',
      });
      const run = await t.waitFor(id);
      expect(run.status).toBe('succeeded');
      expect(run.steps.get('first')!.outputs).toEqual({ who: "o'brien; rm -rf /" });
      expect(run.outputs).toEqual({ greeting: "hello o'brien; rm -rf /" });
      expect(run.steps.get('second')!.result).toMatchObject({ exit_code: 0, stderr: 'to stderr\n' });
    } finally {
      await t.stop();
    }
  });

  it('re-applying the same text is a no-op and a changed text is a new version that new runs pin', async () => {
    const t = await startTestEngine(ctx().store, { agent: false });
    try {
      const v1 = yamlRunbook('versions', '  steps:\n    - id: a\n      log: one\n');
      expect(await t.engine.applyRunbook(v1, 'alice')).toEqual({
        name: 'versions',
        version: 1,
        created: true,
      });
      expect(await t.engine.applyRunbook(v1, 'alice')).toEqual({
        name: 'versions',
        version: 1,
        created: false,
      });
      const run1 = await t.engine.startRun({ runbook: 'versions', actor: 'alice' });
      const v2 = yamlRunbook('versions', '  steps:\n    - id: a\n      log: two\n');
      expect(await t.engine.applyRunbook(v2, 'alice')).toEqual({
        name: 'versions',
        version: 2,
        created: true,
      });
      const run2 = await t.engine.startRun({ runbook: 'versions', actor: 'alice' });
      const [r1, r2] = [await t.waitFor(run1.id), await t.waitFor(run2.id)];
      expect([r1.runbookVersion, r1.steps.get('a')!.outputs]).toEqual([1, { message: 'one' }]);
      expect([r2.runbookVersion, r2.steps.get('a')!.outputs]).toEqual([2, { message: 'two' }]);
    } finally {
      await t.stop();
    }
  });

  it('bad inputs are refused at start with the field and the reason', async () => {
    const t = await startTestEngine(ctx().store, { agent: false });
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'typed',
          '  inputs:\n    n: { type: integer, required: true }\n  steps:\n    - id: a\n      log: x\n',
        ),
        null,
      );
      const err = await t.engine
        .startRun({ runbook: 'typed', inputs: { n: 'three' }, actor: null })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TandemError);
      expect((err as TandemError).code).toBe('invalid_input');
      expect((err as TandemError).details[0]).toMatchObject({ path: 'inputs.n' });
    } finally {
      await t.stop();
    }
  });

  it('retries a failing step with back-off from durable timers, then fails the run', async () => {
    const t = await startTestEngine(ctx().store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'flaky',
          `  steps:
    - id: a
      retry: { attempts: 3, backoff: constant, initial: 100ms }
      shell: echo "attempt $TANDEM_ATTEMPT" >&2; exit 7
`,
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'flaky', actor: null });
      const run = await t.waitFor(id);
      expect(run.status).toBe('failed');
      expect(run.steps.get('a')).toMatchObject({
        status: 'failed',
        attempt: 3,
        error: 'exit code 7: attempt 3',
      });
    } finally {
      await t.stop();
    }
  });

  it('an approval waits for people and the decision resumes the run', async () => {
    const t = await startTestEngine(ctx().store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'gate',
          `  steps:
    - id: approve
      approval: { quorum: 1, four_eyes: true, message: "go?" }
    - id: after
      needs: [approve]
      shell: echo ok
`,
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'gate', actor: 'alice' });
      const waiting = await t.waitFor(id, ['waiting']);
      const taskId = waiting.steps.get('approve')!.taskId!;
      await expect(t.engine.decide(taskId, 'alice', 'approve', null)).rejects.toThrow(/four-eyes/);
      await t.engine.decide(taskId, 'bob', 'approve', 'fine');
      const run = await t.waitFor(id);
      expect(run.status).toBe('succeeded');
      await expect(t.engine.decide(taskId, 'carol', 'approve', null)).rejects.toThrow(/approved/);
    } finally {
      await t.stop();
    }
  });

  it('a second run with the same concurrency key waits until the first finishes', async () => {
    const t = await startTestEngine(ctx().store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'mutex',
          `  concurrency: { key: the-key, limit: 1 }
  steps:
    - id: hold
      approval: {}
`,
        ),
        null,
      );
      const first = await t.engine.startRun({ runbook: 'mutex', actor: 'a' });
      const second = await t.engine.startRun({ runbook: 'mutex', actor: 'b' });
      expect(second.status).toBe('pending');
      const r1 = await t.waitFor(first.id, ['waiting']);
      await t.engine.decide(r1.steps.get('hold')!.taskId!, 'x', 'approve', null);
      await t.waitFor(first.id);
      const r2 = await t.waitFor(second.id, ['waiting']);
      expect(r2.startedAt).not.toBeNull();
    } finally {
      await t.stop();
    }
  });

  it('a workflow step runs a child run and takes its outputs', async () => {
    const t = await startTestEngine(ctx().store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'child',
          `  inputs:
    n: { type: integer, required: true }
  outputs:
    double: \${{ inputs.n * 2 }}
  steps:
    - id: a
      shell: "true"
`,
        ),
        null,
      );
      await t.engine.applyRunbook(
        yamlRunbook(
          'parent',
          `  steps:
    - id: call
      workflow: { runbook: child, inputs: { n: 21 } }
    - id: use
      needs: [call]
      shell: test \${{ steps.call.outputs.double }} = 42
`,
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'parent', actor: null });
      const run = await t.waitFor(id);
      expect(run.status).toBe('succeeded');
      expect(run.steps.get('call')!.outputs).toEqual({ double: '42' });
    } finally {
      await t.stop();
    }
  });

  it('cancelling a run stops the running step and everything it started', async () => {
    // A duration of its own, so no other sleep on the machine (another store's run of this test,
    // another test's) is taken for this one.
    const seconds = 3000 + Math.floor(Math.random() * 5000);
    const sleepRunning = () => processRunning(`^sleep ${seconds}$`);
    const t = await startTestEngine(ctx().store, { leaseMs: 600 });
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'long',
          `  steps:
    - id: a
      kill_grace: 1s
      shell: sleep ${seconds} & echo "pid=$!" >&2; echo started; wait
`,
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'long', actor: null });
      await t.waitFor(id, ['running']);
      await t.waitUntil(
        'the step to start',
        async () => (await t.engine.getRun(id))!.steps.get('a')!.status === 'running',
      );
      await t.waitUntil('the sleep to start', sleepRunning);
      const run = await t.engine.act(id, 'cancel', 'alice');
      expect(run.status).toBe('cancelled');
      // The agent hears at its next heartbeat and kills the process group.
      await t.waitUntil('the sleep to be killed', async () => !(await sleepRunning()), 20_000);
    } finally {
      await t.stop();
    }
  });
});

async function processRunning(pattern: string): Promise<boolean> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => execFile('pgrep', ['-f', pattern], (err) => resolve(err === null)));
}
