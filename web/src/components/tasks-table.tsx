/** Tasks waiting for people: what, for which run, who may act, and by when. */
import { useTranslation } from 'react-i18next';
import type { Task } from '../api/types.ts';
import { Link } from '../router.tsx';
import { label, shortId, Time } from './common.tsx';

/** `{team: 'dba', users: ['ann']}` as "team dba · ann"; who may act on a task. */
export function Assignees({ value }: { value: unknown }) {
  const { t } = useTranslation();
  const a = (value ?? {}) as { role?: string; team?: string; users?: string[] };
  const parts: string[] = [];
  if (a.team) parts.push(t('inbox.team', { name: a.team }));
  if (a.role) parts.push(t('inbox.role', { name: a.role }));
  if (Array.isArray(a.users)) parts.push(...a.users);
  return <span>{parts.length > 0 ? parts.join(' · ') : t('inbox.anyone')}</span>;
}

export function Deadline({ iso, now }: { iso: string | null; now: number }) {
  const { t } = useTranslation();
  if (!iso) return <span className="muted">{t('inbox.noDeadline')}</span>;
  const overdue = new Date(iso).getTime() < now;
  return (
    <span className={overdue ? 'overdue' : undefined}>
      <Time iso={iso} relative now={now} />
      {overdue && <> ({t('inbox.overdue')})</>}
    </span>
  );
}

export function TasksTable({
  tasks,
  caption,
  now,
  compact,
}: {
  tasks: Task[];
  caption: string;
  now: number;
  compact?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <table className="table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('inbox.task')}</th>
          {!compact && <th scope="col">{t('inbox.kind')}</th>}
          <th scope="col">{t('inbox.run')}</th>
          {!compact && <th scope="col">{t('inbox.who')}</th>}
          <th scope="col">{t('inbox.deadline')}</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((task) => (
          <tr key={task.id}>
            <td>
              <Link to={`/runs/${task.run_id}?step=${encodeURIComponent(task.step)}`}>
                {task.title ?? task.message ?? task.step}
              </Link>
            </td>
            {!compact && <td>{label('status', task.kind)}</td>}
            <td>
              <span className="mono">{shortId(task.run_id)}</span> · {task.step}
            </td>
            {!compact && (
              <td>
                <Assignees value={task.assignees ?? task.approvers} />
              </td>
            )}
            <td>
              <Deadline iso={task.deadline} now={now} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
