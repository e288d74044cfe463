/**
 * backup-verify on the lab: a base backup of the primary (idc-shanghai) taken into the backup
 * store of cloud-hangzhou with its WAL archived there, restored in edge-1 from both over HTTP,
 * compared table by table; the result recorded in the estate; the policy raising an incident.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSite, labProblem, labSuite, runLogs, waitForRun } from './support.ts';

const suite = labProblem === undefined ? describe : describe.skip;

type Suite = Awaited<ReturnType<typeof labSuite>>;

/** The `table count md5` lines of a step's `checksums` output. */
const sumsOf = (outputs: Record<string, string> | null) => (outputs?.checksums ?? '').split('\n');

suite('backup-verify', () => {
  let lab: Suite;
  let writer: ChildProcess | undefined;

  beforeAll(async () => {
    lab = await labSuite();
    // Data worth comparing: 2,000 orders, then a client writing more all along the first run.
    await inSite(
      'tdm-edge-1',
      `psql -h 10.77.3.10 -U postgres -d shop -XAtqc "insert into orders (note) select 'seed ' || g from generate_series(1, 2000) g"`,
    );
  }, 900_000); // the lab lock may be held by other lab test files for a while

  afterAll(async () => {
    writer?.kill('SIGKILL');
    await lab.down();
  }, 120_000);

  const start = async (inputs: Record<string, unknown>) => {
    const res = await lab.api('POST', '/api/v1/runs', {
      runbook: 'backup-verify',
      inputs: { tandem_url: lab.labUrl, ...inputs },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return waitForRun(lab.api, res.body.id as string);
  };

  it('backs up across sites, restores in a third from the archive while writes go on, and finds every row', async () => {
    writer = spawn(
      'ip',
      [
        'netns',
        'exec',
        'tdm-edge-1',
        'bash',
        '-c',
        `while :; do psql -h 10.77.3.10 -U postgres -d shop -XAtqc "insert into orders (note) values ('during the backup')" >/dev/null 2>&1; sleep 0.02; done`,
      ],
      { stdio: 'ignore' },
    );
    const run = await start({});
    writer.kill('SIGKILL');
    const logs = await runLogs(lab.api, run.id);
    expect(run.status, `${run.error ?? ''}\n${logs}`).toBe('succeeded');
    const out = run.outputs!;
    expect(out.verified).toBe('true');
    expect(out.policy).toBe('met');
    expect(Number(out.backup_bytes)).toBeGreaterThan(1_000_000);
    expect(Number(out.backup_ms)).toBeGreaterThan(0);
    expect(Number(out.restore_ms)).toBeGreaterThan(0);

    const step = (id: string) => run.steps.find((s) => s.id === id)!;
    // Each part ran in its own site: backup in cloud-hangzhou, the mark on the primary, restore in edge-1.
    expect(step('backup').site).toBe('cloud-hangzhou');
    expect(step('mark').site).toBe('idc-shanghai');
    expect(step('restore').site).toBe('edge-1');
    // The restore went past the base backup with archived WAL, to the point the checksums were taken.
    expect(logs).toMatch(/\[restore\] .*restored log file "[0-9A-F]{24}" from archive/);
    expect(logs).toContain(`recovery stopping at restore point "verify-${run.id}"`);
    // Counts and checksums of every table of shop, taken on the primary at that point, equal the copy's.
    const expected = sumsOf(step('mark').outputs);
    expect(expected).toHaveLength(2);
    expect(sumsOf(step('compare').outputs)).toEqual(expected);
    const orders = Number(expected.find((l) => l.startsWith('public.orders '))!.split(' ')[1]);
    expect(orders).toBeGreaterThan(2000); // the seed, and writes made during the backup
    expect(step('compare').outputs!.smoke).toMatch(/^orders \d+, newest /);

    // The scratch instance is gone again.
    expect(await inSite('tdm-edge-1', 'ss -ltn | grep -c "10.77.3.30:5432" || true')).toBe('0\n');
    expect(await inSite('tdm-edge-1', 'ls /var/lib/tandem-lab/scratch/ 2>/dev/null | wc -l')).toBe('0\n');

    // "Last verified restorable" is in the estate, beside the database it is about.
    const backup = await lab.api('GET', '/api/v1/estate/resources/backup/pg-sh-1');
    expect(backup.status).toBe(200);
    expect(backup.body.source).toBe('backup-verify:pg-sh-1');
    expect(backup.body.labels).toMatchObject({ verified: 'true', policy: 'met' });
    expect(backup.body.properties).toMatchObject({
      last_result: 'verified',
      last_verified_run: run.id,
      last_backup_id: out.backup_id,
      last_verified_restorable_at: out.last_verified_at,
    });
    const database = await lab.api('GET', '/api/v1/estate/resources/database/pg-sh-1');
    expect(database.body.incoming).toContainEqual(
      expect.objectContaining({ kind: 'backup', name: 'pg-sh-1', type: 'depends_on' }),
    );
  }, 150_000);

  it('records a restore that fails without losing the last good verification, and fails the run', async () => {
    const before = (await lab.api('GET', '/api/v1/estate/resources/backup/pg-sh-1')).body;
    // The scratch site cannot fetch the backup: nothing listens there.
    const run = await start({ backup_url: 'http://10.77.2.40:8099' });
    expect(run.status).toBe('failed');
    expect(run.steps.find((s) => s.id === 'restore')!.status).toBe('failed');
    expect(run.steps.find((s) => s.id === 'cleanup')!.status).toBe('succeeded');
    const after = (await lab.api('GET', '/api/v1/estate/resources/backup/pg-sh-1')).body;
    expect(after.properties.last_result).toBe('failed');
    expect(after.properties.last_run).toBe(run.id);
    expect(after.properties.last_verified_run).toBe(before.properties.last_verified_run);
    expect(after.labels.verified).toBe('false');
  }, 120_000);

  it('raises one incident while the newest verified backup is older than the policy, resolved when it is met', async () => {
    const incidents = async () =>
      (await lab.api('GET', '/api/v1/incidents?status=open&resource=database/pg-sh-1')).body.incidents as {
        id: string;
        title: string;
      }[];
    expect(await incidents()).toEqual([]);
    // A policy no backup can meet: verified restorable data at most 1 s old (and only this backup kept).
    const run = await start({ max_age: '1s', keep: 1 });
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toMatchObject({ verified: 'true', policy: 'breached' });
    // Retention: the older base backups went, with the archived WAL only they needed.
    const store = '/var/lib/tandem-lab/backups/pg-sh-1';
    expect(readdirSync(`${store}/base`)).toEqual([run.outputs!.backup_id]);
    const wal = readdirSync(`${store}/wal`).filter((f) => /^[0-9A-F]{24}$/.test(f));
    expect(wal.length).toBeLessThanOrEqual(3);
    const open = await incidents();
    expect(open).toHaveLength(1);
    expect(open[0]!.title).toMatch(/Backup of pg-sh-1 not verified restorable/);
    // Checking again (a schedule would) keeps it one incident.
    const check = await start({ mode: 'check', max_age: '1s' });
    expect(check.outputs).toMatchObject({ policy: 'breached' });
    expect((await incidents()).map((i) => i.id)).toEqual([open[0]!.id]);
    // The default policy (26h) is met by the backup verified a moment ago: the alert resolves.
    const ok = await start({ mode: 'check' });
    expect(ok.outputs).toMatchObject({ policy: 'met' });
    expect(await incidents()).toEqual([]);
    const incident = (await lab.api('GET', `/api/v1/incidents/${open[0]!.id}`)).body;
    expect(incident.status).toBe('resolved');
  }, 120_000);
});
