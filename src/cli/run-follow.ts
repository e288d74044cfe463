/**
 * `run watch`, `run logs` and `run events`: read a run's rows page by page, or follow them over
 * SSE, picking up after the last row seen when the stream breaks (a server restart, a proxy).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { LogChunk, RunDetail, RunEvent } from './api-types.ts';
import type { ApiClient } from './client.ts';
import { CliError, ExitCode, toCliError } from './errors.ts';
import { print, printJson } from './output.ts';
import { formatEventLine, LogPrinter } from './run-format.ts';

/** Reconnect attempts in a row before giving up; waits grow 1 s, 2 s… so about 15 s in all. */
const MAX_RECONNECTS = 5;

const runPath = (id: string) => `/api/v1/runs/${encodeURIComponent(id)}`;

/**
 * Follows an SSE endpoint of rows with numeric ids until the server sends `end`.
 * `path(after)` names the stream resuming after row `after`.
 */
export async function followRows(
  client: ApiClient,
  path: (after: number) => string,
  event: string,
  onRow: (row: { id: number }) => void,
): Promise<void> {
  let after = 0;
  let failures = 0;
  let received = false;
  for (;;) {
    try {
      for await (const ev of client.stream(path(after))) {
        received = true;
        if (ev.event === 'end') return;
        if (ev.event !== event) continue;
        const row = JSON.parse(ev.data) as { id: number };
        after = row.id;
        failures = 0;
        onRow(row);
      }
    } catch (err: unknown) {
      const e = toCliError(err);
      // A refusal (404, 401…) will not change by asking again, nor a server never reached.
      const broken = e.exitCode === ExitCode.failed || (e.exitCode === ExitCode.unreachable && received);
      if (!broken || failures >= MAX_RECONNECTS) throw e;
    }
    if (failures >= MAX_RECONNECTS)
      throw new CliError('the event stream keeps closing early', ExitCode.unreachable);
    failures++;
    await delay(1000 * failures);
  }
}

/** Every row of a paged list (`after` cursor), until a page comes back empty. */
async function allRows<Row extends { id: number }>(
  client: ApiClient,
  path: (after: number) => string,
  key: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (;;) {
    const page =
      ((await client.get(path(rows.at(-1)?.id ?? 0))) as Record<string, Row[] | undefined>)[key] ?? [];
    if (page.length === 0) return rows;
    rows.push(...page);
  }
}

/** Prints the run's events as they happen; exit 0 if it succeeded, 1 if it failed or was cancelled. */
export async function watchRun(client: ApiClient, id: string, json: boolean): Promise<void> {
  await followRows(
    client,
    (after) => `${runPath(id)}/events?follow=true&after=${after}`,
    'run-event',
    (e) => print(json ? JSON.stringify(e) : formatEventLine(e as RunEvent)),
  );
  const run = (await client.get(runPath(id))) as RunDetail;
  if (run.status === 'succeeded') {
    if (!json) print(`run ${run.id} succeeded`);
    return;
  }
  throw new CliError(
    `run ${run.id} ended ${run.status}${run.error ? `: ${run.error}` : ''}`,
    ExitCode.failed,
  );
}

export async function showEvents(client: ApiClient, id: string, json: boolean): Promise<void> {
  const events = await allRows<RunEvent>(client, (after) => `${runPath(id)}/events?after=${after}`, 'events');
  if (json) return printJson({ events });
  for (const e of events) print(formatEventLine(e));
}

export async function showLogs(
  client: ApiClient,
  id: string,
  o: { step?: string; follow?: boolean; json: boolean },
): Promise<void> {
  const step = o.step === undefined ? '' : `&step=${encodeURIComponent(o.step)}`;
  const path = (follow: boolean) => (after: number) =>
    `${runPath(id)}/logs?after=${after}${step}${follow ? '&follow=true' : ''}`;
  const printer = new LogPrinter(o.step === undefined);
  if (o.follow) {
    await followRows(client, path(true), 'log', (l) =>
      o.json ? print(JSON.stringify(l)) : process.stdout.write(printer.format(l as LogChunk)),
    );
    return;
  }
  const logs = await allRows<LogChunk>(client, path(false), 'logs');
  if (o.json) return printJson({ logs });
  for (const l of logs) process.stdout.write(printer.format(l));
}
