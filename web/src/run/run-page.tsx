/**
 * The run view: status and actions, the tasks waiting on people, the DAG, the steps with their
 * detail, live logs and the timeline. Everything follows the run's event stream, so a run that
 * lasts hours stays current without a reload.
 */
import { ReportLink } from './report-link.tsx';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api/client.ts';
import {
  FINISHED,
  type RunbookDefinition,
  type RunComment,
  type RunEvent,
  type Step,
  type StepSpec,
} from '../api/types.ts';
import { useSession } from '../auth/session.tsx';
import { Elapsed, ErrorBox, Json, label, Loading, StatusBadge, Time } from '../components/common.tsx';
import { useNow } from '../hooks/use-api.ts';
import { Link, setParams, useLocation } from '../router.tsx';
import { runGraph } from './graph-model.ts';
import { RunGraph } from './run-graph.tsx';
import { RunLogs } from './run-logs.tsx';
import { StepDetail } from './step-detail.tsx';
import { TaskPanel } from './task-panel.tsx';
import { Timeline } from './timeline.tsx';
import { useRunLive, type LiveState } from './use-run-live.ts';

function specOf(def: RunbookDefinition | null | undefined, step: Step): StepSpec | undefined {
  if (!def) return undefined;
  const all = [...def.spec.steps, ...(def.spec.finally ?? [])];
  const spec = all.find((s) => s.id === step.step_id);
  if (step.phase === 'compensate') return (spec?.compensate as StepSpec | undefined) ?? undefined;
  return spec;
}

/** The run's comments, read again whenever the event stream announces a new one. */
function useComments(runId: string, events: RunEvent[]): Map<string, RunComment> {
  const [comments, setComments] = useState(new Map<string, RunComment>());
  const announced = events.filter((e) => e.type === 'comment.added').length;
  useEffect(() => {
    if (announced === 0) return;
    api
      .get<{ comments: RunComment[] }>(`/api/v1/runs/${encodeURIComponent(runId)}/comments`)
      .then((r) => setComments(new Map(r.comments.map((c) => [c.id, c]))))
      .catch(() => undefined);
  }, [runId, announced]);
  return comments;
}

function LiveBadge({ live }: { live: LiveState }) {
  const { t } = useTranslation();
  return (
    <span className={`live live-${live}`} role="status">
      {t(`run.live.${live}`)}
    </span>
  );
}

export function RunPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const { params } = useLocation();
  const now = useNow(1_000);
  const { run, definition, events, error, live, reload } = useRunLive(id);
  const graph = useMemo(() => runGraph(definition, run?.steps ?? []), [definition, run?.steps]);
  const comments = useComments(id, events);

  if (error && !run) return <ErrorBox error={error} />;
  if (!run) return <Loading />;

  const openTasks = run.steps.filter((s) => s.task?.status === 'open');
  // The step in view: the one asked for, else the first that needs a look.
  const wanted = params.get('step');
  const selectedKey =
    (wanted && run.steps.some((s) => s.id === wanted) ? wanted : null) ??
    openTasks[0]?.id ??
    run.steps.find((s) => s.status === 'running' || s.status === 'failed')?.id ??
    null;
  const selected = run.steps.find((s) => s.id === selectedKey);
  const select = (key: string) => setParams({ step: key });

  return (
    <>
      <div className="page-head">
        <div>
          <h1>
            {t('run.title', { runbook: run.runbook })} <StatusBadge status={run.status} />{' '}
            <LiveBadge live={live} />
          </h1>
          <p className="muted">
            <span className="mono">{run.id}</span> ·{' '}
            <Link to={`/runbooks/${encodeURIComponent(run.runbook)}?version=${run.version}`}>
              {run.runbook} v{run.version}
            </Link>{' '}
            · {t('run.startedBy', { who: run.created_by })} · <Time iso={run.created_at} /> ·{' '}
            <Elapsed start={run.started_at} end={run.finished_at} now={now} />
            {run.phase !== 'main' && run.phase !== 'done' && <> · {label('status', run.phase)}</>} ·{' '}
            <ReportLink runId={run.id} />
            {run.parent_run_id && (
              <>
                {' '}
                · <Link to={`/runs/${run.parent_run_id}`}>{t('run.parent')}</Link>
              </>
            )}
          </p>
        </div>
        <RunActions id={run.id} status={run.status} onDone={reload} />
      </div>
      {run.error && (
        <p className="error-box" role="note">
          {run.error}
        </p>
      )}
      {openTasks.map((s) => (
        <TaskPanel key={s.task!.id} task={s.task!} now={now} onDecided={reload} />
      ))}
      <section className="panel" aria-labelledby="graph-title">
        <h2 id="graph-title" className="visually-hidden">
          {t('run.graph')}
        </h2>
        {definition === undefined ? (
          <Loading />
        ) : (
          <RunGraph
            nodes={graph.nodes}
            edges={graph.edges}
            selected={selected?.step_id ?? null}
            onSelect={select}
          />
        )}
      </section>
      <div className="run-columns">
        <div>
          <StepsTable steps={run.steps} selected={selectedKey} onSelect={select} now={now} />
          {selected && (
            <StepDetail step={selected} spec={specOf(definition, selected)} events={events} now={now} />
          )}
          <section className="panel" aria-labelledby="run-io">
            <h2 id="run-io">{t('run.inputs')}</h2>
            <Json value={run.inputs} label={t('run.inputs')} />
            <h2>{t('run.outputs')}</h2>
            <Json value={run.outputs} label={t('run.outputs')} />
          </section>
        </div>
        <div>
          <RunLogs runId={run.id} step={selected && selected.task === null ? selected.id : null} />
          <Timeline runId={run.id} events={events} comments={comments} onSelectStep={select} />
        </div>
      </div>
    </>
  );
}

function StepsTable({
  steps,
  selected,
  onSelect,
  now,
}: {
  steps: Step[];
  selected: string | null;
  onSelect: (key: string) => void;
  now: number;
}) {
  const { t } = useTranslation();
  return (
    <section className="panel" aria-labelledby="steps-title">
      <h2 id="steps-title">{t('run.steps')}</h2>
      <table className="table steps">
        <caption className="visually-hidden">{t('run.steps')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('run.step')}</th>
            <th scope="col">{t('runs.status')}</th>
            <th scope="col">{t('step.attempt')}</th>
            <th scope="col">{t('step.where')}</th>
            <th scope="col">{t('step.duration')}</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s) => (
            <tr key={s.id} className={s.id === selected ? 'selected' : undefined}>
              <td>
                <button
                  type="button"
                  className={`link mono${s.item_index !== undefined || s.phase === 'compensate' ? ' indent' : ''}`}
                  aria-pressed={s.id === selected}
                  onClick={() => onSelect(s.id)}
                >
                  {s.id}
                </button>
              </td>
              <td>
                <StatusBadge status={s.status} />
              </td>
              <td>{s.attempt > 0 ? `${s.attempt}/${s.max_attempts}` : '—'}</td>
              <td>{s.site ?? '—'}</td>
              <td>
                <Elapsed start={s.started_at} end={s.finished_at} now={now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

type Action = 'cancel' | 'pause' | 'resume' | 'retry';

function RunActions({ id, status, onDone }: { id: string; status: string; onDone: () => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [compensate, setCompensate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  if (!can('runs:control')) return null;

  const act = async (action: Action) => {
    setBusy(true);
    setFailure(null);
    try {
      await api.post(
        `/api/v1/runs/${encodeURIComponent(id)}/${action}`,
        action === 'cancel' ? { compensate } : {},
      );
      setConfirming(false);
      onDone();
    } catch (err: unknown) {
      setFailure(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)));
    } finally {
      setBusy(false);
    }
  };
  const finished = FINISHED.includes(status);
  return (
    <div className="run-actions">
      <div className="buttons">
        {(status === 'running' || status === 'waiting' || status === 'pending') && (
          <button type="button" className="secondary" disabled={busy} onClick={() => void act('pause')}>
            {t('run.pause')}
          </button>
        )}
        {status === 'paused' && (
          <button type="button" className="secondary" disabled={busy} onClick={() => void act('resume')}>
            {t('run.resume')}
          </button>
        )}
        {status === 'failed' && (
          <button type="button" disabled={busy} onClick={() => void act('retry')}>
            {t('run.retry')}
          </button>
        )}
        {!finished && !confirming && (
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
            {t('run.cancel')}
          </button>
        )}
      </div>
      {confirming && !finished && (
        <div className="confirm" role="group" aria-label={t('run.cancelConfirm')}>
          <p>{t('run.cancelConfirm')}</p>
          <label className="check">
            <input type="checkbox" checked={compensate} onChange={(e) => setCompensate(e.target.checked)} />{' '}
            {t('run.compensate')}
          </label>
          <div className="buttons">
            <button type="button" className="danger" disabled={busy} onClick={() => void act('cancel')}>
              {t('run.cancelYes')}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              {t('run.cancelNo')}
            </button>
          </div>
        </div>
      )}
      {failure && <ErrorBox error={failure} />}
    </div>
  );
}
