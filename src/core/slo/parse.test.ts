import { describe, expect, it } from 'vitest';
import { isTandemError } from '../errors.ts';
import { parseSlo } from './parse.ts';

const GOOD = `apiVersion: tandem/v1
kind: SLO
metadata:
  name: shop-availability
  title: The shop answers
spec:
  service: shop
  objective: 99.9
  availability:
    sites: [idc-shanghai, cloud-hangzhou]
  latency:
    objective: 99
    query: max(shop_latency_seconds{site=~"$site"})
    threshold: 0.3
    step: 30s
`;

function problems(text: string) {
  try {
    parseSlo(text);
  } catch (err: unknown) {
    if (isTandemError(err, 'invalid_input')) return err.details;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('parsing an SLO', () => {
  it('takes objectives in percent, a 30-day window by default, and each indicator with its own objective', () => {
    const slo = parseSlo(GOOD);
    expect(slo).toMatchObject({
      name: 'shop-availability',
      title: 'The shop answers',
      service: 'shop',
      objective: 0.999,
      window: '30d',
      windowMs: 30 * 86_400_000,
    });
    expect(slo.indicators).toEqual([
      { kind: 'availability', objective: 0.999, probes: null, sites: ['idc-shanghai', 'cloud-hangzhou'] },
      {
        kind: 'latency',
        objective: 0.99,
        prometheus: null,
        query: 'max(shop_latency_seconds{site=~"$site"})',
        threshold: 0.3,
        stepMs: 30_000,
      },
    ]);
  });

  it('refuses with every problem, its line and column', () => {
    const details = problems(`apiVersion: tandem/v1
kind: SLO
metadata: { name: Bad Name }
spec:
  service: shop
  objective: 100
  window: 10m
`);
    const byPath = Object.fromEntries(details.map((d) => [d.path, d]));
    expect(byPath['metadata.name']).toMatchObject({ line: 3 });
    expect(byPath['spec.objective']?.message).toMatch(/less than 100/);
    expect(details.some((d) => d.path === 'spec' && /availability, latency or both/.test(d.message))).toBe(
      true,
    );
    expect(details.some((d) => d.path === 'spec.window' && /between 1h and 400d/.test(d.message))).toBe(true);
  });

  it('refuses a latency indicator without a query or threshold, and an empty file', () => {
    const details = problems(`apiVersion: tandem/v1
kind: SLO
metadata: { name: x }
spec:
  service: shop
  objective: 99
  latency: { step: 1m, prometheus: 'ftp://example' }
`);
    expect(details.map((d) => d.path).sort()).toEqual(
      ['spec.latency.prometheus', 'spec.latency.query', 'spec.latency.threshold'].sort(),
    );
    expect(problems('')[0]?.message).toMatch(/empty/);
  });
});
