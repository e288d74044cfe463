/**
 * Server-Sent Events over `fetch`, because `EventSource` cannot send the Bearer token. A stream
 * that drops (a proxy timeout, a server restart, a laptop waking up) reconnects with the last
 * id it saw, as `Last-Event-ID` and as `after=` (what Tandem's streams read), so a run that lasts
 * hours stays live without a reload and without gaps or repeats.
 */
import { authHeaders } from './client.ts';

export interface StreamMessage {
  id: number | null;
  event: string;
  data: string;
}

export interface StreamOptions {
  /** The stream's URL without `after`; `after` is added from the last id seen. */
  url: string;
  /** Resume after this id (0: from the start). */
  after?: number;
  onMessage: (m: StreamMessage) => void;
  /** The server said the stream is complete (`event: end`): no reconnect. */
  onEnd?: () => void;
  onStatus?: (s: 'open' | 'reconnecting') => void;
  signal: AbortSignal;
}

/** Back-off between reconnects: 1 s, doubling to 15 s, so a restarting server is not hammered. */
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 15_000;

/** Splits a byte stream into SSE messages; the text after the last blank line is carried over. */
export function parseEvents(buffer: string): { messages: StreamMessage[]; rest: string } {
  const messages: StreamMessage[] = [];
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let id: number | null = null;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = Number(value);
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0 || event !== 'message') messages.push({ id, event, data: data.join('\n') });
  }
  return { messages, rest };
}

export async function followStream(o: StreamOptions): Promise<void> {
  let after = o.after ?? 0;
  let delay = RETRY_MIN_MS;
  while (!o.signal.aborted) {
    let ended = false;
    try {
      const sep = o.url.includes('?') ? '&' : '?';
      const headers: Record<string, string> = { accept: 'text/event-stream', ...authHeaders('GET') };
      if (after > 0) headers['last-event-id'] = String(after);
      const res = await fetch(`${o.url}${sep}follow=true&after=${after}`, {
        headers,
        credentials: 'same-origin',
        signal: o.signal,
      });
      // A stream the caller may not read, or a run that is gone, does not come back by retrying.
      if (res.status === 401 || res.status === 403 || res.status === 404) return;
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      o.onStatus?.('open');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        delay = RETRY_MIN_MS;
        const parsed = parseEvents(buffer + value);
        buffer = parsed.rest;
        for (const m of parsed.messages) {
          if (m.event === 'end') ended = true;
          else {
            if (m.id !== null && Number.isFinite(m.id)) after = m.id;
            o.onMessage(m);
          }
        }
      }
    } catch {
      if (o.signal.aborted) return;
    }
    if (ended) {
      o.onEnd?.();
      return;
    }
    o.onStatus?.('reconnecting');
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      o.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  }
}
