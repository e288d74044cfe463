/** Small pieces every page uses: statuses, times, loading and error states, JSON. */
import { useTranslation } from 'react-i18next';
import type { ReactNode } from 'react';
import i18n from 'i18next';
import type { ApiError } from '../api/client.ts';
import { formatDateTime, formatDuration, formatRelative, formatTime, timeZone } from '../i18n/format.ts';

/** A translated label for a value from the API (a status, an event type); the value itself when unknown. */
export function label(group: 'status' | 'event', key: string): string {
  const full = `${group}.${key}`;
  return i18n.exists(full) ? (i18n.t as unknown as (k: string) => string)(full) : key;
}

export function StatusBadge({ status }: { status: string }) {
  useTranslation();
  return <span className={`status status-${status}`}>{label('status', status)}</span>;
}

/** A date in the reader's time zone; the full date and zone on hover. */
export function Time({
  iso,
  relative,
  timeOnly,
  now,
}: {
  iso: string | null;
  relative?: boolean;
  /** Hours, minutes and seconds only (a timeline), the date on hover. */
  timeOnly?: boolean;
  now?: number;
}) {
  const { i18n: i } = useTranslation();
  if (!iso) return <span className="muted">—</span>;
  const full = formatDateTime(iso, i.language);
  const shown = relative
    ? formatRelative(iso, i.language, now ?? Date.now())
    : timeOnly
      ? formatTime(iso, i.language)
      : full;
  return (
    <time dateTime={iso} title={`${full} (${timeZone()})`}>
      {shown}
    </time>
  );
}

/** How long from `start` to `end` (or to now while it runs). */
export function Elapsed({ start, end, now }: { start: string | null; end: string | null; now?: number }) {
  const { i18n: i } = useTranslation();
  if (!start) return <span className="muted">—</span>;
  const ms = (end ? new Date(end).getTime() : (now ?? Date.now())) - new Date(start).getTime();
  return <span>{formatDuration(ms, i.language)}</span>;
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="muted" role="status">
      {t('common.loading')}
    </p>
  );
}

export function ErrorBox({ error, children }: { error: ApiError | Error | string; children?: ReactNode }) {
  const { t } = useTranslation();
  const message = typeof error === 'string' ? error : error.message;
  const details = typeof error === 'object' && 'details' in error ? error.details : [];
  return (
    <div className="error-box" role="alert">
      <strong>{t('common.error')}</strong> {message}
      {details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={`${d.path}:${d.message}`}>
              <code>{d.path}</code>: {d.message}
            </li>
          ))}
        </ul>
      )}
      {children}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Json({ value, label: name }: { value: unknown; label?: string }) {
  const { t } = useTranslation();
  if (value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0))
    return <span className="muted">{t('common.none')}</span>;
  return (
    <pre className="json" tabIndex={0} aria-label={name}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return null;
  return (
    <ul className="labels">
      {entries.map(([k, v]) => (
        <li key={k} className="label">
          {k}={v}
        </li>
      ))}
    </ul>
  );
}

/** A short form of a time-ordered id: its last 8 characters, which differ between runs. */
export const shortId = (id: string) => id.slice(-8);
