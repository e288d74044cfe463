/**
 * A task waiting on the run: an approval (approve or reject, with a comment) or a manual task (its
 * form, generated from the task's JSON Schema, then complete). Shown at the top of the run view.
 */
import { useMemo, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api/client.ts';
import type { Task } from '../api/types.ts';
import { ErrorBox, Json, label, Time } from '../components/common.tsx';
import { FieldsEditor } from '../components/fields-form.tsx';
import { Assignees, Deadline } from '../components/tasks-table.tsx';
import {
  fieldsFromSchema,
  serverFieldErrors,
  validateFields,
  type FieldError,
  type RawValue,
} from '../forms/fields.ts';

type Decision = 'approve' | 'reject' | 'complete';

export function TaskPanel({ task, now, onDecided }: { task: Task; now: number; onDecided: () => void }) {
  const { t } = useTranslation();
  const isTask = task.kind === 'task';
  const fields = useMemo(() => (isTask ? fieldsFromSchema(task.form) : []), [isTask, task.form]);
  const [comment, setComment] = useState('');
  const [raws, setRaws] = useState<Record<string, RawValue>>({});
  const [errors, setErrors] = useState<Record<string, FieldError>>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [commentError, setCommentError] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const open = task.status === 'open';
  const id = `task-${task.id}`;
  const approvals = task.decisions.filter((d) => d.decision === 'approve').length;

  const decide = async (decision: Decision, form: HTMLFormElement) => {
    setFailure(null);
    setCommentError(null);
    setServerErrors({});
    let outputs: Record<string, unknown> | undefined;
    if (decision === 'complete') {
      const checked = validateFields(fields, raws);
      setErrors(checked.errors);
      const bad = fields.find((f) => checked.errors[f.name]);
      if (bad) {
        form.querySelector<HTMLElement>(`[name="${CSS.escape(bad.name)}"]`)?.focus();
        return;
      }
      outputs = checked.values;
    }
    // A rejection says why when the runbook asks for it: the starter reads it in the timeline.
    if (decision === 'reject' && task.reject_comment === 'required' && !comment.trim()) {
      setCommentError(t('task.commentRequired'));
      form.querySelector<HTMLElement>('textarea[name="comment"]')?.focus();
      return;
    }
    setBusy(true);
    try {
      // An approval takes a decision; a manual task is completed by its answers.
      await api.post(`/api/v1/tasks/${encodeURIComponent(task.id)}/decisions`, {
        ...(outputs ? { outputs } : { decision }),
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      setComment('');
      onDecided();
    } catch (err: unknown) {
      const e = err instanceof ApiError ? err : new ApiError(0, 'error', String(err));
      setServerErrors(serverFieldErrors(e.details));
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const submitter = e.nativeEvent.submitter as HTMLButtonElement | null;
    void decide((submitter?.value ?? (isTask ? 'complete' : 'approve')) as Decision, e.currentTarget);
  };

  return (
    <section className={`task-panel${open ? ' task-open' : ''}`} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        {isTask ? t('task.manual') : t('task.approval')} · <span className="mono">{task.step}</span>{' '}
        <span className={`status status-${task.status}`}>{label('status', task.status)}</span>
      </h2>
      {(task.title ?? task.message) && <p className="task-message">{task.title ?? task.message}</p>}
      {isTask && task.message && <p className="prose">{task.message}</p>}
      <dl className="facts">
        <dt>{t('task.who')}</dt>
        <dd>
          <Assignees value={task.assignees ?? task.approvers} />
          {task.claimed_by && <> · {t('task.claimedBy', { who: task.claimed_by })}</>}
        </dd>
        {!isTask && (
          <>
            <dt>{t('task.quorum')}</dt>
            <dd>
              {t('task.approvals', { have: approvals, need: task.quorum })}
              {task.four_eyes && <> · {t('task.fourEyes')}</>}
            </dd>
          </>
        )}
        <dt>{t('task.deadline')}</dt>
        <dd>
          <Deadline iso={task.deadline} now={now} />
        </dd>
      </dl>
      {task.decisions.length > 0 && (
        <ul className="decisions" aria-label={t('task.decisions')}>
          {task.decisions.map((d, i) => (
            <li key={i}>
              <strong>{d.actor}</strong> {label('status', d.decision)} · <Time iso={d.at} />
              {d.comment && <blockquote>{d.comment}</blockquote>}
              {d.outputs !== undefined && <Json value={d.outputs} label={t('task.answers')} />}
            </li>
          ))}
        </ul>
      )}
      {open && (
        <form onSubmit={submit} noValidate>
          <FieldsEditor
            idPrefix={`${id}-field`}
            fields={fields}
            raws={raws}
            errors={errors}
            serverErrors={serverErrors}
            onChange={(name, raw) => {
              setRaws((r) => ({ ...r, [name]: raw }));
              setErrors(({ [name]: _dropped, ...rest }) => rest);
            }}
          />
          <div className="field">
            <label htmlFor={`${id}-comment`}>{t('task.comment')}</label>
            <textarea
              id={`${id}-comment`}
              name="comment"
              rows={2}
              value={comment}
              aria-invalid={commentError ? true : undefined}
              aria-describedby={commentError ? `${id}-comment-error` : undefined}
              onChange={(e) => {
                setComment(e.target.value);
                setCommentError(null);
              }}
            />
            {commentError && (
              <p id={`${id}-comment-error`} className="field-error">
                {commentError}
              </p>
            )}
          </div>
          {failure && <ErrorBox error={failure} />}
          <div className="buttons">
            {isTask ? (
              <button type="submit" value="complete" disabled={busy}>
                {t('task.complete')}
              </button>
            ) : (
              <>
                <button type="submit" value="approve" className="approve" disabled={busy}>
                  {t('task.approve')}
                </button>
                <button type="submit" value="reject" className="danger" disabled={busy}>
                  {t('task.reject')}
                </button>
              </>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
