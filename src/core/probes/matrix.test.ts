import { describe, expect, it } from 'vitest';
import { assignedProbes, ownerOf, probeSites } from './assign.ts';
import { buildMatrix, matrixTransitions, type Cell, type MatrixInput } from './matrix.ts';
import { probeDefinition, probeDocumentSchema, type ProbeDefinition } from './model.ts';
import { parseProbe } from './parse.ts';

const NOW = 1_000_000_000;
const probe = (name: string, service = name): MatrixInput['probes'][number] => ({
  name,
  service,
  intervalMs: 10_000,
  timeoutMs: 5_000,
  failures: 1,
});
const cell = (probeName: string, site: string, ok: boolean, ageMs = 1_000, failures = ok ? 0 : 1): Cell => ({
  probe: probeName,
  site,
  at: NOW - ageMs,
  ok,
  failures,
  latencyMs: ok ? 12 : null,
  error: ok ? null : 'connect ECONNREFUSED',
});
const SITES = ['hz', 'sh', 'us'];
const input = (cells: Cell[], probes = [probe('web'), probe('db')]): MatrixInput => ({
  probes,
  sitesOf: new Map(probes.map((p) => [p.name, SITES])),
  cells,
  now: NOW,
});
const statuses = (m: ReturnType<typeof buildMatrix>) => ({
  sites: Object.fromEntries(m.sites.map((s) => [s.site, s.reason ? `${s.status}:${s.reason}` : s.status])),
  services: Object.fromEntries(m.services.map((s) => [s.service, s.status])),
});
const everywhere = (name: string, ok: boolean) => SITES.map((s) => cell(name, s, ok));

describe('the reachability matrix', () => {
  it('calls a service down when every site fails it, and no site cut off for that', () => {
    const m = buildMatrix(input([...everywhere('web', false), ...everywhere('db', true)]));
    expect(statuses(m)).toEqual({
      sites: { hz: 'degraded', sh: 'degraded', us: 'degraded' },
      services: { web: 'down', db: 'up' },
    });
  });

  it('calls a site cut off when it fails everything other sites reach, and keeps the services up', () => {
    const cells = [...everywhere('web', true), ...everywhere('db', true)].map((c) =>
      c.site === 'sh' ? cell(c.probe, 'sh', false) : c,
    );
    expect(statuses(buildMatrix(input(cells)))).toEqual({
      sites: { hz: 'ok', sh: 'cut_off:unreachable', us: 'ok' },
      services: { web: 'up', db: 'up' },
    });
  });

  it('calls a site cut off over services only it checks, and leaves those unknown', () => {
    const probes = [probe('web'), probe('db'), probe('local-dns')];
    const sitesOf = new Map([
      ['web', SITES],
      ['db', SITES],
      ['local-dns', ['sh']],
    ]);
    const cells = [...everywhere('web', true), ...everywhere('db', true), cell('local-dns', 'sh', false)].map(
      (c) => (c.site === 'sh' ? cell(c.probe, 'sh', false) : c),
    );
    expect(statuses(buildMatrix({ probes, sitesOf, cells, now: NOW }))).toEqual({
      sites: { hz: 'ok', sh: 'cut_off:unreachable', us: 'ok' },
      services: { db: 'up', 'local-dns': 'unknown', web: 'up' },
    });
    // A site that checks only its own services cannot be told cut off: the service is down.
    const alone = buildMatrix({
      probes: [probe('local-dns')],
      sitesOf: new Map([['local-dns', ['sh']]]),
      cells: [cell('local-dns', 'sh', false)],
      now: NOW,
    });
    expect(statuses(alone)).toEqual({ sites: { sh: 'degraded' }, services: { 'local-dns': 'down' } });
  });

  it('calls it partial when one site fails one service but reaches others', () => {
    const cells = [...everywhere('web', true), ...everywhere('db', true)].map((c) =>
      c.site === 'sh' && c.probe === 'db' ? cell('db', 'sh', false) : c,
    );
    expect(statuses(buildMatrix(input(cells)))).toEqual({
      sites: { hz: 'ok', sh: 'degraded', us: 'ok' },
      services: { web: 'up', db: 'partial' },
    });
  });

  it('calls a site cut off when its results stop while other sites report, and judges services without it', () => {
    const cells = [...everywhere('web', false), ...everywhere('db', true)].map((c) =>
      c.site === 'us' ? { ...c, ok: true, at: NOW - 120_000 } : c,
    );
    expect(statuses(buildMatrix(input(cells)))).toEqual({
      sites: { hz: 'degraded', sh: 'degraded', us: 'cut_off:silent' },
      services: { web: 'down', db: 'up' },
    });
  });

  it('says unknown rather than guess when nothing fresh came from anywhere, or a site never reported', () => {
    const stale = [...everywhere('web', true), ...everywhere('db', true)].map((c) => ({
      ...c,
      at: NOW - 3_600_000,
    }));
    expect(statuses(buildMatrix(input(stale)))).toEqual({
      sites: { hz: 'unknown', sh: 'unknown', us: 'unknown' },
      services: { web: 'unknown', db: 'unknown' },
    });
    const fresh = [...everywhere('web', true), ...everywhere('db', true)].filter((c) => c.site !== 'hz');
    expect(statuses(buildMatrix(input(fresh))).sites.hz).toBe('unknown');
  });

  it('tolerates single failures up to the probe’s threshold', () => {
    const tolerant = { ...probe('web'), failures: 3 };
    const cells = [
      cell('web', 'hz', false, 1_000, 2),
      cell('web', 'sh', false, 1_000, 3),
      cell('web', 'us', true),
    ];
    const m = buildMatrix(input(cells, [tolerant]));
    expect(m.services[0]!.cells.map((c) => [c.site, c.state])).toEqual([
      ['hz', 'ok'],
      ['sh', 'fail'],
      ['us', 'ok'],
    ]);
  });

  it('counts a service as failing at a site when any of its probes fails there', () => {
    const probes = [probe('web-http', 'web'), probe('web-tcp', 'web')];
    const cells = [...everywhere('web-tcp', true), ...everywhere('web-http', true)].map((c) =>
      c.site === 'hz' && c.probe === 'web-http' ? cell('web-http', 'hz', false) : c,
    );
    const m = buildMatrix(input(cells, probes));
    expect(m.services).toHaveLength(1);
    expect(m.services[0]!.probes).toEqual(['web-http', 'web-tcp']);
    const hz = m.services[0]!.cells.find((c) => c.site === 'hz')!;
    expect(hz.state).toBe('fail');
    expect(hz.failing).toEqual([{ probe: 'web-http', error: 'connect ECONNREFUSED' }]);
    // hz fails every service it checks (the only one) while others reach it.
    expect(statuses(m)).toEqual({
      sites: { hz: 'cut_off:unreachable', sh: 'ok', us: 'ok' },
      services: { web: 'up' },
    });
  });
});

describe('transitions of the matrix', () => {
  it('reports a cut-off and a down once, their recovery once, and no change on unknown', () => {
    const down = buildMatrix(input([...everywhere('web', false), ...everywhere('db', true)]));
    const first = matrixTransitions(new Map(), down);
    expect(first.transitions).toEqual([
      {
        type: 'service.down',
        service: 'web',
        failing: SITES.map((site) => ({ site, errors: ['connect ECONNREFUSED'] })),
      },
    ]);
    const kept = new Map([...first.next].map(([k, v]) => [k, v.status]));
    expect(matrixTransitions(kept, down).transitions).toEqual([]);

    const unknown = buildMatrix({ ...input([]), now: NOW });
    expect(matrixTransitions(kept, unknown).transitions).toEqual([]);

    const cut = buildMatrix(
      input(
        [...everywhere('web', true), ...everywhere('db', true)].map((c) =>
          c.site === 'sh' ? cell(c.probe, 'sh', false) : c,
        ),
      ),
    );
    expect(matrixTransitions(kept, cut).transitions).toEqual([
      { type: 'site.cut_off', site: 'sh', reason: 'unreachable' },
      { type: 'service.recovered', service: 'web' },
    ]);
    const afterCut = new Map([...matrixTransitions(kept, cut).next].map(([k, v]) => [k, v.status]));
    const healthy = buildMatrix(input([...everywhere('web', true), ...everywhere('db', true)]));
    expect(matrixTransitions(afterCut, healthy).transitions).toEqual([
      { type: 'site.recovered', site: 'sh' },
    ]);
  });
});

describe('probe definitions and assignment', () => {
  const def = (spec: Record<string, unknown>): ProbeDefinition =>
    probeDefinition(
      probeDocumentSchema.parse({ apiVersion: 'tandem/v1', kind: 'Probe', metadata: { name: 'p' }, spec }),
    );

  it('reads http, tcp and dns checks with their defaults', () => {
    expect(def({ http: { url: 'http://web.example/health', expect_status: 200 } })).toMatchObject({
      service: 'p',
      intervalMs: 30_000,
      timeoutMs: 5_000,
      check: { type: 'http', method: 'GET', expectStatus: [200] },
    });
    expect(def({ tcp: { host: 'db', port: 5432 }, service: 'pg', interval: '1m' }).check).toEqual({
      type: 'tcp',
      host: 'db',
      port: 5432,
    });
    expect(def({ dns: { name: 'example.com', resolver: '10.0.0.53:53' } }).check).toEqual({
      type: 'dns',
      name: 'example.com',
      recordType: 'A',
      resolver: '10.0.0.53:53',
    });
  });

  it('refuses no check, two checks, and intervals out of bounds', () => {
    const parse = (spec: unknown) =>
      probeDocumentSchema.safeParse({ apiVersion: 'tandem/v1', kind: 'Probe', metadata: { name: 'p' }, spec })
        .success;
    expect(parse({})).toBe(false);
    expect(parse({ tcp: { host: 'a', port: 1 }, dns: { name: 'a' } })).toBe(false);
    expect(parse({ tcp: { host: 'a', port: 1 }, interval: '100ms' })).toBe(false);
    expect(parse({ tcp: { host: 'a', port: 1 }, timeout: '2m' })).toBe(false);
  });

  it('reports problems of a probe file with their line, and YAML it cannot read as a 400', () => {
    expect(() =>
      parseProbe(
        'apiVersion: tandem/v1\nkind: Probe\nmetadata: { name: p }\nspec:\n  tcp: { host: a, port: 99999 }\n',
      ),
    ).toThrow(/line 5/);
    expect(() => parseProbe('*nowhere')).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    expect(() =>
      parseProbe(
        'apiVersion: tandem/v1\nkind: Probe\nmetadata: { name: p }\nspec:\n  sites: "name in ("\n  tcp: { host: a, port: 1 }\n',
      ),
    ).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });

  it('picks sites by name, kind and labels', () => {
    const sites = [
      { name: 'sh', kind: 'idc', labels: { region: 'cn' } },
      { name: 'hz', kind: 'public-cloud', labels: { region: 'cn' } },
      { name: 'us', kind: 'public-cloud', labels: { region: 'us' } },
    ];
    expect(probeSites({ sites: '' }, sites)).toEqual(['sh', 'hz', 'us']);
    expect(probeSites({ sites: 'kind=public-cloud' }, sites)).toEqual(['hz', 'us']);
    expect(probeSites({ sites: 'region=cn,name!=sh' }, sites)).toEqual(['hz']);
    expect(probeSites({ sites: 'name in (sh,us)' }, sites)).toEqual(['sh', 'us']);
  });

  it('gives each probe of a site to exactly one live agent, and moves only the lost agent’s probes', () => {
    const site = { name: 'sh', kind: 'idc', labels: {} };
    const probes = Array.from({ length: 60 }, (_, i) => ({
      ...def({ tcp: { host: 'h', port: 1 } }),
      name: `p${i}`,
    }));
    const agents = ['a1', 'a2', 'a3'];
    const share = agents.map((a) => assignedProbes(probes, site, a, agents).map((p) => p.name));
    expect(share.flat().sort()).toEqual(probes.map((p) => p.name).sort());
    for (const s of share) expect(s.length).toBeGreaterThan(5);
    const after = ['a1', 'a2'].map((a) => assignedProbes(probes, site, a, ['a1', 'a2']).map((p) => p.name));
    for (const [i, names] of after.entries()) for (const n of share[i]!) expect(names).toContain(n);
    expect(ownerOf('x', [])).toBeUndefined();
  });
});
