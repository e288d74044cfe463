/**
 * The knowledge base (`GET /api/v1/kb/search?q=`): run reports and incidents that match the
 * words, ranked, each with its snippet and the matched words marked, linking to the run or incident.
 */
import { useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { query } from '../api/client.ts';
import { Empty, ErrorBox, Loading, StatusBadge, Time } from '../components/common.tsx';
import { useApi } from '../hooks/use-api.ts';
import { Link, setParams, useLocation } from '../router.tsx';

interface Hit {
  kind: 'run' | 'incident';
  id: string;
  title: string;
  status: string | null;
  site: string | null;
  at: string;
  snippet: string;
  /** [start, end) of each matched word in `snippet`. */
  highlights: [number, number][];
}

/** The snippet with its highlights in <mark>. */
function Snippet({ text, highlights }: { text: string; highlights: [number, number][] }) {
  const parts = [];
  let at = 0;
  for (const [a, b] of [...highlights].sort((x, y) => x[0] - y[0])) {
    if (a < at) continue;
    if (a > at) parts.push(text.slice(at, a));
    parts.push(<mark key={a}>{text.slice(a, b)}</mark>);
    at = b;
  }
  parts.push(text.slice(at));
  return <p className="snippet">{parts}</p>;
}

export function SearchPage() {
  const { t } = useTranslation();
  const { params } = useLocation();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const result = useApi<{ results: Hit[] }>(q.trim() ? `/api/v1/kb/search${query({ q })}` : null);
  const submit = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    setParams({ q: text.trim() });
  };
  return (
    <>
      <h1>{t('search.title')}</h1>
      <form className="filters" role="search" onSubmit={submit}>
        <div className="field">
          <label htmlFor="kb-q">{t('search.query')}</label>
          <input
            id="kb-q"
            type="search"
            className="wide"
            value={text}
            aria-describedby="kb-q-hint"
            onChange={(e) => setText(e.target.value)}
          />
          <p id="kb-q-hint" className="hint">
            {t('search.hint')}
          </p>
        </div>
        <button type="submit">{t('search.submit')}</button>
      </form>
      {!q.trim() ? null : result.error ? (
        <ErrorBox error={result.error} />
      ) : !result.data ? (
        <Loading />
      ) : result.data.results.length === 0 ? (
        <Empty>{t('search.none')}</Empty>
      ) : (
        <ol className="search-results">
          {result.data.results.map((h) => (
            <li key={`${h.kind}/${h.id}`}>
              <span className="muted">{t(`search.kinds.${h.kind}`)}</span>{' '}
              <Link to={`/${h.kind === 'run' ? 'runs' : 'incidents'}/${encodeURIComponent(h.id)}`}>
                {h.title}
              </Link>{' '}
              {h.status && <StatusBadge status={h.status} />}{' '}
              {h.site && <span className="muted">{h.site}</span>} <Time iso={h.at} />
              <Snippet text={h.snippet} highlights={h.highlights} />
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
