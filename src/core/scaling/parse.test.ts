import { describe, expect, it } from 'vitest';
import { isTandemError, type TandemError } from '../errors.ts';
import { readQueryAnswer } from './prometheus-result.ts';
import { parseScalingPolicy } from './parse.ts';
import { actionInputs, scalingContext } from './context.ts';

const policy = (spec: string) => `apiVersion: tandem/v1
kind: ScalingPolicy
metadata: { name: web-burst }
spec:
  prometheus: http://10.77.0.1:9090
  query: sum(rate(haproxy_backend_http_requests_total{proxy="web"}[20s]))
${spec}`;

const VALID = `  scale_out_above: 20
  scale_in_below: 5
  max: 4
  burst_site: cloud-hangzhou
  scale_out: { runbook: burst-scale-out }
  scale_in: { runbook: scale-in, inputs: { site: "\${{ scaling.burst_site }}", keep: "\${{ scaling.target }}" } }
`;

function problemsOf(text: string): TandemError {
  try {
    parseScalingPolicy(text);
  } catch (err: unknown) {
    if (isTandemError(err)) return err;
    throw err;
  }
  throw new Error('expected the policy to be refused');
}

describe('reading a scaling policy', () => {
  it('applies the defaults: for, cooldown, interval, min, and the burst site as the input `site`', () => {
    const p = parseScalingPolicy(policy(VALID));
    expect(p.spec).toMatchObject({
      for: '30s',
      cooldown: '2m',
      interval: '10s',
      min: 0,
      max: 4,
      enabled: true,
    });
    expect(p.spec.scale_out.inputs).toEqual({ site: '${{ scaling.burst_site }}' });
    const ctx = scalingContext(p, 'scale_in', 2, 1.5);
    expect(actionInputs(p, ctx)).toEqual({ site: 'cloud-hangzhou', keep: 1 });
  });

  it('refuses thresholds without a band between them, min above max, and a too-short interval, with lines', () => {
    const err = problemsOf(
      policy(`  scale_out_above: 5
  scale_in_below: 5
  min: 3
  max: 2
  interval: 500ms
  burst_site: cloud-hangzhou
  scale_out: {}
  scale_in: {}
`),
    );
    expect(err.code).toBe('invalid_input');
    expect(err.details).toEqual([
      expect.objectContaining({
        path: 'spec.scale_in_below',
        line: 8,
        message: expect.stringMatching(/less than scale_out_above/),
      }),
      expect.objectContaining({ path: 'spec.min', line: 9 }),
      expect.objectContaining({ path: 'spec.interval', line: 11 }),
    ]);
  });

  it('points at unknown fields, wrong types and templates reading other variables', () => {
    const err = problemsOf(
      policy(`  scale_out_above: high
  scale_in_below: 5
  max: 4
  burst_site: cloud-hangzhou
  cooldwn: 1m
  scale_out: { inputs: { n: "\${{ event.labels }}" } }
  scale_in: {}
`),
    );
    const paths = err.details.map((d) => d.path);
    expect(paths).toContain('spec.scale_out_above');
    expect(paths).toContain('spec.cooldwn');
    expect(err.details.find((d) => d.path === 'spec.scale_out_above')?.line).toBe(7);
    expect(err.message).toMatch(/cooldwn/);
  });

  it('checks the templates of the inputs once the schema holds', () => {
    const err = problemsOf(
      policy(`  scale_out_above: 20
  scale_in_below: 5
  max: 4
  burst_site: cloud-hangzhou
  scale_out: { inputs: { n: "\${{ event.labels }}" } }
  scale_in: {}
`),
    );
    expect(err.details).toEqual([
      expect.objectContaining({
        path: 'spec.scale_out.inputs.n',
        line: 11,
        message: expect.stringMatching(/unknown variable "event"/),
      }),
    ]);
  });

  it('refuses a Prometheus address that is not http(s)', () => {
    const err = problemsOf(policy(VALID).replace('http://10.77.0.1:9090', 'ftp://x'));
    expect(err.details.map((d) => d.path)).toEqual(['spec.prometheus']);
  });
});

describe("reading Prometheus' answer", () => {
  it('takes the one series of a vector, or a scalar', () => {
    expect(
      readQueryAnswer({
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, value: [1, '57.5'] }] },
      }),
    ).toEqual({ ok: true, value: 57.5 });
    expect(readQueryAnswer({ status: 'success', data: { resultType: 'scalar', result: [1, '3'] } })).toEqual({
      ok: true,
      value: 3,
    });
  });

  it('says why there is no measure: no series, several, NaN, a refused query', () => {
    const vector = (result: unknown[]) => ({ status: 'success', data: { resultType: 'vector', result } });
    expect(readQueryAnswer(vector([]))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/no series/),
    });
    const two = vector([{ value: [1, '1'] }, { value: [1, '2'] }]);
    expect(readQueryAnswer(two)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/2 series; aggregate/),
    });
    expect(readQueryAnswer(vector([{ value: [1, 'NaN'] }]))).toMatchObject({ ok: false });
    expect(readQueryAnswer({ status: 'error', errorType: 'bad_data', error: 'parse error' })).toEqual({
      ok: false,
      error: 'Prometheus refused the query: bad_data: parse error',
    });
  });
});
