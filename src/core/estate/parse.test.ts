import { describe, expect, it } from 'vitest';
import { isTandemError, type ErrorDetail } from '../errors.ts';
import { parseEstate } from './parse.ts';

function problems(text: string): ErrorDetail[] {
  try {
    parseEstate(text);
  } catch (err: unknown) {
    if (isTandemError(err, 'invalid_input')) return err.details;
    throw err;
  }
  throw new Error('expected the file to be refused');
}

const header = `apiVersion: tandem/v1
kind: Estate
metadata: { source: idc-sh }
spec:
  resources:
`;

describe('estate files', () => {
  it('parse into normalised resources of their source', () => {
    const file = parseEstate(`${header}    - kind: database
      name: pg-main
      site: idc-sh
      labels: { env: prod, tier: 1, primary: true }
      properties: { address: "10.0.2.10:5432", version: "15" }
      relations:
        runs_on: [host/db-1]
        replicates_to: [database/pg-standby, database/pg-standby]
    - kind: host
      name: db-1
`);
    expect(file.source).toBe('idc-sh');
    expect(file.resources).toEqual([
      {
        kind: 'database',
        name: 'pg-main',
        site: 'idc-sh',
        labels: { env: 'prod', primary: 'true', tier: '1' },
        properties: { address: '10.0.2.10:5432', version: '15' },
        relations: [
          { type: 'replicates_to', kind: 'database', name: 'pg-standby' },
          { type: 'runs_on', kind: 'host', name: 'db-1' },
        ],
      },
      { kind: 'host', name: 'db-1', site: null, labels: {}, properties: {}, relations: [] },
    ]);
  });

  it('report each problem at its line and column', () => {
    const found = problems(`${header}    - kind: Host
      name: web/1
      sitee: idc-sh
      relations: { runs_on: [web-1], uses: [] }
`);
    expect(found).toEqual([
      expect.objectContaining({ path: 'spec.resources[0].kind', line: 6, column: 13 }),
      expect.objectContaining({ path: 'spec.resources[0].name', line: 7, column: 13 }),
      expect.objectContaining({
        path: 'spec.resources[0].sitee',
        line: 8,
        column: 7,
        message: 'unknown field "sitee"; did you mean "site"?',
      }),
      expect.objectContaining({ path: 'spec.resources[0].relations.runs_on[0]', line: 9, column: 30 }),
      expect.objectContaining({ path: 'spec.resources[0].relations.uses', line: 9, column: 38 }),
    ]);
  });

  it('refuse a resource listed twice, pointing at the first', () => {
    const found = problems(`${header}    - { kind: host, name: a }
    - { kind: host, name: a }
`);
    expect(found).toEqual([
      expect.objectContaining({
        path: 'spec.resources[1].name',
        line: 7,
        message: 'host/a is listed twice (first at line 6)',
      }),
    ]);
  });

  it('refuse the names of sources Tandem writes itself', () => {
    const found = problems(header.replace('source: idc-sh', 'source: "agent:x"') + '    []\n');
    expect(found[0]?.path).toBe('metadata.source');
  });

  it('refuse YAML syntax errors and an empty file with a line', () => {
    expect(problems('kind: [\n')[0]).toMatchObject({ line: expect.any(Number) as number });
    expect(problems('')[0]).toMatchObject({ line: 1, column: 1 });
    expect(() => parseEstate('')).toThrow(/invalid estate file/);
  });
});
