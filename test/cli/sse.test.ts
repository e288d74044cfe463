import { describe, expect, it } from 'vitest';
import { readSse, SseParser, type SseEvent } from '../../src/cli/sse.ts';

const STREAM =
  ': keepalive\n\n' +
  'id: 7\nevent: run-event\ndata: {"id":7,"type":"run.started"}\n\n' +
  'id: 8\r\nevent: run-event\r\ndata: {"id":8,"type":"step.log","data":"héllo ✓"}\r\n\r\n' +
  'event: end\ndata: {}\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'run-event', data: '{"id":7,"type":"run.started"}', id: '7' },
  { event: 'run-event', data: '{"id":8,"type":"step.log","data":"héllo ✓"}', id: '8' },
  { event: 'end', data: '{}', id: '8' },
];

function parseInPieces(text: string, size: number): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
  return events;
}

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield bytes.slice(i, i + size);
  }
}

async function collect(source: AsyncIterable<SseEvent>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const e of source) events.push(e);
  return events;
}

describe('the SSE parser', () => {
  it('reads events, ids and names from a whole stream, skipping comments', () => {
    expect(new SseParser().push(STREAM)).toEqual(EXPECTED);
  });

  it.each([1, 2, 3, 5, 7, 13])(
    'gives the same events when the text arrives in pieces of %i characters',
    (size) => {
      expect(parseInPieces(STREAM, size)).toEqual(EXPECTED);
    },
  );

  it('treats a \\r at the end of one chunk and a \\n at the start of the next as one line end', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    expect(parser.push('\n\r')).toEqual([{ event: 'message', data: 'a' }]);
    expect(parser.push('\ndata: b\n\n')).toEqual([{ event: 'message', data: 'b' }]);
  });

  it('joins several data lines with newlines and keeps a colon inside the value', () => {
    expect(new SseParser().push('data: first\ndata:second: part\n\n')).toEqual([
      { event: 'message', data: 'first\nsecond: part' },
    ]);
  });

  it('does not dispatch an event that has no data, nor one left unterminated', () => {
    const parser = new SseParser();
    expect(parser.push('event: ping\n\nevent: run-event\ndata: {"id":1}')).toEqual([]);
  });

  it('decodes multi-byte characters split across byte chunks', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (const size of [1, 2, 3, 64]) expect(await collect(readSse(chunks(bytes, size)))).toEqual(EXPECTED);
  });
});
