/** What an on-call engineer looks at first: what runs, what waits for people, what failed, who is online. */
import { useTranslation } from 'react-i18next';
import type { ReactNode } from 'react';
import type { Agent, RunSummary, Site, Task } from '../api/types.ts';
import { useSession } from '../auth/session.tsx';
import { Empty, ErrorBox, Loading } from '../components/common.tsx';
import { RunsTable } from '../components/runs-table.tsx';
import { TasksTable } from '../components/tasks-table.tsx';
import { useApi, useNow, type ApiState } from '../hooks/use-api.ts';
import { Link } from '../router.tsx';
import { IncidentsList, listOf, type Incident } from './incidents.tsx';

/** The dashboard reads again every 10 s: fresh enough to glance at, one query per panel. */
const REFRESH_MS = 10_000;
const DAY_MS = 24 * 3600_000;

function Panel<T>({
  id,
  title,
  state,
  more,
  children,
}: {
  id: string;
  title: string;
  state: ApiState<T>;
  more?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby={id}>
      <div className="panel-head">
        <h2 id={id}>{title}</h2>
        {more}
      </div>
      {state.error ? (
        <ErrorBox error={state.error} />
      ) : state.data === undefined ? (
        <Loading />
      ) : (
        children(state.data)
      )}
    </section>
  );
}

export function DashboardPage() {
  const { t } = useTranslation();
  const { features } = useSession();
  const now = useNow(REFRESH_MS);
  const active = useApi<{ runs: RunSummary[] }>(
    '/api/v1/runs?status=pending,running,paused&limit=20',
    REFRESH_MS,
  );
  const waiting = useApi<{ runs: RunSummary[] }>('/api/v1/runs?status=waiting&limit=20', REFRESH_MS);
  const failed = useApi<{ runs: RunSummary[] }>('/api/v1/runs?status=failed&limit=100', REFRESH_MS);
  const inbox = useApi<{ tasks: Task[] }>('/api/v1/inbox', REFRESH_MS);
  const sites = useApi<{ sites: Site[] }>('/api/v1/sites', REFRESH_MS * 3);
  const agents = useApi<{ agents: Agent[] }>('/api/v1/agents', REFRESH_MS * 3);
  const incidents = useApi<unknown>(features.incidents ? '/api/v1/incidents?status=open' : null, REFRESH_MS);

  return (
    <>
      <h1>{t('dashboard.title')}</h1>
      <div className="dashboard">
        <Panel
          id="p-active"
          title={t('dashboard.active')}
          state={active}
          more={<Link to="/runs?status=running">{t('common.all')}</Link>}
        >
          {(d) =>
            d.runs.length === 0 ? (
              <Empty>{t('dashboard.noActive')}</Empty>
            ) : (
              <RunsTable runs={d.runs} caption={t('dashboard.active')} now={now} />
            )
          }
        </Panel>
        <Panel
          id="p-waiting"
          title={t('dashboard.waiting')}
          state={waiting}
          more={<Link to="/runs?status=waiting">{t('common.all')}</Link>}
        >
          {(d) =>
            d.runs.length === 0 ? (
              <Empty>{t('dashboard.noWaiting')}</Empty>
            ) : (
              <RunsTable runs={d.runs} caption={t('dashboard.waiting')} now={now} />
            )
          }
        </Panel>
        <Panel
          id="p-failed"
          title={t('dashboard.failed')}
          state={failed}
          more={<Link to="/runs?status=failed">{t('common.all')}</Link>}
        >
          {(d) => {
            const recent = d.runs.filter(
              (r) => now - new Date(r.finished_at ?? r.created_at).getTime() < DAY_MS,
            );
            return recent.length === 0 ? (
              <Empty>{t('dashboard.noFailed')}</Empty>
            ) : (
              <RunsTable runs={recent} caption={t('dashboard.failed')} now={now} />
            );
          }}
        </Panel>
        <Panel
          id="p-inbox"
          title={t('dashboard.inbox')}
          state={inbox}
          more={<Link to="/inbox">{t('common.all')}</Link>}
        >
          {(d) =>
            d.tasks.length === 0 ? (
              <Empty>{t('inbox.empty')}</Empty>
            ) : (
              <TasksTable tasks={d.tasks.slice(0, 5)} caption={t('dashboard.inbox')} now={now} compact />
            )
          }
        </Panel>
        <Panel id="p-sites" title={t('dashboard.sites')} state={sites}>
          {(d) => <SitesList sites={d.sites} agents={agents.data?.agents ?? []} />}
        </Panel>
        <section className="panel" aria-labelledby="p-incidents">
          <div className="panel-head">
            <h2 id="p-incidents">{t('dashboard.incidents')}</h2>
            {features.incidents && <Link to="/incidents">{t('common.all')}</Link>}
          </div>
          {!features.incidents ? (
            <Empty>{t('dashboard.incidentsUnavailable')}</Empty>
          ) : incidents.error ? (
            <ErrorBox error={incidents.error} />
          ) : incidents.data === undefined ? (
            <Loading />
          ) : (
            <IncidentsList incidents={listOf<Incident>(incidents.data, 'incidents').slice(0, 5)} now={now} />
          )}
        </section>
      </div>
    </>
  );
}

function SitesList({ sites, agents }: { sites: Site[]; agents: Agent[] }) {
  const { t } = useTranslation();
  // The server's embedded agent serves site `local`, which has no site record of its own.
  const names = [...new Set([...sites.map((s) => s.name), ...agents.map((a) => a.site)])].sort();
  if (names.length === 0) return <Empty>{t('dashboard.noSites')}</Empty>;
  return (
    <table className="table">
      <caption className="visually-hidden">{t('dashboard.sites')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('sites.site')}</th>
          <th scope="col">{t('sites.kind')}</th>
          <th scope="col">{t('sites.online')}</th>
          <th scope="col">{t('sites.offline')}</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => {
          const s = sites.find((x) => x.name === name);
          const mine = agents.filter((a) => a.site === name && a.state !== 'revoked');
          const online = mine.filter((a) => a.state === 'online' || a.state === 'draining').length;
          const offline = mine.length - online;
          return (
            <tr key={name}>
              <td>
                {name}
                {s?.region && <span className="muted"> · {s.region}</span>}
              </td>
              <td>{s?.kind ?? '—'}</td>
              <td>
                <span className={online > 0 ? 'dot dot-ok' : 'dot'} aria-hidden="true" /> {online}
              </td>
              <td>
                <span className={offline > 0 ? 'dot dot-bad' : 'dot'} aria-hidden="true" /> {offline}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
