/**
 * What the catalog's runbooks need to talk back to Tandem from a step, kept as Tandem secrets
 * (the values never appear in a runbook, a log or an output):
 *
 * - `tandem_api_token`: an API token (admin scope) for the estate and incident APIs — recording
 *   "last verified restorable", marking a site degraded, noting and resolving incidents;
 * - `tandem_events_token`: the bearer of the event source `tandem-runbooks` (Alertmanager format),
 *   through which runbooks raise and clear alerts (an unverified backup older than its policy).
 *
 * Made once per server: a secret already set is kept, so `up` after `down` reuses it.
 */
import { randomBytes } from 'node:crypto';
import type { ApiClient } from '../src/cli/client.ts';

export const API_TOKEN_SECRET = 'tandem_api_token';
export const EVENTS_TOKEN_SECRET = 'tandem_events_token';
export const RUNBOOK_EVENT_SOURCE = 'tandem-runbooks';

async function secretNames(api: ApiClient): Promise<Set<string>> {
  const answer = (await api.get('/api/v1/secrets')) as { secrets: { name: string }[] };
  return new Set(answer.secrets.map((s) => s.name));
}

const setSecret = (api: ApiClient, name: string, value: string) =>
  api.request('PUT', `/api/v1/secrets/${name}`, { body: { value } });

export async function runbookCredentials(api: ApiClient): Promise<void> {
  const have = await secretNames(api);
  if (!have.has(API_TOKEN_SECRET)) {
    const issued = (await api.post('/api/v1/tokens', {
      name: `lab-runbooks-${Date.now()}`,
      scope: 'admin',
    })) as { token: string };
    await setSecret(api, API_TOKEN_SECRET, issued.token);
  }
  if (!have.has(EVENTS_TOKEN_SECRET)) {
    // The source's token is shown once: choose it here. A source left without its secret is made again.
    const token = randomBytes(24).toString('hex');
    const source = { name: RUNBOOK_EVENT_SOURCE, kind: 'alertmanager', token };
    try {
      await api.post('/api/v1/events/sources', source);
    } catch (err) {
      if ((err as { code?: string }).code !== 'conflict') throw err;
      await api.request('DELETE', `/api/v1/events/sources/${RUNBOOK_EVENT_SOURCE}`);
      await api.post('/api/v1/events/sources', source);
    }
    await setSecret(api, EVENTS_TOKEN_SECRET, token);
  }
}
