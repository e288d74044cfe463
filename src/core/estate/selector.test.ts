import { describe, expect, it } from 'vitest';
import { isTandemError } from '../errors.ts';
import type { ResourceSpec } from './model.ts';
import { formatSelector, parseSelector, quoteSelectorValue } from './selector.ts';
import { ResourceSet, type Selectable } from './selector-match.ts';

const res = (
  kind: string,
  name: string,
  o: Partial<Omit<ResourceSpec, 'kind' | 'name'>> & { source?: string } = {},
): Selectable => ({
  kind,
  name,
  site: o.site ?? null,
  labels: o.labels ?? {},
  properties: o.properties ?? {},
  relations: o.relations ?? [],
  source: o.source ?? 'test',
});

const estate = new ResourceSet([
  res('host', 'web-1', { site: 'idc-sh', labels: { role: 'web', env: 'prod' } }),
  res('host', 'web-2', { site: 'idc-sh', labels: { role: 'web', env: 'stage', tier: '1' } }),
  res('host', 'db-1', { site: 'idc-sh', labels: { role: 'db', env: 'prod' } }),
  res('host', 'edge-1', { labels: { role: 'web' } }),
  res('database', 'pg-main', {
    site: 'idc-sh',
    labels: { env: 'prod' },
    relations: [
      { type: 'runs_on', kind: 'host', name: 'db-1' },
      { type: 'replicates_to', kind: 'database', name: 'pg-standby' },
    ],
  }),
  res('service', 'api', {
    site: 'idc-sh',
    relations: [
      { type: 'depends_on', kind: 'database', name: 'pg-main' },
      { type: 'runs_on', kind: 'host', name: 'web-1' },
      { type: 'runs_on', kind: 'host', name: 'web-2' },
    ],
  }),
  res('service', 'batch', { relations: [{ type: 'depends_on', kind: 'database', name: 'gone' }] }),
]);

const names = (text: string) =>
  estate
    .select(parseSelector(text))
    .map((r) => `${r.kind}/${r.name}`)
    .sort();

function columnOf(text: string): number | undefined {
  try {
    parseSelector(text);
  } catch (err: unknown) {
    if (isTandemError(err, 'invalid_input')) return err.details[0]?.column;
    throw err;
  }
  return undefined;
}

describe('selectors', () => {
  it('an empty selector picks every resource', () => {
    expect(names('')).toHaveLength(7);
    expect(names('  ')).toHaveLength(7);
  });

  it('label and field terms must all hold', () => {
    expect(names('kind=host,role=web')).toEqual(['host/edge-1', 'host/web-1', 'host/web-2']);
    expect(names('kind=host,role=web,site=idc-sh,env==prod')).toEqual(['host/web-1']);
    expect(names('kind = host , role = web , env != prod')).toEqual(['host/edge-1', 'host/web-2']);
  });

  it('in and notin take a list; != and notin hold when the label is missing', () => {
    expect(names('env in (prod, stage),kind=host')).toEqual(['host/db-1', 'host/web-1', 'host/web-2']);
    expect(names('kind=host,env notin (prod)')).toEqual(['host/edge-1', 'host/web-2']);
    expect(names('kind in (database,service)')).toEqual(['database/pg-main', 'service/api', 'service/batch']);
  });

  it('a bare key asks that the label exists, ! that it does not', () => {
    expect(names('tier')).toEqual(['host/web-2']);
    expect(names('kind=host,!env')).toEqual(['host/edge-1']);
    expect(names('!site')).toEqual(['host/edge-1', 'service/batch']);
  });

  it('a relation with a selector follows it to resources that exist', () => {
    expect(names('depends_on(kind=database,name=pg-main)')).toEqual(['service/api']);
    expect(names('depends_on(kind=database)')).toEqual(['service/api']);
    expect(names('runs_on(role=web,env=stage)')).toEqual(['service/api']);
    expect(names('depends_on(runs_on(role=db))')).toEqual(['service/api']);
  });

  it('^relation picks what resources matching the selector point at', () => {
    expect(names('kind=host,^runs_on(name=api)')).toEqual(['host/web-1', 'host/web-2']);
    expect(names('^depends_on(kind=service)')).toEqual(['database/pg-main']);
  });

  it('relation=ref matches the name a relation gives, even when nothing has it', () => {
    expect(names('runs_on=web-1')).toEqual(['service/api']);
    expect(names('runs_on=host/db-1')).toEqual(['database/pg-main']);
    expect(names('runs_on=service/db-1')).toEqual([]);
    expect(names('depends_on=gone')).toEqual(['service/batch']);
    expect(names('kind=service,depends_on!=gone')).toEqual(['service/api']);
    expect(names('replicates_to')).toEqual(['database/pg-main']);
    expect(names('kind=database,!runs_on')).toEqual([]);
  });

  it('quoted values may hold any character', () => {
    const set = new ResourceSet([res('host', 'a', { labels: { note: 'a b, (c)' } })]);
    expect(set.select(parseSelector('note="a b, (c)"'))).toHaveLength(1);
    expect(formatSelector(parseSelector('note="a b, (c)",x'))).toBe('note="a b, (c)",x');
  });

  it('a quoted value may hold quotes and backslashes, and quoting reads back the same', () => {
    const value = 'say "hi" \\ (now), ok';
    const parsed = parseSelector(`note=${quoteSelectorValue(value)}`);
    expect(parsed.terms[0]).toMatchObject({ values: [value] });
    expect(parseSelector(formatSelector(parsed))).toEqual(parsed);
  });

  it('formats back to a selector that means the same', () => {
    const text = 'kind=host,env in (prod,stage),!tier,^runs_on(name=api),depends_on=database/pg-main';
    expect(formatSelector(parseSelector(text))).toBe(text);
  });

  it('mistakes are reported at their column', () => {
    expect(columnOf('kind=host,,role=web')).toBe(11);
    expect(columnOf('kind=host role=web')).toBe(11);
    expect(columnOf('kind=')).toBe(6);
    expect(columnOf('env in prod')).toBe(8);
    expect(columnOf('env in (prod')).toBe(13);
    expect(columnOf('role=web,name=$x')).toBe(15);
    expect(columnOf('depends_on(kind=db')).toBe(19);
    expect(columnOf('^kind(x)')).toBe(2);
    expect(columnOf('note="open')).toBe(6);
    expect(columnOf('a,')).toBe(3);
    expect(columnOf('a(b(c(d(e(f=1)))))'.replaceAll(/[a-e]\(/g, 'runs_on('))).toBeGreaterThan(0);
  });

  it('the error says what was expected', () => {
    expect(() => parseSelector('kind=host role=web')).toThrow(/expected "," between terms, found "role"/);
    expect(() => parseSelector('kind=')).toThrow(/column 6/);
  });
});
