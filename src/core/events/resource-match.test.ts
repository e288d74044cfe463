import { describe, expect, it } from 'vitest';
import { pickResource, resourceCandidates, siteOf } from './resource-match.ts';

const estate = new Set(['host/web-1', 'service/shop', 'database/pg-main', 'service/node', 'host/10.0.0.7']);
const exists = (kind: string, name: string) => estate.has(`${kind}/${name}`);
const resolve = (labels: Record<string, string>) => pickResource(resourceCandidates(labels), exists);

describe('which resource an alert is about', () => {
  it('takes an explicit kind/name first', () => {
    expect(resolve({ resource: 'database/pg-main', instance: 'web-1:9100' })).toEqual({
      resource: { kind: 'database', name: 'pg-main' },
      via: 'resource',
    });
    expect(resolve({ tandem_resource: 'service/shop', resource: 'database/pg-main' })!.via).toBe(
      'tandem_resource',
    );
  });

  it('reads resource with kind, kind with name, and a bare resource name of any common kind', () => {
    expect(resolve({ resource: 'pg-main', kind: 'database' })!.resource).toEqual({
      kind: 'database',
      name: 'pg-main',
    });
    expect(resolve({ kind: 'service', name: 'shop' })!.resource).toEqual({ kind: 'service', name: 'shop' });
    expect(resolve({ resource: 'pg-main' })!.resource).toEqual({ kind: 'database', name: 'pg-main' });
  });

  it('finds the host of a Prometheus instance before the service of its job', () => {
    expect(resolve({ instance: 'web-1:9100', job: 'node' })).toEqual({
      resource: { kind: 'host', name: 'web-1' },
      via: 'instance',
    });
    expect(resolve({ instance: '10.0.0.7:9100' })!.resource.name).toBe('10.0.0.7');
    expect(resolve({ instance: 'unknown:9100', job: 'node' })).toEqual({
      resource: { kind: 'service', name: 'node' },
      via: 'job',
    });
  });

  it('tries host labels, then service, then job, then PagerDuty source and component', () => {
    expect(resolve({ hostname: 'web-1', service: 'shop' })!.via).toBe('hostname');
    expect(resolve({ service: 'shop', job: 'node' })!.via).toBe('service');
    expect(resolve({ source: 'web-1' })!.via).toBe('source');
    expect(resolve({ component: 'shop' })!.via).toBe('component');
  });

  it('falls through candidates that are not in the estate, and answers null when none is', () => {
    expect(resolve({ resource: 'database/gone', host: 'web-1' })!.via).toBe('host');
    expect(resolve({ alertname: 'Watchdog' })).toBeNull();
    // Names that cannot be resource names are not tried.
    expect(resourceCandidates({ host: 'a/b', service: '' })).toEqual([]);
  });

  it('takes the resource’s site, else the site label', () => {
    expect(siteOf({ site: 'edge-1' }, 'idc-sh')).toBe('idc-sh');
    expect(siteOf({ site: 'edge-1' }, null)).toBe('edge-1');
    expect(siteOf({ site: 'Not A Site!' }, null)).toBeNull();
  });
});
