/** The runbook catalog: search by name and title, filter by label. */
import { useTranslation } from 'react-i18next';
import type { RunbookSummary } from '../api/types.ts';
import { Empty, ErrorBox, Labels, Loading, Time } from '../components/common.tsx';
import { useApi } from '../hooks/use-api.ts';
import { Link, setParams, useLocation } from '../router.tsx';

export function RunbooksPage() {
  const { t } = useTranslation();
  const { params } = useLocation();
  const q = params.get('q') ?? '';
  const label = params.get('label') ?? '';
  const list = useApi<{ runbooks: RunbookSummary[] }>('/api/v1/runbooks');
  const runbooks = list.data?.runbooks ?? [];
  const labels = [
    ...new Set(runbooks.flatMap((r) => Object.entries(r.labels).map(([k, v]) => `${k}=${v}`))),
  ].sort();
  const needle = q.trim().toLowerCase();
  const shown = runbooks.filter(
    (r) =>
      (!needle || r.name.toLowerCase().includes(needle) || (r.title ?? '').toLowerCase().includes(needle)) &&
      (!label || Object.entries(r.labels).some(([k, v]) => `${k}=${v}` === label)),
  );
  return (
    <>
      <h1>{t('runbooks.title')}</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="rb-search">{t('runbooks.search')}</label>
          <input
            id="rb-search"
            type="search"
            value={q}
            placeholder={t('runbooks.searchHint')}
            onChange={(e) => setParams({ q: e.target.value, label })}
          />
        </div>
        <div className="field">
          <label htmlFor="rb-label">{t('runbooks.label')}</label>
          <select id="rb-label" value={label} onChange={(e) => setParams({ q, label: e.target.value })}>
            <option value="">{t('common.any')}</option>
            {labels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
      </form>
      {list.error ? (
        <ErrorBox error={list.error} />
      ) : !list.data ? (
        <Loading />
      ) : shown.length === 0 ? (
        <Empty>{runbooks.length === 0 ? t('runbooks.none') : t('runbooks.noMatch')}</Empty>
      ) : (
        <ul className="cards" aria-label={t('runbooks.title')}>
          {shown.map((r) => (
            <li key={r.name} className="card">
              <h2>
                <Link to={`/runbooks/${encodeURIComponent(r.name)}`}>{r.title ?? r.name}</Link>
              </h2>
              <p className="mono muted">
                {r.name} · v{r.version}
              </p>
              <Labels labels={r.labels} />
              <p className="muted small">
                {t('runbooks.updated')} <Time iso={r.created_at} /> · {r.created_by}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
