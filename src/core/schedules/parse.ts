/** Reading a `kind: Schedule` document: schema, cron, time zone, input templates. */
import { errorMessage } from '../errors.ts';
import { checkTemplatesDeep, readDocument } from '../rules/index.ts';
import { cronOf, isTimeZone } from './fires.ts';
import { scheduleDocumentSchema, SCHEDULE_VARIABLES, type Schedule } from './model.ts';

/**
 * Parses and validates a schedule. Throws one `TandemError('invalid_input')` whose details list
 * every problem with its path, line and column.
 */
export function parseSchedule(text: string): Schedule {
  const { value: schedule, problems } = readDocument(text, scheduleDocumentSchema, 'Schedule');
  const { spec } = schedule;
  if (!isTimeZone(spec.timezone))
    problems.add(
      ['spec', 'timezone'],
      `unknown time zone "${spec.timezone}"; use an IANA name such as Asia/Shanghai`,
    );
  else
    try {
      cronOf(spec);
    } catch (err: unknown) {
      problems.add(['spec', 'cron'], `invalid cron: ${errorMessage(err).replace(/^CronPattern: /, '')}`);
    }
  checkTemplatesDeep(problems, ['spec', 'inputs'], spec.inputs, SCHEDULE_VARIABLES);
  if (problems.size > 0) throw problems.toError();
  return schedule;
}
