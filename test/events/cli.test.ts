/** The CLI's request bodies for event sources and maintenance windows, from its flags. */
import { describe, expect, it } from 'vitest';
import { sourceBody } from '../../src/cli/events.ts';
import { formatWindows, maintenanceBody } from '../../src/cli/incident.ts';

const never = () => Promise.reject(new Error('not asked'));

describe('tandem events source add', () => {
  it('sends a bearer source by default and reads a given token from standard input', async () => {
    expect(await sourceBody('prom', { kind: 'alertmanager' }, never)).toEqual({
      name: 'prom',
      kind: 'alertmanager',
      auth: 'bearer',
    });
    expect(
      await sourceBody(
        'prom',
        { kind: 'alertmanager', tokenStdin: true, autoResolve: false },
        async () => 't0ken-from-stdin-0123',
      ),
    ).toEqual({
      name: 'prom',
      kind: 'alertmanager',
      auth: 'bearer',
      token: 't0ken-from-stdin-0123',
      auto_resolve: false,
    });
  });

  it('sends an HMAC source with its headers, and a webhook mapping read from YAML', async () => {
    const yaml =
      "fingerprint: alert.id\nsummary: alert.text\nstatus: \"alert.state == 'down' ? 'firing' : 'resolved'\"\n";
    const body = await sourceBody(
      'checks',
      { kind: 'webhook', hmac: true, secretStdin: true, signatureHeader: 'X-Sig', mapping: 'm.yaml' },
      async () => 'shared-secret-0123456789',
      async (file) => (file === 'm.yaml' ? yaml : ''),
    );
    expect(body).toEqual({
      name: 'checks',
      kind: 'webhook',
      auth: 'hmac',
      secret: 'shared-secret-0123456789',
      signature_header: 'X-Sig',
      mapping: {
        fingerprint: 'alert.id',
        summary: 'alert.text',
        status: "alert.state == 'down' ? 'firing' : 'resolved'",
      },
    });
  });

  it('refuses flags that do not go together, before asking anything', async () => {
    await expect(sourceBody('x', { kind: 'nagios' }, never)).rejects.toThrow(/--kind/);
    await expect(sourceBody('x', { kind: 'webhook' }, never)).rejects.toThrow(/--mapping/);
    await expect(sourceBody('x', { kind: 'grafana', mapping: 'm.yaml' }, never)).rejects.toThrow(
      /drop --mapping/,
    );
    await expect(sourceBody('x', { kind: 'grafana', secretStdin: true }, never)).rejects.toThrow(/--hmac/);
    await expect(sourceBody('x', { kind: 'grafana', hmac: true, tokenStdin: true }, never)).rejects.toThrow(
      /bearer/,
    );
  });
});

describe('tandem maintenance add', () => {
  it('sends a one-off or a recurring window, and needs to be told what it covers', () => {
    expect(
      maintenanceBody({
        reason: 'r',
        selector: 'kind=host',
        start: '2026-12-01T00:00:00Z',
        end: '2026-12-01T02:00:00Z',
      }),
    ).toEqual({
      reason: 'r',
      selector: 'kind=host',
      starts_at: '2026-12-01T00:00:00Z',
      ends_at: '2026-12-01T02:00:00Z',
    });
    expect(
      maintenanceBody({
        reason: 'r',
        all: true,
        cron: '0 2 * * sat',
        duration: '2h',
        timeZone: 'Asia/Shanghai',
      }),
    ).toEqual({
      reason: 'r',
      cron: '0 2 * * sat',
      duration: '2h',
      time_zone: 'Asia/Shanghai',
    });
    expect(() => maintenanceBody({ reason: 'r', start: 'a', end: 'b' })).toThrow(/--all/);
    expect(() => maintenanceBody({ reason: 'r', all: true, start: 'a' })).toThrow(/--end/);
    expect(() => maintenanceBody({ reason: 'r', all: true, cron: '0 2 * * *' })).toThrow(/--duration/);
  });

  it('lists windows with what they cover and when', () => {
    const text = formatWindows([
      {
        id: 'w1',
        reason: 'patching',
        selector: 'kind=host',
        site: 'idc-sh',
        starts_at: null,
        ends_at: null,
        cron: '0 2 * * sat',
        duration_ms: 7_200_000,
        time_zone: 'Asia/Shanghai',
        active: false,
        next_start: null,
      },
    ]);
    expect(text).toContain('site=idc-sh kind=host');
    expect(text).toContain('0 2 * * sat for 120m (Asia/Shanghai)');
  });
});
