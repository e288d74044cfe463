import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { apiError, headline } from '../../src/cli/client.ts';
import { describeError, ExitCode, exitCodeForStatus, toCliError } from '../../src/cli/errors.ts';

describe('exit codes', () => {
  it.each([
    [400, ExitCode.usage],
    [413, ExitCode.usage],
    [401, ExitCode.auth],
    [403, ExitCode.auth],
    [404, ExitCode.notFound],
    [409, ExitCode.conflict],
    [500, ExitCode.failed],
    [503, ExitCode.failed],
  ])('an HTTP %i answer exits with %i', (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
    expect(apiError(status, {}).exitCode).toBe(code);
  });

  it('help and version exit 0 and any other command-line mistake exits 2', () => {
    expect(toCliError(new CommanderError(0, 'commander.helpDisplayed', '')).exitCode).toBe(ExitCode.ok);
    expect(toCliError(new CommanderError(1, 'commander.unknownOption', 'x')).exitCode).toBe(ExitCode.usage);
  });

  it('an unexpected error is an operation failure', () => {
    expect(toCliError(new Error('boom')).exitCode).toBe(ExitCode.failed);
    expect(toCliError('boom').message).toBe('boom');
  });
});

describe('error answers', () => {
  const invalidRunbook = {
    error: {
      code: 'invalid_runbook',
      message:
        'invalid runbook (2 problems):\n  line 4, column 9: metadata.name: bad\n  spec.steps: required',
      details: [
        { path: 'metadata.name', message: 'bad', line: 4, column: 9 },
        { path: 'spec.steps', message: 'required' },
      ],
    },
  };

  it('list each detail once, with its line and column', () => {
    const err = apiError(400, invalidRunbook);
    expect(err.code).toBe('invalid_runbook');
    expect(describeError(err)).toBe(
      'invalid runbook (2 problems)\n  metadata.name (line 4, col 9): bad\n  spec.steps: required',
    );
  });

  it('drop a summary of the details from a one-line message', () => {
    const details = [{ path: 'inputs.nope', message: 'unknown input' }];
    expect(headline('invalid inputs: inputs.nope: unknown input', details)).toBe('invalid inputs');
    expect(headline('inputs.nope: unknown input', details)).toBe('invalid request');
  });

  it('say what to do about a missing token', () => {
    const err = apiError(401, {
      error: { code: 'unauthorized', message: 'missing bearer token', details: [] },
    });
    expect(err.exitCode).toBe(ExitCode.auth);
    expect(err.message).toContain('TANDEM_TOKEN');
  });

  it('that are not JSON still name the status', () => {
    expect(apiError(502, 'Bad Gateway').message).toBe('the server answered HTTP 502: Bad Gateway');
  });
});
