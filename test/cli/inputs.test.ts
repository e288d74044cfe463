import { describe, expect, it } from 'vitest';
import type { InputSpec } from '../../src/core/runbook/index.ts';
import { CliError, ExitCode } from '../../src/cli/errors.ts';
import { buildInputs, parseInputsText, splitInputFlag } from '../../src/cli/inputs.ts';

const specs: Record<string, InputSpec> = {
  who: { type: 'string' },
  replicas: { type: 'integer' },
  ratio: { type: 'number' },
  dry_run: { type: 'boolean' },
  hosts: { type: 'array' },
  extra: { type: 'object' },
  mode: { type: 'enum', enum: ['fast', 1] },
};

function usageErrorOf(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('expected a usage error');
}

describe('--input flags', () => {
  it('split at the first equals sign, so values may contain one', () => {
    expect(splitInputFlag('query=a=b')).toEqual(['query', 'a=b']);
    expect(splitInputFlag('empty=')).toEqual(['empty', '']);
  });

  it('without a name or an equals sign are a usage error', () => {
    for (const bad of ['novalue', '=x']) {
      const err = usageErrorOf(() => splitInputFlag(bad));
      expect(err.exitCode).toBe(ExitCode.usage);
      expect(err.message).toContain(bad);
    }
  });

  it('are read per the type the runbook declares', () => {
    const flags = [
      'who=007',
      'replicas=3',
      'ratio=0.5',
      'dry_run=true',
      'hosts=["a","b"]',
      'extra={"k":1}',
      'mode=1',
    ];
    expect(buildInputs({}, flags, specs)).toEqual({
      who: '007',
      replicas: 3,
      ratio: 0.5,
      dry_run: true,
      hosts: ['a', 'b'],
      extra: { k: 1 },
      mode: 1,
    });
  });

  it('pass text that does not parse as is, for the server to refuse by name', () => {
    expect(buildInputs({}, ['replicas=three', 'dry_run=yes', 'undeclared=5'], specs)).toEqual({
      replicas: 'three',
      dry_run: 'yes',
      undeclared: '5',
    });
  });

  it('override the values of the inputs file', () => {
    expect(buildInputs({ who: 'file', replicas: 1 }, ['who=flag'], specs)).toEqual({
      who: 'flag',
      replicas: 1,
    });
  });
});

describe('the inputs file', () => {
  it('is read as JSON or YAML by its extension', () => {
    expect(parseInputsText('in.json', '{"replicas": 2}')).toEqual({ replicas: 2 });
    expect(parseInputsText('in.yaml', 'replicas: 2\nhosts: [a, b]\n')).toEqual({
      replicas: 2,
      hosts: ['a', 'b'],
    });
    expect(parseInputsText('in.yml', '')).toEqual({});
  });

  it('must hold an object and parse, or it is a usage error naming the file', () => {
    for (const [file, text] of [
      ['in.json', '{'],
      ['in.yaml', '- a\n- b\n'],
    ] as const) {
      const err = usageErrorOf(() => parseInputsText(file, text));
      expect(err.exitCode).toBe(ExitCode.usage);
      expect(err.message).toContain(file);
    }
  });
});
