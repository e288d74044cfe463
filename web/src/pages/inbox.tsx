/** The inbox: tasks waiting for me and my teams, soonest deadline first. */
import { useTranslation } from 'react-i18next';
import type { Task } from '../api/types.ts';
import { Empty, ErrorBox, Loading } from '../components/common.tsx';
import { TasksTable } from '../components/tasks-table.tsx';
import { useApi, useNow } from '../hooks/use-api.ts';

const byDeadline = (a: Task, b: Task) =>
  (a.deadline ? Date.parse(a.deadline) : Infinity) - (b.deadline ? Date.parse(b.deadline) : Infinity) ||
  a.created_at.localeCompare(b.created_at);

export function InboxPage() {
  const { t } = useTranslation();
  const now = useNow(15_000);
  const inbox = useApi<{ tasks: Task[] }>('/api/v1/inbox', 15_000);
  return (
    <>
      <h1>{t('inbox.title')}</h1>
      <p className="muted">{t('inbox.intro')}</p>
      {inbox.error ? (
        <ErrorBox error={inbox.error} />
      ) : !inbox.data ? (
        <Loading />
      ) : inbox.data.tasks.length === 0 ? (
        <Empty>{t('inbox.empty')}</Empty>
      ) : (
        <TasksTable tasks={[...inbox.data.tasks].sort(byDeadline)} caption={t('inbox.title')} now={now} />
      )}
    </>
  );
}
