/** Reading a policy's measure: one instant query to Prometheus' HTTP API. */
import { errorMessage } from '../core/errors.ts';
import { readQueryAnswer, type Observation } from '../core/scaling/index.ts';

/** Reads the measure of a query; never throws (a failure is an observation without a value). */
export type MeasureReader = (prometheus: string, query: string, signal: AbortSignal) => Promise<Observation>;

/** 5 s: a Prometheus slower than that to answer one instant query is not one to scale on. */
export const QUERY_TIMEOUT_MS = 5_000;

export const queryPrometheus: MeasureReader = async (prometheus, query, signal) => {
  const url = new URL('api/v1/query', prometheus.endsWith('/') ? prometheus : `${prometheus}/`);
  url.searchParams.set('query', query);
  try {
    const res = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(QUERY_TIMEOUT_MS)]),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, error: `Prometheus answered ${res.status} without JSON: ${text.slice(0, 200)}` };
    }
    return readQueryAnswer(body);
  } catch (err: unknown) {
    return { ok: false, error: `Prometheus at ${prometheus} did not answer: ${errorMessage(err)}` };
  }
};
