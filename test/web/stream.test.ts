import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { followStream, type StreamMessage } from '../../web/src/api/stream.ts';

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('a live stream of the console', () => {
  it('reconnects after a drop with the last id it saw, and stops at the end of the run', async () => {
    const seen: { after: string | null; lastEventId: string | undefined }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const url = new URL(req.url!, 'http://x');
      seen.push({
        after: url.searchParams.get('after'),
        lastEventId: req.headers['last-event-id'] as string,
      });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (seen.length === 1) {
        // Two events, then the connection drops (a proxy timeout, a restart).
        res.write(
          ': keepalive\n\nid: 1\nevent: run-event\ndata: {"n":1}\n\nid: 2\nevent: run-event\ndata: {"n":2}\n\n',
        );
        setTimeout(() => res.destroy(), 50);
      } else {
        res.end('id: 3\nevent: run-event\ndata: {"n":3}\n\nevent: end\ndata: {}\n\n');
      }
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;

    const messages: StreamMessage[] = [];
    const statuses: string[] = [];
    let ended = false;
    await followStream({
      url: `http://127.0.0.1:${port}/api/v1/runs/r/events`,
      signal: new AbortController().signal,
      onMessage: (m) => messages.push(m),
      onStatus: (s) => statuses.push(s),
      onEnd: () => (ended = true),
    });

    expect(messages.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(messages.map((m) => JSON.parse(m.data))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(seen).toEqual([
      { after: '0', lastEventId: undefined },
      { after: '2', lastEventId: '2' },
    ]);
    expect(statuses).toEqual(['open', 'reconnecting', 'open']);
    expect(ended).toBe(true);
  });

  it('stops for good when the stream is not allowed or gone', async () => {
    let calls = 0;
    const server = createServer((_req, res) => {
      calls++;
      res.writeHead(404).end();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await followStream({
      url: `http://127.0.0.1:${port}/x`,
      signal: new AbortController().signal,
      onMessage: () => undefined,
    });
    expect(calls).toBe(1);
  });
});
