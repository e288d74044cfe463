/**
 * The run's report in markdown (`/api/v1/runs/:id/report?format=md`). Signed in with a session,
 * an ordinary link carries the cookie; signed in with a token, a link cannot carry the Bearer
 * header, so the report is fetched with it and handed to the browser as a download.
 */
import { useTranslation } from 'react-i18next';
import type { MouseEvent } from 'react';
import { authHeaders } from '../api/client.ts';
import { useSession } from '../auth/session.tsx';

export function ReportLink({ runId }: { runId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const href = `/api/v1/runs/${encodeURIComponent(runId)}/report?format=md`;
  const download = async () => {
    const res = await fetch(href, { headers: authHeaders(), credentials: 'same-origin' });
    if (!res.ok) return;
    const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/markdown' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `run-${runId}.md`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    if (session?.method !== 'token') return;
    e.preventDefault();
    void download();
  };
  return (
    <a href={href} target="_blank" rel="noopener" onClick={click}>
      {t('run.report')}
    </a>
  );
}
