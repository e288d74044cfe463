/**
 * Incidents (`src/server/routes/incidents.ts`): open ones on the dashboard, a list filtered by
 * status, severity and site, and one incident with its alerts, timeline, notes, linked runs and
 * the acknowledge and resolve actions.
 */
import { useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query, type ApiError } from '../api/client.ts';
import { useSession } from '../auth/session.tsx';
import { Empty, ErrorBox, Json, label, Loading, StatusBadge, Time } from '../components/common.tsx';
import { asApiError, useApi, useNow } from '../hooks/use-api.ts';
import { Link, setParams, useLocation } from '../router.tsx';
import { listOf } from './generic.ts';

export { listOf };

/** `incidentView` of the server. */
export interface Incident {
  id: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  severity: string;
  title: string;
  site: string | null;
  resource: string | null;
  team: string | null;
  assignee: string | null;
  labels: Record<string, string>;
  source: string | null;
  opened_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  updated_at: string;
}

interface Alert {
  fingerprint: string;
  source: string;
  status: string;
  severity: string;
  summary: string;
  site: string | null;
  starts_at: string | null;
  last_seen_at: string | null;
  count: number;
}

interface TimelineEntry {
  id: number;
  at: string;
  type: string;
  actor: string | null;
  message: string | null;
  run_id: string | null;
}

interface LinkedRun {
  run_id: string;
  rule: string | null;
  runbook: string | null;
  status: string | null;
  linked_at: string;
}

interface IncidentDetail extends Incident {
  resources: string[];
  alerts: Alert[];
  timeline: TimelineEntry[];
  runs: LinkedRun[];
  related: { incidents: Incident[]; runs: LinkedRun[] };
}

const STATUSES = ['open', 'triggered', 'acknowledged', 'resolved'] as const;
const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
const pathOf = (id: string) => `/incidents/${encodeURIComponent(id)}`;

export function IncidentsList({ incidents, now }: { incidents: Incident[]; now: number }) {
  const { t } = useTranslation();
  if (incidents.length === 0) return <Empty>{t('incidents.none')}</Empty>;
  return (
    <table className="table">
      <caption className="visually-hidden">{t('incidents.title')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('incidents.summary')}</th>
          <th scope="col">{t('incidents.status')}</th>
          <th scope="col">{t('incidents.severity')}</th>
          <th scope="col">{t('incidents.site')}</th>
          <th scope="col">{t('incidents.opened')}</th>
        </tr>
      </thead>
      <tbody>
        {incidents.map((i) => (
          <tr key={i.id}>
            <td>
              <Link to={pathOf(i.id)}>{i.title}</Link>
            </td>
            <td>
              <StatusBadge status={i.status} />
            </td>
            <td>{i.severity}</td>
            <td>{i.site ?? '—'}</td>
            <td>
              <Time iso={i.opened_at} relative now={now} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function IncidentsPage() {
  const { t } = useTranslation();
  const { params } = useLocation();
  const now = useNow();
  const status = params.get('status') ?? '';
  const severity = params.get('severity') ?? '';
  const site = params.get('site') ?? '';
  const [siteText, setSiteText] = useState(site);
  const list = useApi<{ incidents: Incident[] }>(
    `/api/v1/incidents${query({ status, site, limit: 200 })}`,
    15_000,
  );
  // The API filters by status and site; severity is filtered here, over the page it answered.
  const shown = (list.data?.incidents ?? []).filter((i) => !severity || i.severity === severity);
  const filters = { status, severity, site };
  const submit = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    setParams({ ...filters, site: siteText.trim() });
  };
  return (
    <>
      <h1>{t('incidents.title')}</h1>
      <form className="filters" role="search" onSubmit={submit}>
        <div className="field">
          <label htmlFor="inc-status">{t('incidents.status')}</label>
          <select
            id="inc-status"
            value={status}
            onChange={(e) => setParams({ ...filters, status: e.target.value })}
          >
            <option value="">{t('common.any')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {label('status', s)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="inc-severity">{t('incidents.severity')}</label>
          <select
            id="inc-severity"
            value={severity}
            onChange={(e) => setParams({ ...filters, severity: e.target.value })}
          >
            <option value="">{t('common.any')}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="inc-site">{t('incidents.site')}</label>
          <input id="inc-site" type="search" value={siteText} onChange={(e) => setSiteText(e.target.value)} />
        </div>
        <button type="submit">{t('incidents.filter')}</button>
      </form>
      {list.error ? (
        <ErrorBox error={list.error} />
      ) : list.data === undefined ? (
        <Loading />
      ) : (
        <IncidentsList incidents={shown} now={now} />
      )}
    </>
  );
}

function Actions({ incident, onDone }: { incident: Incident; onDone: () => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (!can('incidents:write') || incident.status === 'resolved') return null;
  const act = async (action: 'ack' | 'resolve') => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/v1/incidents/${encodeURIComponent(incident.id)}/${action}`);
      onDone();
    } catch (err: unknown) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="run-actions">
      <div className="buttons">
        {incident.status === 'triggered' && (
          <button type="button" disabled={busy} onClick={() => void act('ack')}>
            {t('incidents.acknowledge')}
          </button>
        )}
        <button type="button" className="secondary" disabled={busy} onClick={() => void act('resolve')}>
          {t('incidents.resolve')}
        </button>
      </div>
      {error && <ErrorBox error={error} />}
    </div>
  );
}

function NoteForm({ id, onDone }: { id: string; onDone: () => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (!can('incidents:write')) return null;
  const submit = async (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!note.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/v1/incidents/${encodeURIComponent(id)}/notes`, { text: note });
      setNote('');
      onDone();
    } catch (err: unknown) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <div className="field">
        <label htmlFor="inc-note">{t('incidents.note')}</label>
        <textarea id="inc-note" rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      {error && <ErrorBox error={error} />}
      <button type="submit" disabled={busy || !note.trim()}>
        {t('incidents.addNote')}
      </button>
    </form>
  );
}

function RunsList({ runs }: { runs: LinkedRun[] }) {
  const { t } = useTranslation();
  if (runs.length === 0) return <Empty>{t('incidents.noRuns')}</Empty>;
  return (
    <ul>
      {runs.map((r) => (
        <li key={r.run_id}>
          <Link to={`/runs/${encodeURIComponent(r.run_id)}`}>{r.runbook ?? r.run_id}</Link>{' '}
          {r.status && <StatusBadge status={r.status} />}
          {r.rule && <span className="muted"> · {t('incidents.byRule', { rule: r.rule })}</span>}{' '}
          <Time iso={r.linked_at} />
        </li>
      ))}
    </ul>
  );
}

export function IncidentPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const inc = useApi<IncidentDetail>(`/api/v1/incidents/${encodeURIComponent(id)}`, 15_000);
  if (inc.error) return <ErrorBox error={inc.error} />;
  if (!inc.data) return <Loading />;
  const i = inc.data;
  return (
    <>
      <p>
        <Link to="/incidents">← {t('incidents.title')}</Link>
      </p>
      <div className="page-head">
        <div>
          <h1>
            {i.title} <StatusBadge status={i.status} />
          </h1>
          <p className="muted">
            {i.severity} · {t('incidents.site')}: {i.site ?? '—'} · {t('incidents.opened')}{' '}
            <Time iso={i.opened_at} />
            {i.acknowledged_by && <> · {t('incidents.acknowledgedBy', { who: i.acknowledged_by })}</>}
            {i.resolved_by && <> · {t('incidents.resolvedBy', { who: i.resolved_by })}</>}
            {i.team && <> · {t('incidents.team', { team: i.team })}</>}
          </p>
        </div>
        <Actions incident={i} onDone={inc.reload} />
      </div>
      <section className="panel" aria-labelledby="inc-alerts">
        <h2 id="inc-alerts">{t('incidents.alerts')}</h2>
        {i.alerts.length === 0 ? (
          <Empty>{t('common.none')}</Empty>
        ) : (
          <table className="table">
            <caption className="visually-hidden">{t('incidents.alerts')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('incidents.summary')}</th>
                <th scope="col">{t('incidents.status')}</th>
                <th scope="col">{t('incidents.severity')}</th>
                <th scope="col">{t('incidents.source')}</th>
                <th scope="col">{t('incidents.lastSeen')}</th>
                <th scope="col">{t('incidents.count')}</th>
              </tr>
            </thead>
            <tbody>
              {i.alerts.map((a) => (
                <tr key={`${a.source}/${a.fingerprint}`}>
                  <td>{a.summary}</td>
                  <td>{a.status}</td>
                  <td>{a.severity}</td>
                  <td className="mono">{a.source}</td>
                  <td>
                    <Time iso={a.last_seen_at} />
                  </td>
                  <td>{a.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <div className="two-columns">
        <section className="panel" aria-labelledby="inc-timeline">
          <h2 id="inc-timeline">{t('incidents.timeline')}</h2>
          <ol className="incident-timeline">
            {i.timeline.map((e) => (
              <li key={e.id} data-type={e.type}>
                <Time iso={e.at} timeOnly /> <span className="mono">{e.type}</span>
                {e.actor && <span className="muted"> · {e.actor}</span>}
                {e.message && <div>{e.message}</div>}
                {e.run_id && <Link to={`/runs/${encodeURIComponent(e.run_id)}`}>{t('incidents.run')}</Link>}
              </li>
            ))}
          </ol>
          <NoteForm id={i.id} onDone={inc.reload} />
        </section>
        <section className="panel" aria-labelledby="inc-runs">
          <h2 id="inc-runs">{t('incidents.runs')}</h2>
          <RunsList runs={i.runs} />
          <h2>{t('incidents.related')}</h2>
          {i.related.incidents.length === 0 ? (
            <Empty>{t('common.none')}</Empty>
          ) : (
            <ul>
              {i.related.incidents.map((r) => (
                <li key={r.id}>
                  <Link to={pathOf(r.id)}>{r.title}</Link> <StatusBadge status={r.status} />{' '}
                  <Time iso={r.opened_at} />
                </li>
              ))}
            </ul>
          )}
          <h2>{t('incidents.labels')}</h2>
          <Json value={i.labels} label={t('incidents.labels')} />
        </section>
      </div>
    </>
  );
}
