/**
 * SLOs (`GET /api/v1/slos`): each with its objective and, per indicator, the availability over its
 * window, the error budget left, the burn rates and its state now.
 */
import { useTranslation } from 'react-i18next';
import { Empty, ErrorBox, Loading } from '../components/common.tsx';
import { useApi } from '../hooks/use-api.ts';

/** `indicatorView` of the server; `window` and burn rates are absent when it could not be read. */
interface Indicator {
  kind: string;
  objective_percent: number | null;
  state: 'ok' | 'burning' | 'exhausted' | 'no_data' | 'error';
  error: string | null;
  window?: { sli_percent: number | null; error_budget_remaining_percent: number | null };
  burn_rate_1h?: number | null;
  burn_rate_6h?: number | null;
}

interface SloItem {
  name: string;
  title: string | null;
  service: string;
  objective_percent: number | null;
  window: string;
  indicators: Indicator[] | null;
}

const percent = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${n}%`);
const rate = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toFixed(2));
/** The status colours of the console: ok is good, burning waits for someone, exhausted failed. */
const STATE_CLASS: Record<string, string> = {
  ok: 'status-succeeded',
  burning: 'status-waiting',
  exhausted: 'status-failed',
  error: 'status-failed',
};

export function SlosPage() {
  const { t } = useTranslation();
  const list = useApi<{ slos: SloItem[] }>('/api/v1/slos', 60_000);
  return (
    <>
      <h1>{t('slos.title')}</h1>
      {list.error ? (
        <ErrorBox error={list.error} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.slos.length === 0 ? (
        <Empty>{t('slos.none')}</Empty>
      ) : (
        <table className="table slos">
          <caption className="visually-hidden">{t('slos.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('slos.name')}</th>
              <th scope="col">{t('slos.indicator')}</th>
              <th scope="col">{t('slos.objective')}</th>
              <th scope="col">{t('slos.current')}</th>
              <th scope="col">{t('slos.budget')}</th>
              <th scope="col">{t('slos.burn')}</th>
              <th scope="col">{t('slos.state')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.slos.flatMap((s) =>
              (s.indicators ?? []).map((i) => (
                <tr key={`${s.name}/${i.kind}`} data-slo={s.name}>
                  <td>
                    <strong>{s.title ?? s.name}</strong>
                    <div className="muted small">
                      {s.service} · {t('slos.window', { window: s.window })}
                    </div>
                  </td>
                  <td>{i.kind}</td>
                  <td>{percent(i.objective_percent)}</td>
                  <td>{percent(i.window?.sli_percent)}</td>
                  <td>{percent(i.window?.error_budget_remaining_percent)}</td>
                  <td title={t('slos.burnHint')}>
                    {rate(i.burn_rate_1h)} / {rate(i.burn_rate_6h)}
                  </td>
                  <td>
                    <span className={`status ${STATE_CLASS[i.state] ?? ''}`} title={i.error ?? undefined}>
                      {t(`slos.states.${i.state}`)}
                    </span>
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
    </>
  );
}
