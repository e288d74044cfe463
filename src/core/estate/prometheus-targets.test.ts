import { describe, expect, it } from 'vitest';
import { instanceHost, targetResources } from './prometheus-targets.ts';

const target = (labels: Record<string, string>) => ({
  discoveredLabels: { __address__: labels.instance ?? '' },
  labels,
  scrapePool: labels.job,
  scrapeUrl: `http://${labels.instance ?? ''}/metrics`,
  health: 'up',
});

describe('Prometheus targets', () => {
  it('instances become hosts and jobs services that run on them', () => {
    const answer = {
      status: 'success',
      data: {
        activeTargets: [
          target({ job: 'node', instance: '10.0.0.1:9100', env: 'prod', rack: 'r1' }),
          target({ job: 'node', instance: 'DB1:9100', env: 'prod', rack: 'r2', site: 'idc-bj' }),
          target({ job: 'postgres', instance: 'db1:9187', env: 'prod', __meta_x: 'hidden' }),
        ],
        droppedTargets: [],
      },
    };
    const { resources, skipped } = targetResources(answer, 'idc-sh');
    expect(skipped).toEqual([]);
    const byKey = new Map(resources.map((r) => [`${r.kind}/${r.name}`, r]));
    expect([...byKey.keys()].sort()).toEqual([
      'host/10.0.0.1',
      'host/db1',
      'service/node',
      'service/postgres',
    ]);
    expect(byKey.get('host/db1')).toEqual({
      kind: 'host',
      name: 'db1',
      site: 'idc-bj',
      labels: { env: 'prod', rack: 'r2' },
      properties: { address: 'db1' },
      relations: [],
    });
    expect(byKey.get('service/node')).toMatchObject({
      site: 'idc-sh',
      labels: { env: 'prod', job: 'node' },
      properties: { scrape_pool: 'node', instances: ['10.0.0.1:9100', 'DB1:9100'] },
      relations: [
        { type: 'runs_on', kind: 'host', name: '10.0.0.1' },
        { type: 'runs_on', kind: 'host', name: 'db1' },
      ],
    });
  });

  it('the host of an instance may be v6 or a URL', () => {
    expect(instanceHost('[::1]:9090')).toBe('::1');
    expect(instanceHost('https://Example.com/health')).toBe('example.com');
    expect(instanceHost('host')).toBe('host');
  });

  it('an answer that is not the targets API is refused', () => {
    expect(() => targetResources({ status: 'error' }, null)).toThrow(/not an answer of Prometheus/);
  });
});
