/**
 * Server-Sent Events for rows that only grow (run events, log chunks): send what exists after
 * the cursor, then follow the store's notifications until the run ends or the client leaves.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage } from '../core/errors.ts';
import type { ServerContext } from './context.ts';
import { runSignals } from '../engine/run-signals.ts';

/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/**
 * Poll as well as listen: changes made by other replicas are not signalled (a notification per
 * transition would cost every transition a statement), and a notification can be lost while a
 * listener reconnects. 1 s keeps a console live enough at one cheap query a second per stream.
 */
const POLL_MS = 1_000;

export async function streamRows<Row extends { id: number }>(
  ctx: ServerContext,
  req: FastifyRequest,
  reply: FastifyReply,
  o: {
    channel: string;
    runId: string;
    after: number;
    fetch: (after: number) => Promise<Row[]>;
    view: (row: Row) => unknown;
    event: string;
    done: () => Promise<boolean>;
  },
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let cursor = o.after;
  let closed = false;
  let wake: (() => void) | undefined;
  const end = () => {
    closed = true;
    wake?.();
  };
  req.raw.on('close', end);
  ctx.shutdown.addEventListener('abort', end, { once: true });
  if (ctx.shutdown.aborted) closed = true;
  const stopStore = await ctx.store.listen(o.channel, (payload) => {
    if (payload === o.runId) wake?.();
  });
  const stopLocal = runSignals.subscribe((runId) => {
    if (runId === o.runId) wake?.();
  });
  const stop = async () => {
    stopLocal();
    await stopStore();
  };
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  try {
    while (!closed) {
      const finished = await o.done();
      const rows = await o.fetch(cursor);
      for (const row of rows) {
        res.write(`id: ${row.id}\nevent: ${o.event}\ndata: ${JSON.stringify(o.view(row))}\n\n`);
        cursor = row.id;
      }
      if (rows.length > 0) continue;
      if (finished) {
        res.write(`event: end\ndata: {}\n\n`);
        break;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } catch (err: unknown) {
    ctx.log.warn({ err: errorMessage(err), runId: o.runId }, 'event stream failed');
  } finally {
    clearInterval(keepalive);
    ctx.shutdown.removeEventListener('abort', end);
    await stop();
    res.end();
  }
}
