import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandHostPattern, guessInventoryFormat, inventoryResources } from './ansible-inventory.ts';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../../test/estate/fixtures', name), 'utf8');

describe('Ansible inventories', () => {
  it('an INI and a YAML inventory saying the same give the same resources', () => {
    const ini = inventoryResources(fixture('inventory.ini'), 'ini', 'idc-sh');
    const yaml = inventoryResources(fixture('inventory.yaml'), 'yaml', 'idc-sh');
    expect(ini).toEqual(yaml);
    expect(ini.resources.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      'group/db',
      'group/prod',
      'group/web',
      'host/bastion.idc-sh',
      'host/pg-main',
      'host/pg-standby',
      'host/web01',
      'host/web02',
      'host/web03',
      'host/web04',
    ]);
  });

  it('host vars become properties over group vars, with ansible_host as address', () => {
    const { resources, droppedVars } = inventoryResources(fixture('inventory.ini'), 'ini', 'idc-sh');
    const byName = new Map(resources.map((r) => [`${r.kind}/${r.name}`, r]));
    expect(byName.get('host/web04')).toEqual({
      kind: 'host',
      name: 'web04',
      site: 'idc-sh',
      labels: {},
      properties: {
        address: '10.0.1.4',
        env: 'prod',
        http_port: '8080',
        ntp_server: 'ntp.idc-sh',
        port: 2222,
        role: 'frontend canary',
      },
      relations: [
        { type: 'member_of', kind: 'group', name: 'prod' },
        { type: 'member_of', kind: 'group', name: 'web' },
      ],
    });
    expect(byName.get('host/pg-main')!.properties).toMatchObject({ user: 'postgres', pg_version: 15 });
    expect(byName.get('host/bastion.idc-sh')!.relations).toEqual([]);
    expect(byName.get('group/web')!.relations).toEqual([{ type: 'member_of', kind: 'group', name: 'prod' }]);
    expect(byName.get('group/prod')!.properties).toEqual({ env: 'prod', ntp_server: 'ntp.idc-sh' });
    // tandem_site moves a host to another site; a password never enters the estate.
    const standby = byName.get('host/pg-standby')!;
    expect(standby.site).toBe('idc-bj');
    expect(JSON.stringify(standby)).not.toContain('hunter2');
    expect(droppedVars).toEqual(['ansible_password']);
  });

  it('host ranges expand with their padding, letters and strides', () => {
    expect(expandHostPattern('web[01:03].x')).toEqual(['web01.x', 'web02.x', 'web03.x']);
    expect(expandHostPattern('db-[a:c]')).toEqual(['db-a', 'db-b', 'db-c']);
    expect(expandHostPattern('n[0:6:3]')).toEqual(['n0', 'n3', 'n6']);
    expect(expandHostPattern('r[1:2]-[a:b]')).toEqual(['r1-a', 'r1-b', 'r2-a', 'r2-b']);
  });

  it('an INI host written host:port sets its port', () => {
    const { resources } = inventoryResources('[x]\nh1:2200\n', 'ini', null);
    expect(resources.find((r) => r.name === 'h1')!.properties).toEqual({ port: 2200 });
  });

  it('a broken INI line is reported with its number', () => {
    expect(() => inventoryResources('[web]\nweb1 nope\n', 'ini', null)).toThrow(
      /line 2: "nope" is not a host variable/,
    );
    expect(() => inventoryResources('[web\n', 'ini', null)).toThrow(/line 1/);
  });

  it('a YAML group with an unknown field is refused with its path', () => {
    expect(() => inventoryResources('all:\n  host: {}\n', 'yaml', null)).toThrow(
      /all.host: unknown field "host"/,
    );
  });

  it('the format is guessed from the first line', () => {
    expect(guessInventoryFormat(fixture('inventory.yaml'))).toBe('yaml');
    expect(guessInventoryFormat(fixture('inventory.ini'))).toBe('ini');
    expect(guessInventoryFormat('web1\nweb2\n')).toBe('ini');
  });
});
