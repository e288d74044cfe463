import { describe, expect, it } from 'vitest';
import { isTandemError, type ErrorDetail } from '../../src/core/errors.ts';
import { parseRunbook } from '../../src/core/runbook/index.ts';
import { renderStep, runbookOf } from './render-step.ts';

function problems(step: Record<string, unknown>, inputs: Record<string, unknown> = {}): ErrorDetail[] {
  try {
    parseRunbook(runbookOf(step, inputs));
  } catch (err: unknown) {
    if (isTandemError(err, 'invalid_runbook')) return err.details;
    throw err;
  }
  throw new Error('expected the runbook to be rejected, but it parsed');
}

const login = { hosts: ['10.0.0.5'], user: 'deploy', key: 'k' };

describe('ssh, ansible and probe bodies', () => {
  it('an ssh step needs exactly one of command and upload', () => {
    expect(problems({ ssh: login })).toContainEqual(
      expect.objectContaining({ path: 'spec.steps[0].ssh', message: 'ssh needs one of command or upload' }),
    );
    const both = { ssh: { ...login, command: 'true', upload: { content: 'x', path: '/tmp/x' } } };
    expect(problems(both)).toContainEqual(
      expect.objectContaining({
        path: 'spec.steps[0].ssh.upload',
        message: 'ssh has both command and upload; give exactly one',
      }),
    );
  });

  it('unknown fields of the new bodies are rejected with a suggestion', () => {
    expect(problems({ ssh: { ...login, commmand: 'true' } })).toContainEqual(
      expect.objectContaining({
        path: 'spec.steps[0].ssh.commmand',
        message: 'unknown field "commmand"; did you mean "command"?',
      }),
    );
    expect(problems({ probe: { tcp: { host: 'h', port: 1, proto: 'udp' } } })[0]?.path).toBe(
      'spec.steps[0].probe.tcp.proto',
    );
  });

  it('ssh, ansible and probe are step bodies: one of them with another body is rejected', () => {
    expect(problems({ shell: 'ls', probe: { tcp: { host: 'h', port: 1 } } })).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/has both shell and probe/) }),
    );
  });

  it('a probe needs exactly one of http and tcp', () => {
    const both = { probe: { http: { url: 'http://x' }, tcp: { host: 'h', port: 1 } } };
    expect(problems(both)).toContainEqual(
      expect.objectContaining({ message: 'probe has both http and tcp; give exactly one' }),
    );
  });

  it('an upload mode must be a quoted octal mode', () => {
    const step = { ssh: { ...login, upload: { content: 'x', path: '/x', mode: 644 } } };
    expect(problems(step)[0]?.path).toBe('spec.steps[0].ssh.upload.mode');
  });

  it('an ansible step needs one playbook, and an inline playbook is not a template', () => {
    expect(problems({ ansible: login })).toContainEqual(
      expect.objectContaining({ message: 'ansible needs one of playbook or playbook_file' }),
    );
    const templated = { ansible: { ...login, playbook: '- hosts: all\n  vars: { v: "${{ inputs.v }}" }\n' } };
    expect(problems(templated, { v: 'x' })).toContainEqual(
      expect.objectContaining({
        path: 'spec.steps[0].ansible.playbook',
        message: expect.stringMatching(/extra_vars/),
      }),
    );
  });

  it('expressions in the new fields are checked like any other', () => {
    const found = problems({
      ssh: { ...login, user: '${{ inputs.usr }}', command: 'true' },
    });
    expect(found).toContainEqual(
      expect.objectContaining({
        path: 'spec.steps[0].ssh.user',
        message: expect.stringMatching(/inputs\.usr is not declared/),
      }),
    );
    expect(
      problems({
        ansible: { ...login, playbook_file: 'x', extra_vars: { a: ['${{ steps.nope.outputs.x }}'] } },
      }),
    ).toContainEqual(expect.objectContaining({ path: 'spec.steps[0].ansible.extra_vars.a[0]' }));
  });
});

describe('rendering ssh hosts', () => {
  it('hosts may mix a list, an expression giving a list, ports and bracketed IPv6', () => {
    const action = renderStep(
      {
        ssh: {
          hosts: ['db-1', '${{ inputs.more }}', '[fe80::1]:2222', 'fe80::2'],
          user: 'u',
          key: 'k',
          port: 2200,
          command: 'true',
        },
      },
      { inputs: { more: ['10.0.0.5:22', 'db-1'] } },
    );
    expect('hosts' in action && action.hosts).toEqual([
      { host: 'db-1', port: 2200 },
      { host: '10.0.0.5', port: 22 },
      { host: 'fe80::1', port: 2222 },
      { host: 'fe80::2', port: 2200 },
    ]);
  });

  it('a host that is not host[:port] fails the render with the host named', () => {
    expect(() =>
      renderStep(
        { ssh: { hosts: ['${{ inputs.h }}'], user: 'u', key: 'k', command: 'true' } },
        { inputs: { h: '-oProxyCommand=x' } },
      ),
    ).toThrow('hosts: "-oProxyCommand=x" is not host[:port]');
  });

  it('the ssh command is rendered like a shell line, with the known hosts left for the server', () => {
    const action = renderStep(
      { ssh: { ...login, command: 'systemctl restart ${{ inputs.svc }}' } },
      { inputs: { svc: "a'b c" } },
    );
    expect(action).toMatchObject({
      kind: 'ssh',
      command: "systemctl restart 'a'\\''b c'",
      knownHosts: [],
      site: 'local',
    });
  });
});
