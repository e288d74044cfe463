/** The run's history: every event, when, on which step, who did it, and what it said. */
import { useLayoutEffect, useRef, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api/client.ts';
import type { RunComment, RunEvent } from '../api/types.ts';
import { useSession } from '../auth/session.tsx';
import { ErrorBox, label, Time } from '../components/common.tsx';
import { formatDuration } from '../i18n/format.ts';

function Summary({ e, comments }: { e: RunEvent; comments: Map<string, RunComment> }) {
  const { t, i18n } = useTranslation();
  const d = (e.data ?? {}) as Record<string, unknown>;
  const comment = typeof d.comment_id === 'string' ? comments.get(d.comment_id) : undefined;
  if (comment) return <blockquote className="prose">{comment.body}</blockquote>;
  const parts: string[] = [];
  if (typeof d.decision === 'string') parts.push(label('status', d.decision));
  if (typeof d.status === 'string') parts.push(label('status', d.status));
  if (typeof d.phase === 'string') parts.push(t('timeline.phase', { phase: label('status', d.phase) }));
  if (typeof d.agent === 'string')
    parts.push(t('timeline.on', { agent: d.agent, site: typeof d.site === 'string' ? d.site : '?' }));
  if (typeof d.items === 'number') parts.push(t('timeline.items', { count: d.items }));
  if (typeof d.delay_ms === 'number')
    parts.push(t('timeline.retryIn', { delay: formatDuration(d.delay_ms, i18n.language) }));
  const quoted = [d.comment, d.message, d.error, d.reason].filter(
    (x): x is string => typeof x === 'string' && x !== '',
  );
  return (
    <>
      {parts.length > 0 && <span className="muted"> · {parts.join(' · ')}</span>}
      {quoted.map((q) => (
        <q key={q} className={d.error === q ? 'event-error' : undefined}>
          {q}
        </q>
      ))}
    </>
  );
}

export function Timeline({
  runId,
  events,
  comments,
  onSelectStep,
}: {
  runId: string;
  events: RunEvent[];
  comments: Map<string, RunComment>;
  onSelectStep: (key: string) => void;
}) {
  const { t } = useTranslation();
  const { can } = useSession();
  const box = useRef<HTMLOListElement>(null);
  const atEnd = useRef(true);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && atEnd.current) el.scrollTop = el.scrollHeight;
  }, [events, comments]);
  return (
    <section className="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('timeline.title')}</h2>
      <ol
        className="timeline"
        ref={box}
        tabIndex={0}
        aria-labelledby="timeline-title"
        onScroll={(e) => {
          const el = e.currentTarget;
          atEnd.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 24;
        }}
      >
        {events.map((e) => (
          <li key={e.id} className={`event event-${e.type.replace(/\./g, '-')}`}>
            <Time iso={e.at} timeOnly /> <strong>{label('event', e.type)}</strong>
            {e.step && (
              <>
                {' '}
                <button type="button" className="link mono" onClick={() => onSelectStep(e.step!)}>
                  {e.step}
                </button>
              </>
            )}
            {e.attempt !== null && e.attempt > 1 && <span className="muted"> #{e.attempt}</span>}
            {e.actor && <span className="actor"> · {t('timeline.by', { actor: e.actor })}</span>}
            <Summary e={e} comments={comments} />
          </li>
        ))}
      </ol>
      {can('runs:comment') && <CommentForm runId={runId} />}
    </section>
  );
}

/** A comment on the run; it comes back through the event stream like every other change. */
function CommentForm({ runId }: { runId: string }) {
  const { t } = useTranslation();
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!body.trim()) return;
    setBusy(true);
    setFailure(null);
    try {
      await api.post(`/api/v1/runs/${encodeURIComponent(runId)}/comments`, { body });
      setBody('');
    } catch (err: unknown) {
      setFailure(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="comment-form" onSubmit={(e) => void submit(e)}>
      <div className="field">
        <label htmlFor="run-comment">{t('timeline.comment')}</label>
        <textarea id="run-comment" rows={2} value={body} onChange={(e) => setBody(e.target.value)} />
      </div>
      {failure && <ErrorBox error={failure} />}
      <button type="submit" className="secondary" disabled={busy || !body.trim()}>
        {t('timeline.send')}
      </button>
    </form>
  );
}
