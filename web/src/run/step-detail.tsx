/** One step of the run: where and when it ran, its attempts, its definition, outputs and result. */
import { useTranslation } from 'react-i18next';
import type { RunEvent, Step, StepSpec } from '../api/types.ts';
import { Elapsed, Json, label, StatusBadge, Time } from '../components/common.tsx';
import { Link } from '../router.tsx';
import { attemptsOf } from './attempts.ts';

export function StepDetail({
  step,
  spec,
  events,
  now,
}: {
  step: Step;
  spec: StepSpec | undefined;
  events: RunEvent[];
  now: number;
}) {
  const { t } = useTranslation();
  const attempts = attemptsOf(events, step.id);
  return (
    <section className="panel step-detail" aria-labelledby="step-title">
      <h2 id="step-title">
        {t('step.title', { step: step.id })} <StatusBadge status={step.status} />
      </h2>
      <dl className="facts">
        <dt>{t('step.phase')}</dt>
        <dd>{label('status', step.phase)}</dd>
        <dt>{t('step.attempt')}</dt>
        <dd>{t('step.attemptOf', { attempt: step.attempt, max: step.max_attempts })}</dd>
        <dt>{t('step.agent')}</dt>
        <dd>{step.agent ?? '—'}</dd>
        <dt>{t('step.site')}</dt>
        <dd>{step.site ?? '—'}</dd>
        <dt>{t('step.started')}</dt>
        <dd>
          <Time iso={step.started_at} />
        </dd>
        <dt>{t('step.finished')}</dt>
        <dd>
          <Time iso={step.finished_at} />
        </dd>
        <dt>{t('step.duration')}</dt>
        <dd>
          <Elapsed start={step.started_at} end={step.finished_at} now={now} />
        </dd>
        {step.child_run_id && (
          <>
            <dt>{t('step.childRun')}</dt>
            <dd>
              <Link to={`/runs/${step.child_run_id}`} className="mono">
                {step.child_run_id}
              </Link>
            </dd>
          </>
        )}
      </dl>
      {step.error && (
        <p className="error-text" role="note">
          {step.error}
        </p>
      )}
      {attempts.length > 0 && (
        <table className="table">
          <caption>{t('step.attempts')}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t('step.where')}</th>
              <th scope="col">{t('step.started')}</th>
              <th scope="col">{t('step.duration')}</th>
              <th scope="col">{t('step.outcome')}</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a) => (
              <tr key={a.attempt}>
                <td>{a.attempt}</td>
                <td>{a.agent ? `${a.agent} @ ${a.site ?? '?'}` : '—'}</td>
                <td>
                  <Time iso={a.startedAt} />
                </td>
                <td>
                  <Elapsed start={a.startedAt} end={a.endedAt} now={now} />
                </td>
                <td>
                  {a.outcome ? label('status', a.outcome) : label('status', 'running')}
                  {a.error && <div className="error-text small">{a.error}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {step.item_index !== undefined && (
        <>
          <h3>{t('step.item', { index: step.item_index })}</h3>
          <Json value={step.item} label={t('step.item', { index: step.item_index })} />
        </>
      )}
      <h3>{t('step.definition')}</h3>
      <Json value={spec} label={t('step.definition')} />
      <h3>{t('step.outputs')}</h3>
      <Json value={step.outputs} label={t('step.outputs')} />
      <h3>{t('step.result')}</h3>
      <Json value={step.result} label={t('step.result')} />
    </section>
  );
}
