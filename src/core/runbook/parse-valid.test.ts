import { describe, expect, it } from 'vitest';
import { parseRunbook } from './parse.ts';
import { yaml } from './test-support.ts';

/** The example of DESIGN.md, "Runbooks". */
const dbFailover = yaml(
  'apiVersion: tandem/v1',
  'kind: Runbook',
  'metadata:',
  '  name: db-failover',
  '  title: Fail a database over to its standby site',
  '  labels: { category: disaster-recovery }',
  'spec:',
  '  inputs:',
  '    service: { type: string, required: true }',
  '    standby_site: { type: string, required: true }',
  '    max_lag_seconds: { type: number, default: 30 }',
  '  concurrency: { key: "failover-${{ inputs.service }}", limit: 1 }',
  '  steps:',
  '    - id: lag',
  '      runs_on: { site: "${{ inputs.standby_site }}", labels: [postgres] }',
  '      shell: psql -Atc "select coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0)"',
  '      outputs: { seconds: "${{ double(result.stdout) }}" }',
  '    - id: approve',
  '      needs: [lag]',
  '      approval:',
  '        approvers: { team: dba }',
  '        quorum: 1',
  '        timeout: 30m',
  '        message: "Replication lag is ${{ steps.lag.outputs.seconds }}s. Promote the standby?"',
  '    - id: promote',
  '      needs: [approve]',
  '      if: "${{ steps.lag.outputs.seconds < inputs.max_lag_seconds }}"',
  '      runs_on: { site: "${{ inputs.standby_site }}", labels: [postgres] }',
  '      shell: pg_ctlcluster 15 main promote',
  '      retry: { attempts: 3, backoff: exponential, initial: 2s }',
  '      timeout: 5m',
  '      compensate:',
  '        shell: echo "promotion rolled back by hand is required" >&2',
);

/** One of everything: each body kind, foreach, finally, outputs, step concurrency. */
const everything = yaml(
  'apiVersion: tandem/v1',
  'kind: Runbook',
  'metadata: { name: rolling-restart }',
  'spec:',
  '  inputs:',
  '    hosts: { type: array, default: [a, b] }',
  '    mode: { type: enum, enum: [fast, safe], default: safe }',
  '    endpoint: { type: string }',
  '  outputs:',
  '    restarted: "${{ size(steps.restart.outputs) }}"',
  '  timeout: 1h30m',
  '  steps:',
  '    - id: check',
  '      http:',
  '        method: POST',
  '        url: "${{ inputs.endpoint }}/health"',
  '        headers: { X-Mode: "${{ inputs.mode }}" }',
  '        body: { hosts: "${{ inputs.hosts }}", nested: [plain] }',
  '        expect_status: [200, 204]',
  '    - id: restart',
  '      needs: [check]',
  '      foreach: ${{ inputs.hosts }}',
  '      max_parallel: 2',
  '      concurrency: { key: "host-${{ item }}" }',
  '      script:',
  '        interpreter: python3',
  '        body: |',
  '          import sys',
  '          print(sys.argv[1])',
  '        args: ["${{ item }}", "${{ steps.check.outputs.token }}"]',
  '      env: { MODE: "${{ inputs.mode }}" }',
  '      continue_on_error: true',
  '    - id: settle',
  '      needs: [restart]',
  '      if: steps.restart.status == "succeeded"',
  '      sleep: 30s',
  '    - { id: later, needs: [settle], wait_until: "2030-01-01T00:00:00Z" }',
  '    - id: child',
  '      needs: [later]',
  '      workflow: { runbook: verify, inputs: { hosts: "${{ inputs.hosts }}", count: 2 } }',
  '  finally:',
  '    - id: report',
  '      log: "run ${{ run.status }}; restart ${{ steps.restart.status }}, child ${{ steps.child.status }}"',
);

describe('parseRunbook: valid runbooks', () => {
  it('parses the db-failover example of the design', () => {
    const parsed = parseRunbook(dbFailover);
    expect(parsed.metadata.name).toBe('db-failover');
    expect(parsed.spec.steps.map((s) => s.id)).toEqual(['lag', 'approve', 'promote']);
  });

  it('applies the schema defaults', () => {
    const { spec } = parseRunbook(dbFailover);
    expect(spec.concurrency).toEqual({ key: 'failover-${{ inputs.service }}', limit: 1 });
    expect(spec.steps[2]?.retry).toEqual({
      attempts: 3,
      backoff: 'exponential',
      initial: '2s',
      max: '5m',
      jitter: false,
    });
    expect(spec.steps[1]?.approval).toMatchObject({ quorum: 1, four_eyes: false, on_timeout: 'reject' });
    expect(spec.inputs?.max_lag_seconds).toEqual({ type: 'number', default: 30 });
  });

  it('parses a runbook using every step kind, foreach and finally', () => {
    const parsed = parseRunbook(everything);
    expect(parsed.spec.steps.map((s) => s.id)).toEqual(['check', 'restart', 'settle', 'later', 'child']);
    expect(parsed.spec.steps[1]?.script?.interpreter).toBe('python3');
    expect(parsed.spec.steps[0]?.http?.method).toBe('POST');
    expect(parsed.spec.finally?.[0]?.log).toMatch(/^run /);
  });
});
