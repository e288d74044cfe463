/**
 * rolling-patch on the lab: nginx ×2 behind HAProxy, patched one at a time (canary first) while
 * a client keeps asking through the load balancer; a patch breaking health is rolled back.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labProblem, labSuite, runLogs, waitForRun, type RunView } from './support.ts';

const suite = labProblem === undefined ? describe : describe.skip;

type Suite = Awaited<ReturnType<typeof labSuite>>;

const LB = 'http://10.77.3.10/';
const release = (host: string) => readFileSync(`/var/lib/tandem-lab/web/${host}/release.conf`, 'utf8');

/** The lab's patch, breaking every page of `breaks` (nginx answers 503 to all, /health included). */
const breakingPatch = (breaks: string) => `dir=/var/lib/tandem-lab/web/$HOST
[ -f "$dir/release.conf.before-$PATCH_ID" ] || cp "$dir/release.conf" "$dir/release.conf.before-$PATCH_ID"
if [ "$HOST" = ${breaks} ]; then extra='return 503 "broken\\n";'; else extra=''; fi
printf 'set $release %s;\\n%s\\n' "$VERSION" "$extra" > "$dir/release.conf"
/usr/sbin/nginx -s reload -c "$dir/nginx.conf"
`;

/** A client asking through the load balancer every 20 ms until stopped: what it got, in order. */
function client() {
  const pages: string[] = [];
  let failures = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      try {
        const res = await fetch(LB, { signal: AbortSignal.timeout(2000) });
        const text = (await res.text()).trim();
        if (res.ok) pages.push(text);
        else failures++;
      } catch {
        failures++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    pages,
    failures: () => failures,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

suite('rolling-patch', () => {
  let lab: Suite;

  beforeAll(async () => {
    lab = await labSuite();
  }, 900_000); // the lab lock may be held by other lab test files for a while

  afterAll(async () => {
    await lab.down();
  }, 120_000);

  const roll = async (inputs: Record<string, unknown>) => {
    const c = client();
    // The roll starts once the client has been served by every host: its first pages are the
    // version before the roll, however slowly the client got going.
    const deadline = Date.now() + 20_000;
    while (!['web-sh-1', 'web-sh-2'].every((h) => c.pages.some((p) => p.startsWith(`hello from ${h} `)))) {
      if (Date.now() > deadline) throw new Error('the client was not served by every host within 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await lab.api('POST', '/api/v1/runs', { runbook: 'rolling-patch', inputs });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const run = await waitForRun(lab.api, res.body.id as string);
    // A little more of the client after the end: what it is served now.
    await new Promise((r) => setTimeout(r, 300));
    await c.stop();
    return { run, client: c };
  };
  const child = async (run: RunView, key: string) => {
    const id = run.steps.find((s) => s.id === key)?.child_run_id;
    return id ? waitForRun(lab.api, id) : undefined;
  };

  it('rolls a patch breaking the canary back: the other host is never touched, v1 everywhere, no client error', async () => {
    const { run, client: c } = await roll({
      version: 'v2',
      patch_script: breakingPatch('web-sh-1'),
      gate_seconds: 4,
    });
    expect(run.status).toBe('failed');
    const canary = (await child(run, 'canary'))!;
    const logs = await runLogs(lab.api, canary.id);
    expect(canary.steps.find((s) => s.id === 'gate_host')!.status, logs).toBe('failed');
    expect(logs).toMatch(/health gate failed: http:\/\/10\.77\.1\.21\/health answered 503/);
    // Compensation: the previous version back on the canary, and the canary back in rotation.
    expect(canary.steps.map((s) => [s.id, s.status])).toEqual(
      expect.arrayContaining([
        ['apply', 'compensated'],
        ['drain', 'compensated'],
      ]),
    );
    // The rest never started: no child run for web-sh-2.
    expect(run.steps.filter((s) => s.step_id === 'rest' && s.child_run_id !== null)).toEqual([]);
    expect(release('web-sh-1')).toBe('set $release v1;\n');
    expect(release('web-sh-2')).toBe('set $release v1;\n');
    // The canary was out of rotation while broken: clients never saw it.
    expect(c.failures()).toBe(0);
    expect(new Set(c.pages)).toEqual(
      new Set(['hello from web-sh-1 in idc-shanghai (v1)', 'hello from web-sh-2 in idc-shanghai (v1)']),
    );
  }, 120_000);

  it('patches every host, canary first, without a client noticing', async () => {
    const { run, client: c } = await roll({ version: 'v2', canary_soak_seconds: 3 });
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.outputs).toMatchObject({ canary: 'web-sh-1', version: 'v2' });
    // One host at a time: the canary was done (and soaked) before the other began.
    const at = (key: string, field: 'started_at' | 'finished_at') =>
      Date.parse((run.steps.find((s) => s.id === key) as unknown as Record<string, string>)[field]!);
    expect(at('canary', 'finished_at')).toBeLessThanOrEqual(at('soak', 'started_at'));
    expect(at('soak', 'finished_at')).toBeLessThanOrEqual(at('rest[0]', 'started_at'));
    expect((await child(run, 'rest[0]'))!.status).toBe('succeeded');
    // Through the roll: v1 then v2 from each host, never an error.
    expect(c.failures()).toBe(0);
    for (const host of ['web-sh-1', 'web-sh-2']) {
      const served = c.pages.filter((p) => p.startsWith(`hello from ${host} `));
      expect(served[0]).toContain('(v1)');
      expect(served.at(-1)).toContain('(v2)');
      // Once patched, a host never served v1 again.
      expect(served.slice(served.findIndex((p) => p.includes('(v2)'))).every((p) => p.includes('(v2)'))).toBe(
        true,
      );
    }
    // The canary served v2 while the other still served v1.
    const firstV2OnOther = c.pages.findIndex((p) => p === 'hello from web-sh-2 in idc-shanghai (v2)');
    expect(c.pages.slice(0, firstV2OnOther)).toContain('hello from web-sh-1 in idc-shanghai (v2)');
    expect(run.outputs!.served).toBe(
      'hello from web-sh-1 in idc-shanghai (v2)\nhello from web-sh-2 in idc-shanghai (v2)',
    );
  }, 120_000);

  it('rolls every host this roll patched back when a later host fails', async () => {
    const { run, client: c } = await roll({
      version: 'v3',
      patch_script: breakingPatch('web-sh-2'),
      gate_seconds: 4,
      canary_soak_seconds: 1,
    });
    expect(run.status).toBe('failed');
    expect((await child(run, 'rest[0]'))!.status).toBe('failed');
    // The canary had succeeded: its compensation ran a rollback of it.
    const undo = run.steps.find((s) => s.id === 'canary~compensate')!;
    expect(undo.status).toBe('succeeded');
    expect((await waitForRun(lab.api, undo.child_run_id!)).status).toBe('succeeded');
    expect(release('web-sh-1')).toBe('set $release v2;\n');
    expect(release('web-sh-2')).toBe('set $release v2;\n');
    expect(c.failures()).toBe(0);
    expect(c.pages.slice(-4).every((p) => p.endsWith('(v2)'))).toBe(true);
  }, 120_000);
});
