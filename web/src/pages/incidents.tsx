/** Incidents once the server has the incidents API: open ones on the dashboard, a filtered list, a detail. */
import { useTranslation } from 'react-i18next';
import { Empty, ErrorBox, Json, label, Loading, StatusBadge, Time } from '../components/common.tsx';
import { useApi, useNow } from '../hooks/use-api.ts';
import { Link, setParams, useLocation } from '../router.tsx';
import { listOf, text, type Item } from './generic.ts';

export type Incident = Item;
export { listOf };

const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;

const idOf = (i: Incident) => text(i, 'id');
const openedAt = (i: Incident) => text(i, 'opened_at', 'created_at', 'started_at') || null;

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
          <th scope="col">{t('incidents.opened')}</th>
        </tr>
      </thead>
      <tbody>
        {incidents.map((i) => (
          <tr key={idOf(i)}>
            <td>
              <Link to={`/incidents/${encodeURIComponent(idOf(i))}`}>
                {text(i, 'title', 'summary', 'id')}
              </Link>
              {text(i, 'site') && <span className="muted"> · {text(i, 'site')}</span>}
            </td>
            <td>
              <StatusBadge status={text(i, 'status')} />
            </td>
            <td>{text(i, 'severity')}</td>
            <td>
              <Time iso={openedAt(i)} relative now={now} />
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
  const q = params.get('q') ?? '';
  const list = useApi<unknown>('/api/v1/incidents', 15_000);
  const needle = q.trim().toLowerCase();
  const shown = listOf(list.data, 'incidents').filter(
    (i) =>
      (!status || text(i, 'status') === status) &&
      (!needle || JSON.stringify(i).toLowerCase().includes(needle)),
  );
  return (
    <>
      <h1>{t('incidents.title')}</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="inc-q">{t('incidents.search')}</label>
          <input
            id="inc-q"
            type="search"
            value={q}
            onChange={(e) => setParams({ status, q: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="inc-status">{t('incidents.status')}</label>
          <select id="inc-status" value={status} onChange={(e) => setParams({ q, status: e.target.value })}>
            <option value="">{t('common.any')}</option>
            {INCIDENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {label('status', s)}
              </option>
            ))}
          </select>
        </div>
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

export function IncidentPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const inc = useApi<Incident>(`/api/v1/incidents/${encodeURIComponent(id)}`, 15_000);
  if (inc.error) return <ErrorBox error={inc.error} />;
  if (!inc.data) return <Loading />;
  const { timeline, runs, alerts, ...rest } = inc.data;
  const linked = listOf(runs, 'runs');
  return (
    <>
      <p>
        <Link to="/incidents">← {t('incidents.title')}</Link>
      </p>
      <h1>{text(inc.data, 'title', 'summary', 'id')}</h1>
      <p>
        <StatusBadge status={text(inc.data, 'status')} /> {text(inc.data, 'severity')} ·{' '}
        <Time iso={openedAt(inc.data)} />
      </p>
      <div className="two-columns">
        <section className="panel" aria-labelledby="inc-timeline">
          <h2 id="inc-timeline">{t('incidents.timeline')}</h2>
          <Json value={timeline} label={t('incidents.timeline')} />
          <h2>{t('incidents.alerts')}</h2>
          <Json value={alerts} label={t('incidents.alerts')} />
        </section>
        <section className="panel" aria-labelledby="inc-runs">
          <h2 id="inc-runs">{t('incidents.runs')}</h2>
          {linked.length === 0 ? (
            <Empty>{t('incidents.noRuns')}</Empty>
          ) : (
            <ul>
              {linked.map((r) => (
                <li key={text(r, 'id', 'run_id')}>
                  <Link to={`/runs/${text(r, 'id', 'run_id')}`}>{text(r, 'runbook', 'id', 'run_id')}</Link>
                </li>
              ))}
            </ul>
          )}
          <h2>{t('incidents.details')}</h2>
          <Json value={rest} label={t('incidents.details')} />
        </section>
      </div>
    </>
  );
}
