/** A table of runs: id, runbook, status, who started it, when, for how long. */
import { useTranslation } from 'react-i18next';
import type { RunSummary } from '../api/types.ts';
import { Link } from '../router.tsx';
import { Elapsed, shortId, StatusBadge, Time } from './common.tsx';

export function RunsTable({ runs, caption, now }: { runs: RunSummary[]; caption: string; now: number }) {
  const { t } = useTranslation();
  return (
    <table className="table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('runs.run')}</th>
          <th scope="col">{t('runs.runbook')}</th>
          <th scope="col">{t('runs.status')}</th>
          <th scope="col">{t('runs.startedBy')}</th>
          <th scope="col">{t('runs.created')}</th>
          <th scope="col">{t('runs.duration')}</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id}>
            <td>
              <Link
                to={`/runs/${r.id}`}
                className="mono"
                aria-label={t('runs.open', { runbook: r.runbook, id: shortId(r.id) })}
              >
                {shortId(r.id)}
              </Link>
            </td>
            <td>
              {r.runbook} <span className="muted">v{r.version}</span>
            </td>
            <td>
              <StatusBadge status={r.status} />
            </td>
            <td>{r.created_by}</td>
            <td>
              <Time iso={r.created_at} relative now={now} />
            </td>
            <td>
              <Elapsed start={r.started_at} end={r.finished_at} now={now} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
