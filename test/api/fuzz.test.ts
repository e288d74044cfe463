/**
 * Fuzzing the API: thousands of random and malformed requests to every route, as an admin (so
 * they pass the door and reach validation and handlers). No answer may be a 5xx, and the server
 * must still be healthy afterwards. The seed is printed so a failure can be replayed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { fromSchema, hostile, mutate } from './schema-arbitrary.ts';

const TOKEN = 'fuzz-admin-token-0123456789abcdef';
const SEED = Number(process.env.TANDEM_FUZZ_SEED ?? Date.now() % 2 ** 31);
const PER_ROUTE = Number(process.env.TANDEM_FUZZ_PER_ROUTE ?? 40);

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-fuzz-'));
  process.env.TANDEM_ADMIN_TOKEN = TOKEN;
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    logLevel: 'silent',
    localCapacity: 1,
    announce: () => {},
  });
});

afterAll(async () => {
  delete process.env.TANDEM_ADMIN_TOKEN;
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Values that break naive handlers: odd strings, huge numbers, deep nesting, prototype keys. */
const nasty = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '💥',
    'a'.repeat(5000),
    '__proto__',
    'constructor',
  ),
  fc.constantFrom(-1, 0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.5),
  fc.constantFrom(null, true, false, [], {}),
);
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('__proto__', 'name', 'value', 'inputs', 'runbook'),
      ),
      tie('value'),
      { maxKeys: 5 },
    ),
  ),
})).value;

/** A request body: JSON of any shape, or bytes that are not what the content type says. */
const body = fc.oneof(
  jsonValue.map((v) => ({ type: 'application/json', data: JSON.stringify(v) ?? 'null' })),
  fc.string().map((s) => ({ type: 'application/json', data: `{"broken": ${s}` })),
  fc.string().map((s) => ({ type: 'application/yaml', data: `apiVersion: tandem/v1\nkind: Runbook\n${s}` })),
  fc
    .uint8Array({ maxLength: 256 })
    .map((b) => ({ type: 'application/octet-stream', data: Buffer.from(b).toString('latin1') })),
  fc.string().map((s) => ({ type: 'text/plain', data: s })),
);
const pathValue = fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), nasty.map(String), fc.uuid());
const query = fc.dictionary(
  fc.oneof(
    fc.constantFrom('limit', 'after', 'status', 'cursor', 'site', 'selector', 'since', 'all'),
    fc.string({ maxLength: 8 }),
  ),
  fc.oneof(fc.string({ maxLength: 40 }), nasty.map(String)),
  { maxKeys: 3 },
);

it(`answers every random request to every route without a 5xx (seed ${SEED})`, async () => {
  const failures: string[] = [];
  let sent = 0;
  const statuses = new Map<number, number>();
  const routes = server.routes.filter((r) => r.access !== 'agent');
  const openapi = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content?: Record<string, { schema?: object }> } }>
    >;
  };
  const cases = fc.sample(fc.tuple(body, pathValue, query), {
    seed: SEED,
    numRuns: PER_ROUTE * routes.length,
  });
  let i = 0;
  for (const route of routes) {
    // Half the bodies follow the route's own schema, with one leaf made hostile half the time:
    // those get past validation into the handler.
    const openapiPath = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const operation = openapi.paths[openapiPath]?.[route.method.toLowerCase()];
    const schema = operation?.requestBody?.content?.['application/json']?.schema;
    const shaped = fc.sample(
      fc.tuple(fromSchema(schema), fc.nat(), hostile, fc.boolean()).map(([v, pick, bad, spoil]) => ({
        type: 'application/json',
        data: JSON.stringify(spoil ? mutate(v, pick, bad) : v) ?? 'null',
      })),
      { seed: SEED + i, numRuns: PER_ROUTE },
    );
    for (let n = 0; n < PER_ROUTE; n++) {
      const [random, param, q] = cases[i++]!;
      const b = n % 2 === 0 && schema ? shaped[n]! : random;
      // Never follow a live stream: it would not end.
      const { follow: _follow, ...rest } = q;
      const qs = new URLSearchParams(rest).toString();
      const path = route.url.replace(/:[A-Za-z_]+/g, () => encodeURIComponent(param));
      const url = `${server.url}${path}${qs ? `?${qs}` : ''}`;
      const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
      let status: number;
      try {
        const res = await fetch(url, {
          method: route.method,
          headers: {
            authorization: `Bearer ${TOKEN}`,
            ...(hasBody ? { 'content-type': b.type } : { accept: 'application/json' }),
          },
          ...(hasBody ? { body: b.data } : {}),
          signal: AbortSignal.timeout(5_000),
        });
        status = res.status;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const text = await res.text();
        if (status >= 500)
          failures.push(
            `${route.method} ${path}?${qs} ${b.type} ${b.data.slice(0, 200)} → ${status} ${text.slice(0, 200)}`,
          );
      } catch (err) {
        // A stream that stays open is the one acceptable timeout (e.g. an SSE route asked as a stream).
        if (!(err instanceof Error && err.name === 'TimeoutError'))
          failures.push(`${route.method} ${path}: ${String(err)}`);
      }
      sent++;
    }
  }
  console.log(`fuzz: ${sent} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  expect(failures.slice(0, 20)).toEqual([]);
  expect(sent).toBeGreaterThanOrEqual(1000);
  const health = await fetch(`${server.url}/api/v1/health`);
  expect(health.status).toBe(200);
}, 600_000);
