/**
 * The estate: resources of every site, picked by a selector (`kind=database,site=idc-sh,env=prod`),
 * and one resource with its properties, facts, relations both ways and recent changes.
 */
import { useEffect, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query, type ApiError } from '../api/client.ts';
import { Empty, ErrorBox, Json, label, Labels, Loading, Time } from '../components/common.tsx';
import { asApiError, useApi } from '../hooks/use-api.ts';
import { Link, setParams, useLocation } from '../router.tsx';

interface Relation {
  type: string;
  kind: string;
  name: string;
  exists?: boolean;
}

interface Resource {
  kind: string;
  name: string;
  site: string | null;
  labels: Record<string, string>;
  properties: Record<string, unknown>;
  facts: Record<string, unknown> | null;
  source: string;
  relations: Relation[];
  incoming?: Relation[];
  created_at: string;
  updated_at: string;
}

interface Page {
  resources: Resource[];
  next_cursor: string | null;
}

interface HistoryEntry {
  id: number;
  at: string;
  actor: string;
  source: string;
  change: string;
  changes: { field: string; before?: unknown; after?: unknown }[];
}

const PAGE = 100;
const pathOf = (r: { kind: string; name: string }) =>
  `/estate/${encodeURIComponent(r.kind)}/${encodeURIComponent(r.name)}`;

export function EstatePage() {
  const { t } = useTranslation();
  const { params } = useLocation();
  const selector = params.get('selector') ?? '';
  const [text, setText] = useState(selector);
  const first = useApi<Page>(`/api/v1/estate/resources${query({ selector, limit: PAGE })}`);
  const [more, setMore] = useState<Resource[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [moreError, setMoreError] = useState<ApiError | null>(null);

  useEffect(() => {
    setMore([]);
    setCursor(undefined);
  }, [selector]);

  const next = cursor === undefined ? first.data?.next_cursor : cursor;
  const loadMore = async () => {
    if (!next) return;
    try {
      const page = await api.get<Page>(
        `/api/v1/estate/resources${query({ selector, limit: PAGE, cursor: next })}`,
      );
      setMore((m) => [...m, ...page.resources]);
      setCursor(page.next_cursor);
    } catch (err: unknown) {
      setMoreError(asApiError(err));
    }
  };
  const submit = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    setParams({ selector: text.trim() });
  };
  const resources = [...(first.data?.resources ?? []), ...more];

  return (
    <>
      <h1>{t('estate.title')}</h1>
      <form className="filters" role="search" onSubmit={submit}>
        <div className="field">
          <label htmlFor="es-selector">{t('estate.selector')}</label>
          <input
            id="es-selector"
            type="search"
            className="mono wide"
            value={text}
            placeholder="kind=database,site=idc-sh,env=prod"
            aria-describedby="es-selector-hint"
            onChange={(e) => setText(e.target.value)}
          />
          <p id="es-selector-hint" className="hint">
            {t('estate.selectorHint')}
          </p>
        </div>
        <button type="submit">{t('estate.filter')}</button>
      </form>
      {first.error ? (
        <ErrorBox error={first.error} />
      ) : !first.data ? (
        <Loading />
      ) : resources.length === 0 ? (
        <Empty>{t('estate.none')}</Empty>
      ) : (
        <>
          <table className="table">
            <caption className="visually-hidden">{t('estate.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('estate.name')}</th>
                <th scope="col">{t('estate.kind')}</th>
                <th scope="col">{t('estate.site')}</th>
                <th scope="col">{t('estate.labels')}</th>
                <th scope="col">{t('estate.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {resources.map((r) => (
                <tr key={`${r.kind}/${r.name}`}>
                  <td>
                    <Link to={pathOf(r)}>{r.name}</Link>
                  </td>
                  <td>{r.kind}</td>
                  <td>{r.site ?? '—'}</td>
                  <td>
                    <Labels labels={r.labels} />
                  </td>
                  <td>
                    <Time iso={r.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {moreError && <ErrorBox error={moreError} />}
          {next && (
            <button type="button" className="secondary" onClick={() => void loadMore()}>
              {t('estate.more')}
            </button>
          )}
        </>
      )}
    </>
  );
}

function Relations({ title, relations }: { title: string; relations: Relation[] }) {
  const { t } = useTranslation();
  return (
    <>
      <h2>{title}</h2>
      {relations.length === 0 ? (
        <Empty>{t('common.none')}</Empty>
      ) : (
        <ul>
          {relations.map((r) => (
            <li key={`${r.type} ${r.kind}/${r.name}`}>
              <span className="mono">{r.type}</span>{' '}
              {r.exists === false ? (
                <span className="muted">
                  {r.kind}/{r.name} ({t('estate.missing')})
                </span>
              ) : (
                <Link to={pathOf(r)}>
                  {r.kind}/{r.name}
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function ResourcePage({ kind, name }: { kind: string; name: string }) {
  const { t } = useTranslation();
  const base = `/api/v1/estate/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`;
  const r = useApi<Resource>(base);
  const history = useApi<{ entries: HistoryEntry[] }>(`${base}/history?since=7d`);
  if (r.error) return <ErrorBox error={r.error} />;
  if (!r.data) return <Loading />;
  const res = r.data;
  return (
    <>
      <p>
        <Link to="/estate">← {t('estate.title')}</Link>
      </p>
      <h1>
        {res.kind}/{res.name}
      </h1>
      <p className="muted">
        {t('estate.site')}: {res.site ?? '—'} · {t('estate.source')}:{' '}
        <span className="mono">{res.source}</span> · {t('estate.updated')} <Time iso={res.updated_at} />
      </p>
      <Labels labels={res.labels} />
      <div className="two-columns">
        <section className="panel" aria-labelledby="res-props">
          <h2 id="res-props">{t('estate.properties')}</h2>
          <Json value={res.properties} label={t('estate.properties')} />
          <h2>{t('estate.facts')}</h2>
          <Json value={res.facts} label={t('estate.facts')} />
        </section>
        <section className="panel" aria-labelledby="res-rel">
          <h2 id="res-rel" className="visually-hidden">
            {t('estate.relations')}
          </h2>
          <Relations title={t('estate.relations')} relations={res.relations} />
          <Relations title={t('estate.incoming')} relations={res.incoming ?? []} />
        </section>
      </div>
      <section className="panel" aria-labelledby="res-history">
        <h2 id="res-history">{t('estate.history')}</h2>
        {history.error ? (
          <ErrorBox error={history.error} />
        ) : !history.data ? (
          <Loading />
        ) : history.data.entries.length === 0 ? (
          <Empty>{t('estate.noHistory')}</Empty>
        ) : (
          <table className="table">
            <caption className="visually-hidden">{t('estate.history')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('estate.when')}</th>
                <th scope="col">{t('estate.change')}</th>
                <th scope="col">{t('estate.who')}</th>
                <th scope="col">{t('estate.fields')}</th>
              </tr>
            </thead>
            <tbody>
              {history.data.entries.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Time iso={e.at} />
                  </td>
                  <td>{label('status', e.change)}</td>
                  <td>
                    {e.actor} <span className="muted">({e.source})</span>
                  </td>
                  <td className="mono small">
                    {e.changes.map((c) => (
                      <div key={c.field}>
                        {c.field}: {JSON.stringify(c.before) ?? '—'} → {JSON.stringify(c.after) ?? '—'}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
