/**
 * The probe action's DNS check against a real (small) DNS server on a loopback UDP port: the
 * answer, an expected value, a name that does not exist, and a resolver that is not an address.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbe } from '../../src/agent/actions/probe.ts';

let server: Socket;
let port: number;

/** Answers A queries for web.test with 10.1.2.3 and 10.1.2.4; every other name does not exist. */
function answer(query: Buffer): Buffer {
  let end = 12;
  const labels: string[] = [];
  while (query[end]! > 0) {
    labels.push(query.subarray(end + 1, end + 1 + query[end]!).toString());
    end += query[end]! + 1;
  }
  const question = query.subarray(12, end + 5);
  const type = query.readUInt16BE(end + 1);
  const known = labels.join('.') === 'web.test';
  const addresses =
    known && type === 1
      ? [
          [10, 1, 2, 3],
          [10, 1, 2, 4],
        ]
      : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(known ? 0x8180 : 0x8183, 2); // a response; NXDOMAIN for unknown names
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const records = addresses.map((a) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    rr.writeUInt16BE(1, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(4, 10);
    Buffer.from(a).copy(rr, 12);
    return rr;
  });
  return Buffer.concat([header, question, ...records]);
}

beforeAll(async () => {
  server = createSocket('udp4');
  server.on('message', (msg, from) => server.send(answer(msg), from.port, from.address));
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  port = server.address().port;
});
afterAll(() => server.close());

const ctx = () => ({
  runId: 'r',
  key: 'k',
  attempt: 1,
  idempotencyKey: 'r/k/1',
  signal: new AbortController().signal,
  onLog: () => undefined,
});

const dns = (name: string, extra: { expect?: string; resolver?: string; recordType?: string } = {}) =>
  runProbe(
    {
      kind: 'probe',
      check: {
        type: 'dns',
        name,
        recordType: extra.recordType ?? 'A',
        resolver: extra.resolver ?? `127.0.0.1:${port}`,
        ...(extra.expect ? { expect: extra.expect } : {}),
      },
      timeoutMs: 2_000,
    },
    ctx(),
  );

describe('dns probes', () => {
  it('looks a name up through the resolver given, and outputs the answers', async () => {
    const r = await dns('web.test');
    expect(r.ok).toBe(true);
    expect(r.outputs).toMatchObject({ ok: 'true', answers: '10.1.2.3,10.1.2.4' });
  });

  it('holds only when an answer contains the expected value', async () => {
    expect((await dns('web.test', { expect: '10.1.2.4' })).ok).toBe(true);
    const r = await dns('web.test', { expect: '10.9.9.9' });
    expect(r.ok).toBe(false);
    expect(r.error).toContain('no answer contains "10.9.9.9"');
  });

  it('fails for a name that does not exist, or a resolver that is not an address', async () => {
    const missing = await dns('nope.test');
    expect(missing.ok).toBe(false);
    expect(missing.error).toMatch(/ENOTFOUND|queryA/);
    const bad = await dns('web.test', { resolver: 'dns.example' });
    expect(bad.ok).toBe(false);
    expect(bad.error).toContain('not an IP address');
  });
});
