/**
 * `targets:` of ssh, ansible and probe steps: validated with the runbook, rendered with the step,
 * resolved from the estate at claim time, and a probe checking every host they pick.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { executeAction } from '../../src/agent/actions/index.ts';
import type { Action } from '../../src/core/engine/index.ts';
import { renderAction } from '../../src/core/engine/render.ts';
import { parseRunbook } from '../../src/core/runbook/index.ts';
import { problemsOf } from '../../src/core/runbook/test-support.ts';
import { resolveTargets } from '../../src/engine/claim-targets.ts';
import { applySource, type Store } from '../../src/store/index.ts';
import { capture, runbookOf } from '../actions/render-step.ts';
import { describeEachStore } from '../support/stores.ts';

const ssh = (extra: Record<string, unknown>) => ({
  ssh: { user: 'deploy', key: 'k', command: 'uptime', ...extra },
});

function rendered(step: Record<string, unknown>) {
  const rb = parseRunbook(runbookOf(step));
  return renderAction(rb.spec.steps[0]!, {
    inputs: {},
    steps: {},
    run: { id: 'r', runbook: 'action-test', version: 1, status: 'running' },
    secrets: {},
  });
}

describe('targets in runbooks', () => {
  it('are an alternative to hosts for ssh, ansible and probe steps', () => {
    expect(() => rendered(ssh({ targets: { selector: 'kind=host,role=web' } }))).not.toThrow();
    expect(() =>
      rendered({
        ansible: { targets: { selector: 'role=db' }, user: 'u', key: 'k', playbook_file: 'p.yml' },
      }),
    ).not.toThrow();
    expect(() =>
      rendered({ probe: { targets: { selector: 'role=db' }, tcp: { port: 5432 } } }),
    ).not.toThrow();
  });

  it('are refused beside hosts, or when neither is given, or with a broken selector', () => {
    const both = problemsOf(runbookOf(ssh({ hosts: ['a'], targets: { selector: 'role=web' } })));
    expect(both.map((p) => p.message)).toContain('ssh has both hosts and targets; give exactly one');
    const neither = problemsOf(runbookOf(ssh({})));
    expect(neither.map((p) => p.message)).toContain('ssh needs one of hosts or targets');
    const broken = problemsOf(runbookOf(ssh({ targets: { selector: 'role=web role=db' } })));
    expect(broken).toContainEqual(
      expect.objectContaining({
        path: 'spec.steps[0].ssh.targets.selector',
        message: expect.stringMatching(/expected "," between terms.*column 10/) as unknown,
      }),
    );
    const probeHost = problemsOf(
      runbookOf({ probe: { targets: { selector: 'a' }, tcp: { host: 'x', port: 1 } } }),
    );
    expect(probeHost.map((p) => p.message)).toContain('the targets give the hosts: leave out host');
    const probeNone = problemsOf(runbookOf({ probe: { tcp: { port: 1 } } }));
    expect(probeNone.map((p) => p.message)).toContain('tcp needs a host (or the probe targets)');
  });

  it('render each expression as quoted values, so an input cannot change the selector', () => {
    const step = (selector: string) => ({ ...ssh({ targets: { selector } }) });
    const rb = (selector: string, inputs: Record<string, unknown>) => {
      const parsed = parseRunbook(runbookOf(step(selector), inputs));
      return renderAction(parsed.spec.steps[0]!, {
        inputs,
        steps: {},
        run: { id: 'r', runbook: 'action-test', version: 1, status: 'running' },
        secrets: {},
      }).action;
    };
    expect(rb('kind=host,role=${{ inputs.role }}', { role: 'web,site=other' })).toMatchObject({
      targets: { selector: 'kind=host,role="web,site=other"' },
    });
    expect(rb('env in (${{ inputs.envs }})', { envs: ['prod', 'pre prod'] })).toMatchObject({
      targets: { selector: 'env in (prod,"pre prod")' },
    });
    // The shape is checked before rendering, each expression standing for one value.
    const broken = problemsOf(runbookOf(step('role=${{ inputs.role }} env=prod'), { role: 'web' }));
    expect(broken).toContainEqual(expect.objectContaining({ path: 'spec.steps[0].ssh.targets.selector' }));
  });

  it('render into the action, the step running at the targets’ site unless runs_on says', () => {
    const { action, site } = rendered(
      ssh({ targets: { selector: 'role=${{ "web" }}', site: 'idc-sh' }, port: 2222 }),
    );
    expect(site).toBe('idc-sh');
    expect(action).toMatchObject({
      kind: 'ssh',
      hosts: [],
      targets: { selector: 'role=web', site: 'idc-sh', port: 2222 },
    });
    const pinned = rendered({
      runs_on: { site: 'bastion' },
      ...ssh({ targets: { selector: 'role=web', site: 'idc-sh' } }),
    });
    expect(pinned.site).toBe('bastion');
    const own = rendered({ runs_on: { site: 'idc-bj' }, ...ssh({ targets: { selector: 'role=web' } }) });
    expect(own.action).toMatchObject({ targets: { site: 'idc-bj' } });
  });
});

describeEachStore('targets resolved from the estate', (ctx) => {
  const seed = (store: Store) =>
    store.transaction((tx) =>
      applySource(tx, {
        source: 'gitops',
        actor: 'test',
        now: 1,
        resources: [
          {
            kind: 'host',
            name: 'web-1',
            site: 'idc-sh',
            labels: { role: 'web' },
            properties: { address: '10.0.0.1' },
            relations: [],
          },
          {
            kind: 'host',
            name: 'web-2',
            site: 'idc-sh',
            labels: { role: 'web' },
            properties: { address: '10.0.0.2:2200' },
            relations: [],
          },
          {
            kind: 'host',
            name: 'web-3',
            site: 'idc-sh',
            labels: { role: 'web' },
            properties: { port: 2022 },
            relations: [],
          },
          {
            kind: 'host',
            name: 'web-9',
            site: 'idc-bj',
            labels: { role: 'web' },
            properties: {},
            relations: [],
          },
        ],
      }),
    );
  const action = (selector: string, site = 'idc-sh'): Action => ({
    kind: 'ssh',
    site,
    hosts: [],
    targets: { selector, site, port: 22 },
    user: 'u',
    connectTimeoutMs: 1000,
    maxParallel: 5,
    knownHosts: [],
    env: {},
    killGraceMs: 1000,
    command: 'true',
  });

  it('become the hosts of the step, from address, port or name, only of the site', async () => {
    const { store } = ctx();
    await seed(store);
    const resolved = await store.transaction((tx) => resolveTargets(tx, action('kind=host,role=web')));
    expect(resolved).toMatchObject({
      hosts: [
        { host: '10.0.0.1', port: 22 },
        { host: '10.0.0.2', port: 2200 },
        { host: 'web-3', port: 2022 },
      ],
    });
  });

  it('fail the step, saying so, when the selector picks nothing', async () => {
    const { store } = ctx();
    await seed(store);
    await expect(store.transaction((tx) => resolveTargets(tx, action('role=db')))).rejects.toThrow(
      /nothing in the estate of site idc-sh matches "role=db"/,
    );
    await expect(store.transaction((tx) => resolveTargets(tx, action('role=web', 'idc-gz')))).rejects.toThrow(
      /site idc-gz/,
    );
    await expect(store.transaction((tx) => resolveTargets(tx, action('role=(')))).rejects.toThrow(
      /targets: selector: expected a value/,
    );
  });
});

describe('a probe with targets', () => {
  it('checks every host and fails naming the ones that failed', async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const probe = (hosts: string[]): Action => ({
        kind: 'probe',
        check: { type: 'tcp', host: '', port },
        timeoutMs: 2000,
        targets: { selector: 'x', site: 's' },
        hosts,
      });
      const ok = await executeAction(probe(['127.0.0.1']), capture().ctx);
      expect(ok).toMatchObject({ ok: true, outputs: { ok: 'true', failed: '' } });
      // 127.0.0.2 is loopback too on Linux, but nothing listens there.
      const failed = await executeAction(probe(['127.0.0.1', '127.0.0.2']), capture().ctx);
      expect(failed).toMatchObject({
        ok: false,
        retryable: true,
        outputs: { ok: 'false', failed: '127.0.0.2' },
      });
      expect(failed.ok ? '' : failed.error).toMatch(/1 of 2 hosts failed: probe tcp 127.0.0.2/);
    } finally {
      server.close();
    }
  });
});
