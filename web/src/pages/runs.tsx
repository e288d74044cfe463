/** Every run, newest first, filtered by status and runbook; older pages on demand. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../api/client.ts';
import { RUN_STATUSES, type RunbookSummary, type RunSummary } from '../api/types.ts';
import { Empty, ErrorBox, label, Loading } from '../components/common.tsx';
import { RunsTable } from '../components/runs-table.tsx';
import { asApiError, useApi, useNow } from '../hooks/use-api.ts';
import { setParams, useLocation } from '../router.tsx';
import type { ApiError } from '../api/client.ts';

interface Page {
  runs: RunSummary[];
  next_cursor: string | null;
}

const PAGE = 50;

export function RunsPage() {
  const { t } = useTranslation();
  const { params } = useLocation();
  const now = useNow(10_000);
  const status = params.get('status') ?? '';
  const runbook = params.get('runbook') ?? '';
  const filter = query({ status, runbook, limit: PAGE });
  const first = useApi<Page>(`/api/v1/runs${filter}`, 10_000);
  const runbooks = useApi<{ runbooks: RunbookSummary[] }>('/api/v1/runbooks');
  const [older, setOlder] = useState<RunSummary[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [moreError, setMoreError] = useState<ApiError | null>(null);

  // New filters start again from the first page.
  useEffect(() => {
    setOlder([]);
    setCursor(undefined);
  }, [filter]);

  const next = cursor === undefined ? first.data?.next_cursor : cursor;
  const loadMore = async () => {
    if (!next) return;
    try {
      const page = await api.get<Page>(
        `/api/v1/runs${query({ status, runbook, limit: PAGE, cursor: next })}`,
      );
      setOlder((o) => [...o, ...page.runs]);
      setCursor(page.next_cursor);
      setMoreError(null);
    } catch (err: unknown) {
      setMoreError(asApiError(err));
    }
  };
  const seen = new Set(first.data?.runs.map((r) => r.id));
  const runs = [...(first.data?.runs ?? []), ...older.filter((r) => !seen.has(r.id))];

  return (
    <>
      <h1>{t('runs.title')}</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={t('runs.filters')}>
        <div className="field">
          <label htmlFor="runs-status">{t('runs.status')}</label>
          <select
            id="runs-status"
            value={status}
            onChange={(e) => setParams({ status: e.target.value, runbook })}
          >
            <option value="">{t('common.any')}</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {label('status', s)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="runs-runbook">{t('runs.runbook')}</label>
          <select
            id="runs-runbook"
            value={runbook}
            onChange={(e) => setParams({ status, runbook: e.target.value })}
          >
            <option value="">{t('common.any')}</option>
            {(runbooks.data?.runbooks ?? []).map((r) => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
      </form>
      {first.error ? (
        <ErrorBox error={first.error} />
      ) : !first.data ? (
        <Loading />
      ) : runs.length === 0 ? (
        <Empty>{t('runs.none')}</Empty>
      ) : (
        <>
          <RunsTable runs={runs} caption={t('runs.title')} now={now} />
          {moreError && <ErrorBox error={moreError} />}
          {next && (
            <button type="button" className="secondary" onClick={() => void loadMore()}>
              {t('runs.more')}
            </button>
          )}
        </>
      )}
    </>
  );
}
