/**
 * Reading Prometheus' answer to an instant query (`GET /api/v1/query`) as one measure. A policy
 * acts on one number: a query answering several series must aggregate them (`sum(...)`).
 */
import type { Observation } from './model.ts';

type Sample = [number, string];

interface QueryAnswer {
  status?: unknown;
  error?: unknown;
  errorType?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

const isSample = (v: unknown): v is Sample =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';

function numberOf(sample: Sample): Observation {
  const value = Number(sample[1]);
  if (Number.isNaN(value)) return { ok: false, error: 'the query answered NaN' };
  return { ok: true, value };
}

/** The measure in an answer's JSON body, or why there is none. */
export function readQueryAnswer(body: unknown): Observation {
  if (typeof body !== 'object' || body === null) return { ok: false, error: 'not a Prometheus answer' };
  const answer = body as QueryAnswer;
  if (answer.status !== 'success') {
    const why = typeof answer.error === 'string' ? answer.error : 'no reason given';
    const type = typeof answer.errorType === 'string' ? `${answer.errorType}: ` : '';
    return { ok: false, error: `Prometheus refused the query: ${type}${why}` };
  }
  const { resultType, result } = answer.data ?? {};
  if (resultType === 'scalar')
    return isSample(result) ? numberOf(result) : { ok: false, error: 'bad scalar' };
  if (resultType !== 'vector' || !Array.isArray(result))
    return { ok: false, error: `the query answers a ${String(resultType)}; it must answer one series` };
  if (result.length === 0) return { ok: false, error: 'the query answered no series (no data yet?)' };
  if (result.length > 1)
    return {
      ok: false,
      error: `the query answered ${result.length} series; aggregate them into one (sum, max, avg…)`,
    };
  const value = (result[0] as { value?: unknown }).value;
  return isSample(value) ? numberOf(value) : { ok: false, error: 'bad sample in the answer' };
}
