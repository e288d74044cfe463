/** Live logs of the run or of one step, following the end unless the reader scrolls back. */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { followStream } from '../api/stream.ts';
import type { LogChunk } from '../api/types.ts';

/** Kept in the page: a run that prints for hours must not fill the tab's memory. */
const MAX_CHUNKS = 5_000;

export function RunLogs({ runId, step: selected }: { runId: string; step: string | null }) {
  const { t } = useTranslation();
  const [onlyStep, setOnlyStep] = useState(true);
  const step = onlyStep ? selected : null;
  const [chunks, setChunks] = useState<LogChunk[]>([]);
  const [dropped, setDropped] = useState(0);
  const [follow, setFollow] = useState(true);
  const [ended, setEnded] = useState(false);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    setChunks([]);
    setDropped(0);
    setEnded(false);
    const stop = new AbortController();
    const url = `/api/v1/runs/${encodeURIComponent(runId)}/logs${step ? `?step=${encodeURIComponent(step)}` : ''}`;
    void followStream({
      url,
      signal: stop.signal,
      onMessage: (m) => {
        if (m.event !== 'log') return;
        const c = JSON.parse(m.data) as LogChunk;
        setChunks((prev) => {
          const next = [...prev, c];
          if (next.length <= MAX_CHUNKS) return next;
          setDropped((d) => d + next.length - MAX_CHUNKS);
          return next.slice(next.length - MAX_CHUNKS);
        });
      },
      onEnd: () => setEnded(true),
    });
    return () => stop.abort();
  }, [runId, step]);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [chunks, follow]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 24;
    if (atEnd !== follow) setFollow(atEnd);
  };

  return (
    <section className="panel" aria-labelledby="logs-title">
      <div className="panel-head">
        <h2 id="logs-title">{step ? t('logs.ofStep', { step }) : t('logs.title')}</h2>
        <div className="buttons">
          {selected && (
            <label className="check">
              <input type="checkbox" checked={onlyStep} onChange={(e) => setOnlyStep(e.target.checked)} />{' '}
              {t('logs.onlyStep')}
            </label>
          )}
          <label className="check">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />{' '}
            {t('logs.follow')}
          </label>
        </div>
      </div>
      {dropped > 0 && <p className="muted small">{t('logs.dropped', { count: dropped })}</p>}
      <pre
        className="logs"
        ref={box}
        onScroll={onScroll}
        tabIndex={0}
        aria-labelledby="logs-title"
        data-testid="logs"
      >
        {chunks.length === 0 ? (
          <span className="muted">{ended ? t('logs.none') : t('logs.waiting')}</span>
        ) : (
          chunks.map((c) => (
            <span key={c.id} className={`log-${c.stream}`}>
              {!step && <span className="log-step">[{c.step}] </span>}
              {c.data}
            </span>
          ))
        )}
      </pre>
    </section>
  );
}
