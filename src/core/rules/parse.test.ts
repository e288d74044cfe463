import { describe, expect, it } from 'vitest';
import { isTandemError, type ErrorDetail } from '../errors.ts';
import { parseRule } from './parse.ts';
import { DEFAULT_REQUIRE_APPROVAL_WHEN } from './model.ts';

function problems(text: string): ErrorDetail[] {
  try {
    parseRule(text);
  } catch (err: unknown) {
    if (isTandemError(err, 'invalid_input')) return err.details;
    throw err;
  }
  throw new Error('expected the rule to be refused');
}

const rule = (spec: string) => `apiVersion: tandem/v1
kind: Rule
metadata:
  name: restart-web
spec:
${spec}`;

describe('rule documents', () => {
  it('parse with the guard-rails defaulted: maintenance and freezes respected, approval in prod', () => {
    const r = parseRule(
      rule(`  match: event.status == "firing" && event.labels.alertname == "WebDown"
  runbook: restart-service
  inputs:
    host: \${{ event.labels.instance }}
    port: 8080
`),
    );
    expect(r.metadata.name).toBe('restart-web');
    expect(r.spec).toMatchObject({
      enabled: true,
      runbook: 'restart-service',
      inputs: { host: '${{ event.labels.instance }}', port: 8080 },
      skip_during_maintenance: true,
      skip_during_freeze: true,
      require_approval_when: DEFAULT_REQUIRE_APPROVAL_WHEN,
      dry_run: false,
      approval: { quorum: 1, timeout: '1h' },
    });
    expect(r.spec.cooldown).toBeUndefined();
  });

  it('accept match written as one ${{ }} as well as bare CEL', () => {
    expect(
      parseRule(rule('  match: ${{ event.severity == "critical" }}\n  runbook: x\n')).spec.match,
    ).toContain('critical');
  });

  it('report a syntax error in match at its line and column', () => {
    expect(problems(rule('  match: event.status == \n  runbook: x\n'))).toEqual([
      expect.objectContaining({
        path: 'spec.match',
        line: 6,
        message: expect.stringContaining('invalid expression'),
      }),
    ]);
  });

  it('report a variable the rule cannot see, pointing at it', () => {
    const [p] = problems(rule('  match: evnt.status == "firing"\n  runbook: x\n'));
    expect(p).toMatchObject({ path: 'spec.match', line: 6, column: 10 });
    expect(p?.message).toMatch(/unknown variable "evnt".*event, incident, resource/);
  });

  it('let comprehension variables through', () => {
    expect(() =>
      parseRule(rule('  match: event.labels.exists(k, k == "team")\n  runbook: x\n')),
    ).not.toThrow();
  });

  it('check expressions inside nested inputs with the column inside the string', () => {
    const [p] = problems(
      rule(`  match: "true"
  runbook: x
  inputs:
    hosts: ["\${{ event.labels.host }}", "\${{ nope.x }}"]
`),
    );
    expect(p).toMatchObject({ path: 'spec.inputs.hosts[1]', line: 9, column: 46 });
    expect(p?.message).toContain('unknown variable "nope"');
  });

  it('list every schema problem at once: unknown fields, bad durations, bad limits', () => {
    const found = problems(
      rule(`  match: "true"
  runbook: x
  cooldwn: 5m
  rate_limit: { count: 0, per: soon }
`),
    );
    expect(found.map((p) => p.path).sort()).toEqual([
      'spec.cooldwn',
      'spec.rate_limit.count',
      'spec.rate_limit.per',
    ]);
    expect(found.find((p) => p.path === 'spec.cooldwn')?.message).toContain('did you mean "cooldown"');
    expect(found.find((p) => p.path === 'spec.rate_limit.per')?.message).toContain('not a duration');
  });

  it('refuse another kind and a name that is not a name', () => {
    const found = problems(`apiVersion: tandem/v1
kind: Runbook
metadata: { name: "Restart Web" }
spec: { match: "true", runbook: x }
`);
    expect(found.map((p) => p.path).sort()).toEqual(['kind', 'metadata.name']);
  });

  it('refuse a require_approval_when that does not compile', () => {
    expect(
      problems(rule('  match: "true"\n  runbook: x\n  require_approval_when: resource.labels.env ==\n')),
    ).toEqual([expect.objectContaining({ path: 'spec.require_approval_when', line: 8 })]);
  });
});
