/**
 * Asking a Prometheus for a range of a query (`/api/v1/query_range`), in chunks Prometheus
 * accepts (at most 11,000 points a series), as [time ms, value] samples of one series.
 */
import { errorMessage, TandemError } from '../core/errors.ts';
import { rangeChunks } from '../core/slo/index.ts';

/** A query that takes longer than this is given up: the SLO shows the indicator's error. */
const TIMEOUT_MS = 15_000;

export type Sample = readonly [number, number];

interface PromAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; values?: [number, string][] }[] };
}

const SITE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The query for one site: `$site` becomes the site's name (write `site=~"$site"`), or `.+` (every
 * site) when no site is asked for.
 */
export function queryForSite(query: string, site: string | null): string {
  if (site !== null && !SITE.test(site))
    throw new TandemError('invalid_input', `"${site}" is not a site name`);
  return query.replaceAll('$site', site ?? '.+');
}

export const splitsBySite = (query: string): boolean => query.includes('$site');

/** Samples of the query over [from, to) every `stepMs`, aligned on the step. */
export async function queryRange(
  baseUrl: string,
  query: string,
  from: number,
  to: number,
  stepMs: number,
  o: { timeoutMs?: number; maxPoints?: number } = {},
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const [start, end] of rangeChunks(from, to, stepMs, o.maxPoints)) {
    // Both ends are evaluated: stop a millisecond short, so chunks do not share a point.
    const params = new URLSearchParams({
      query,
      start: String(start / 1000),
      end: String((end - 1) / 1000),
      step: String(stepMs / 1000),
    });
    const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/query_range?${params.toString()}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs ?? TIMEOUT_MS) });
    } catch (err: unknown) {
      throw new TandemError(
        'unavailable',
        `Prometheus at ${baseUrl} cannot be reached: ${errorMessage(err)}`,
        {
          cause: err,
          retryable: true,
        },
      );
    }
    let body: PromAnswer;
    try {
      body = (await res.json()) as PromAnswer;
    } catch {
      throw new TandemError(
        'unavailable',
        `Prometheus at ${baseUrl} answered HTTP ${res.status} without JSON`,
      );
    }
    if (body.status !== 'success')
      throw new TandemError(
        res.status === 400 || body.errorType === 'bad_data' ? 'invalid_input' : 'unavailable',
        `Prometheus refused the query: ${body.error ?? `HTTP ${res.status}`}`,
      );
    const result = body.data?.result ?? [];
    if (result.length > 1)
      throw new TandemError(
        'invalid_input',
        `the query gives ${result.length} series; an SLO needs one: aggregate it (e.g. max(…) or histogram_quantile(0.99, sum by (le) (…)))`,
      );
    for (const [t, v] of result[0]?.values ?? []) samples.push([Math.round(t * 1000), Number(v)]);
  }
  return samples;
}
