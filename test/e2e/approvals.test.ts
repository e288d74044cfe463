/**
 * People in the loop, end to end over real HTTP against a `tandem server` process: an approval by
 * two DBAs where the starter may not approve, a rejection without a comment is refused, the
 * deadline escalates to the team leads and their decision lets the run finish; then a manual task
 * with a form, a claim, a hand-over, evidence attached and downloaded, and answers the next step uses.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson } from '../support/people.ts';
import { BIN, client, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';

/** Attachments above 200 000 bytes answer 413 on this server. */
const MAX_ATTACHMENT = 200_000;

let dataDir: string;
let server: ServerProcess;
let admin: ReturnType<typeof client>;
const as: Record<string, ReturnType<typeof client>> = {};
const tokens: Record<string, string> = {};

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The open task of a step of a run, once the step waits for it. */
const taskOf = (runId: string, step: string) =>
  until(`the task of ${step}`, async () => {
    const run = await admin('GET', `/api/v1/runs/${runId}`);
    const s = (run.body.steps as { id: string; task: { id: string; status: string } | null }[]).find(
      (x) => x.id === step,
    );
    return s?.task?.status === 'open' ? s.task.id : undefined;
  });

const finished = (runId: string) =>
  until(`run ${runId} to finish`, async () => {
    const run = await admin('GET', `/api/v1/runs/${runId}`);
    return ['succeeded', 'failed', 'cancelled'].includes(run.body.status as string) ? run.body : undefined;
  });

const inboxOf = async (who: string) =>
  ((await as[who]!('GET', '/api/v1/inbox')).body.tasks as { id: string }[]).map((t) => t.id);

/** `tandem …` against the server, as `who`. */
function tandem(
  who: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, TANDEM_SERVER: server.url, TANDEM_TOKEN: tokens[who]! },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tandem-approvals-'));
  server = await startServerProcess({
    port: await freePort(),
    dataDir,
    env: { TANDEM_ATTACHMENT_MAX_BYTES: String(MAX_ATTACHMENT) },
  });
  admin = client(server.url);
  const people: [string, { name: string; roles: ('viewer' | 'operator' | 'approver')[] }[]][] = [
    // The starter is a DBA too: only four-eyes keeps them from approving their own change.
    [
      'sam',
      [
        { name: 'ops', roles: ['operator'] },
        { name: 'dba', roles: ['approver'] },
      ],
    ],
    ['dina', [{ name: 'dba', roles: ['approver'] }]],
    ['dave', [{ name: 'dba', roles: ['approver'] }]],
    ['lena', [{ name: 'dba-leads', roles: ['approver'] }]],
    ['otto', [{ name: 'ops', roles: ['operator'] }]],
    ['olga', [{ name: 'ops', roles: ['operator'] }]],
    ['vic', [{ name: 'watchers', roles: ['viewer'] }]],
  ];
  for (const [username, teams] of people) {
    const p = await createPerson(admin, { username, teams });
    tokens[username] = p.token;
    as[username] = client(server.url, p.token);
  }
}, 60_000);

afterAll(async () => {
  await server?.kill('SIGTERM');
  await rm(dataDir, { recursive: true, force: true });
});

const APPROVAL = `apiVersion: tandem/v1
kind: Runbook
metadata: { name: db-change, labels: { category: database } }
spec:
  steps:
    - id: plan
      shell: echo rows=42 >> "$TANDEM_OUTPUTS"
    - id: approve
      needs: [plan]
      approval:
        approvers: { team: dba }
        quorum: 2
        four_eyes: true
        timeout: 4s
        on_timeout: escalate
        escalate: { to: { team: dba-leads }, timeout: 1h, on_timeout: reject }
        message: "Change \${{ steps.plan.outputs.rows }} rows?"
    - id: apply
      needs: [approve]
      shell: echo applied_for=\${{ steps.approve.outputs.decided_by }} >> "$TANDEM_OUTPUTS"
`;

describe('an approval by two DBAs, escalated to the leads', () => {
  it('refuses the starter, a viewer, an operator and a lead; refuses a rejection without comment; escalates; resumes', async () => {
    expect((await admin('POST', '/api/v1/runbooks', APPROVAL, 'application/yaml')).status).toBe(201);
    const bad = await admin(
      'POST',
      '/api/v1/runbooks',
      APPROVAL.replace('{ team: dba }', '{ role: dba }'),
      'application/yaml',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({
      path: 'spec.steps[1].approval.approvers.role',
      line: 11,
      message: expect.stringMatching(/"dba" is not a role .* write team: dba/),
    });

    const started = await as.sam!('POST', '/api/v1/runs', { runbook: 'db-change' });
    expect(started.status).toBe(201);
    const runId = started.body.id as string;
    const taskId = await taskOf(runId, 'approve');
    const decide = (who: string, body: unknown) =>
      as[who]!('POST', `/api/v1/tasks/${taskId}/decisions`, body);

    const task = await admin('GET', `/api/v1/tasks/${taskId}`);
    expect(task.body).toMatchObject({
      kind: 'approval',
      title: 'Change 42 rows?',
      assignees: { team: 'dba' },
      quorum: 2,
      four_eyes: true,
      excluded: ['sam'],
      level: 0,
    });
    expect(Date.parse(task.body.deadline as string)).toBeGreaterThan(Date.now());

    const starter = await decide('sam', { decision: 'approve' });
    expect(starter.status).toBe(403);
    expect(starter.body.error.message).toBe('four-eyes: the person who started the run cannot approve it');
    expect((await decide('vic', { decision: 'approve' })).status).toBe(403);
    const operator = await decide('otto', { decision: 'approve' });
    expect(operator).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringMatching(/approver or admin role/) } },
    });
    const lead = await decide('lena', { decision: 'approve' });
    expect(lead).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringMatching(/assigned to team dba$/) } },
    });

    expect(await inboxOf('dina')).toContain(taskId);
    expect(await inboxOf('sam')).not.toContain(taskId);
    expect(await inboxOf('lena')).not.toContain(taskId);

    expect((await decide('dina', { decision: 'approve', comment: 'plan looks right' })).status).toBe(201);
    expect((await decide('dina', { decision: 'approve' })).status).toBe(409);
    expect(await inboxOf('dina')).not.toContain(taskId);
    const noComment = await decide('dave', { decision: 'reject' });
    expect(noComment.status).toBe(400);
    expect(noComment.body.error).toMatchObject({
      message: 'a rejection needs a comment saying why',
      details: [{ path: 'body.comment', message: 'required when rejecting' }],
    });
    expect((await admin('GET', `/api/v1/runs/${runId}`)).body.status).toBe('waiting');

    // Dave says nothing more; the deadline passes and the task goes to the leads.
    const escalated = await until('the escalation', async () => {
      const t = await admin('GET', `/api/v1/tasks/${taskId}`);
      return t.body.level === 1 ? t.body : undefined;
    });
    expect(escalated).toMatchObject({ status: 'open', assignees: { team: 'dba-leads' }, approvals: 1 });
    expect(Date.parse(escalated.deadline as string) - Date.now()).toBeGreaterThan(3_000_000);
    const late = await decide('dave', { decision: 'approve' });
    expect(late).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringMatching(/team dba-leads/) } },
    });
    expect(await inboxOf('lena')).toContain(taskId);

    const final = await decide('lena', { decision: 'approve', comment: 'ok from the leads' });
    expect(final.status).toBe(201);
    expect(final.body).toMatchObject({ run_id: runId, step: 'approve', step_status: 'succeeded' });
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    const steps = run.steps as { id: string; outputs: Record<string, string> }[];
    expect(steps.find((s) => s.id === 'apply')!.outputs).toEqual({ applied_for: 'dina,lena' });

    const afterwards = await decide('dave', { decision: 'approve' });
    expect(afterwards.status).toBe(409);
    expect(afterwards.body.error.message).toMatch(/is approved/);

    const events = (await admin('GET', `/api/v1/runs/${runId}/events`)).body.events as {
      type: string;
      actor: string | null;
      data: Record<string, unknown>;
    }[];
    expect(events.filter((e) => e.type === 'task.decided').map((e) => [e.actor, e.data.decision])).toEqual([
      ['dina', 'approve'],
      ['lena', 'approve'],
    ]);
    expect(events.find((e) => e.type === 'task.escalated')!.data).toMatchObject({
      task_id: taskId,
      assignees: { team: 'dba-leads' },
    });
    const audit = (await admin('GET', '/api/v1/audit?action=task.decided')).body.entries as {
      actor: string;
      target: string;
      data: Record<string, unknown>;
    }[];
    expect(audit.map((a) => [a.actor, a.target, a.data.decision, a.data.comment])).toEqual([
      ['dina', `task:${taskId}`, 'approve', 'plan looks right'],
      ['lena', `task:${taskId}`, 'approve', 'ok from the leads'],
    ]);

    // A comment with mentions, on the run's history.
    const comment = await as.sam!('POST', `/api/v1/runs/${runId}/comments`, {
      body: 'Thanks @dina and @lena. (mail@example.com and @nobody are not mentions of users)',
    });
    expect(comment.status).toBe(201);
    expect(comment.body).toMatchObject({ author: 'sam', mentions: ['dina', 'lena'] });
    expect((await as.vic!('POST', `/api/v1/runs/${runId}/comments`, { body: 'me too' })).status).toBe(403);
    expect(
      (await as.sam!('POST', `/api/v1/runs/${runId}/comments`, { body: 'x'.repeat(20_001) })).status,
    ).toBe(400);
    const comments = await as.vic!('GET', `/api/v1/runs/${runId}/comments`);
    expect(comments.body.comments).toHaveLength(1);
    const history = (await admin('GET', `/api/v1/runs/${runId}/events`)).body.events as {
      type: string;
      actor: string;
    }[];
    expect(history.at(-1)).toMatchObject({ type: 'comment.added', actor: 'sam' });
  });
});

const MANUAL = `apiVersion: tandem/v1
kind: Runbook
metadata: { name: manual-change }
spec:
  inputs:
    service: { type: string, default: billing }
  steps:
    - id: gather
      task:
        title: "Record the change ticket for \${{ inputs.service }}"
        description: Open it in the CAB tool first.
        assignees: { team: ops }
        form:
          type: object
          required: [ticket, hosts]
          additionalProperties: false
          properties:
            ticket: { type: string, pattern: "^CHG-[0-9]+$" }
            hosts: { type: integer, minimum: 1 }
            notes: { type: string }
    - id: use
      needs: [gather]
      shell: echo change=\${{ steps.gather.outputs.ticket }}x\${{ steps.gather.outputs.hosts }} >> "$TANDEM_OUTPUTS"
`;

describe('a manual task with a form and evidence', () => {
  it('checks answers, takes attachments, is claimed and handed over, and its answers reach the next step', async () => {
    const bad = await admin(
      'POST',
      '/api/v1/runbooks',
      MANUAL.replace('ticket: { type: string,', 'ticket: { type: strin,'),
      'application/yaml',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'spec.steps[0].task.form', line: 14 });
    expect((await admin('POST', '/api/v1/runbooks', MANUAL, 'application/yaml')).status).toBe(201);
    const runId = (await as.otto!('POST', '/api/v1/runs', { runbook: 'manual-change' })).body.id as string;
    const taskId = await taskOf(runId, 'gather');
    const path = `/api/v1/tasks/${taskId}`;

    expect((await admin('GET', path)).body).toMatchObject({
      kind: 'task',
      title: 'Record the change ticket for billing',
      message: 'Open it in the CAB tool first.',
      assignees: { team: 'ops' },
      form: { required: ['ticket', 'hosts'] },
    });
    expect(await inboxOf('otto')).toContain(taskId);
    expect(await inboxOf('dina')).not.toContain(taskId);

    // Answers that do not fit the form: each field with its reason.
    const wrong = await as.otto!('POST', `${path}/decisions`, {
      outputs: { ticket: 'T-1', hosts: 0, extra: true },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'outputs.ticket', message: 'must match pattern "^CHG-[0-9]+$"' },
        { path: 'outputs.hosts', message: 'must be >= 1' },
        { path: 'outputs.extra', message: 'is not a field of the form' },
      ]),
    );
    expect(
      (await as.dina!('POST', `${path}/decisions`, { outputs: { ticket: 'CHG-1', hosts: 1 } })).status,
    ).toBe(403);
    expect((await as.otto!('POST', `${path}/decisions`, { decision: 'approve' })).status).toBe(400);

    // Evidence: any bytes, kept with their sha256; too large answers 413.
    const evidence = randomBytes(150_000);
    const upload = await fetch(
      `${server.url}${path}/attachments?name=${encodeURIComponent('backup report.bin')}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.otto!}`, 'content-type': 'application/octet-stream' },
        body: evidence,
      },
    );
    expect(upload.status).toBe(201);
    const uploaded = (await upload.json()) as { id: string; size: number; sha256: string };
    expect(uploaded).toMatchObject({
      size: 150_000,
      sha256: createHash('sha256').update(evidence).digest('hex'),
    });
    const tooBig = await fetch(`${server.url}${path}/attachments?name=big.bin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.otto!}`, 'content-type': 'application/octet-stream' },
      body: randomBytes(MAX_ATTACHMENT + 1),
    });
    expect(tooBig.status).toBe(413);
    const text = await fetch(`${server.url}${path}/attachments?name=notes.txt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.otto!}`, 'content-type': 'text/plain' },
      body: 'checked the backups',
    });
    expect(text.status).toBe(201);
    const listed = (await as.vic!('GET', `${path}/attachments`)).body.attachments as { name: string }[];
    expect(listed.map((a) => a.name)).toEqual(['backup report.bin', 'notes.txt']);
    const download = await fetch(`${server.url}${path}/attachments/${uploaded.id}`, {
      headers: { authorization: `Bearer ${tokens.vic!}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="backup report.bin"; filename*=UTF-8''backup%20report.bin`,
    );
    expect(Buffer.from(await download.arrayBuffer()).equals(evidence)).toBe(true);

    // Claimed by otto: olga cannot complete it until otto hands it to her.
    expect((await as.otto!('POST', `${path}/claim`)).body).toMatchObject({ claimed_by: 'otto' });
    const taken = await as.olga!('POST', `${path}/complete`, { outputs: { ticket: 'CHG-1', hosts: 1 } });
    expect(taken).toMatchObject({
      status: 409,
      body: { error: { message: `task ${taskId} is claimed by otto` } },
    });
    const handed = await as.otto!('POST', `${path}/assign`, { user: 'olga' });
    expect(handed.body).toMatchObject({ assignees: { users: ['olga'] }, claimed_by: null });
    expect((await as.otto!('POST', `${path}/claim`)).status).toBe(403);

    // olga completes it from the command line; --set values are read per the form's types.
    const show = await tandem('olga', ['task', 'show', taskId]);
    expect(show.stdout).toContain('tandem complete');
    expect(show.stdout).toContain('backup report.bin');
    const done = await tandem('olga', ['complete', taskId, '--set', 'ticket=CHG-77', '--set', 'hosts=3']);
    expect(done.stderr).toBe('');
    expect(done.stdout).toContain(`completed task ${taskId}: step gather of run ${runId} is succeeded`);

    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    const steps = run.steps as { id: string; outputs: Record<string, string> }[];
    expect(steps.find((s) => s.id === 'gather')!.outputs).toEqual({ ticket: 'CHG-77', hosts: '3' });
    expect(steps.find((s) => s.id === 'use')!.outputs).toEqual({ change: 'CHG-77x3' });
    const closed = await fetch(`${server.url}${path}/attachments?name=late.txt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.olga!}`, 'content-type': 'text/plain' },
      body: 'late',
    });
    expect(closed.status).toBe(409);

    const events = (
      (await admin('GET', `/api/v1/runs/${runId}/events`)).body.events as { type: string; actor: string }[]
    )
      .filter((e) => e.type.startsWith('task.'))
      .map((e) => [e.type, e.actor]);
    expect(events).toEqual([
      ['task.created', null],
      ['task.claimed', 'otto'],
      ['task.assigned', 'otto'],
      ['task.completed', 'olga'],
    ]);
    const audit = (await admin('GET', '/api/v1/audit?action=attachment.added')).body.entries as {
      actor: string;
      data: Record<string, unknown>;
    }[];
    expect(audit[0]).toMatchObject({
      actor: 'otto',
      data: { name: 'backup report.bin', size: 150_000, sha256: uploaded.sha256 },
    });
  });
});

describe('the inbox', () => {
  const gate = (name: string, timeout: string) => `apiVersion: tandem/v1
kind: Runbook
metadata: { name: ${name} }
spec:
  steps:
    - id: gate
      approval:
        approvers: { team: dba }
${timeout === '' ? '' : `        timeout: ${timeout}\n`}`;

  it('lists what waits for the caller, soonest deadline first; all=true is for admins', async () => {
    const ids: string[] = [];
    for (const [name, timeout] of [
      ['no-deadline', ''],
      ['in-two-hours', '2h'],
      ['in-one-hour', '1h'],
    ] as const) {
      expect((await admin('POST', '/api/v1/runbooks', gate(name, timeout), 'application/yaml')).status).toBe(
        201,
      );
      const runId = (await admin('POST', '/api/v1/runs', { runbook: name })).body.id as string;
      ids.push(await taskOf(runId, 'gate'));
    }
    const [none, twoHours, oneHour] = ids;
    const dinas = (await inboxOf('dina')).filter((id) => ids.includes(id));
    expect(dinas).toEqual([oneHour, twoHours, none]);
    // The admin is not in team dba: these are not theirs, though they may decide on them.
    expect((await inboxOf('sam')).filter((id) => ids.includes(id))).toEqual([oneHour, twoHours, none]);
    const adminInbox = ((await admin('GET', '/api/v1/inbox')).body.tasks as { id: string }[]).map(
      (t) => t.id,
    );
    expect(adminInbox.filter((id) => ids.includes(id))).toEqual([]);
    const everything = ((await admin('GET', '/api/v1/inbox?all=true')).body.tasks as { id: string }[]).map(
      (t) => t.id,
    );
    expect(everything.filter((id) => ids.includes(id))).toEqual([oneHour, twoHours, none]);
    expect((await as.dina!('GET', '/api/v1/inbox?all=true')).status).toBe(403);
    expect((await inboxOf('otto')).filter((id) => ids.includes(id))).toEqual([]);
    // An admin still decides on any of them.
    expect((await admin('POST', `/api/v1/tasks/${none!}/decisions`, { decision: 'approve' })).status).toBe(
      201,
    );
  });
});

describe('the command line', () => {
  const FLOW = `apiVersion: tandem/v1
kind: Runbook
metadata: { name: cli-flow }
spec:
  steps:
    - id: gate
      approval: { approvers: { team: dba } }
    - id: work
      needs: [gate]
      task:
        title: Check the dashboards
        assignees: { team: ops }
        form: { type: object, properties: { ok: { type: boolean } }, required: [ok] }
`;

  it('approves, comments, claims, hands on, attaches and completes with tandem commands', async () => {
    expect((await admin('POST', '/api/v1/runbooks', FLOW, 'application/yaml')).status).toBe(201);
    const runId = (await as.otto!('POST', '/api/v1/runs', { runbook: 'cli-flow' })).body.id as string;
    const gate = await taskOf(runId, 'gate');

    const inbox = await tandem('dave', ['inbox']);
    expect(inbox.stdout).toMatch(
      new RegExp(`^${gate}\\s+approval\\s+${runId}\\s+gate\\s+team dba\\s+0/1`, 'm'),
    );
    const noWhy = await tandem('dave', ['reject', gate]);
    expect(noWhy.code).toBe(2);
    expect(noWhy.stderr).toContain('a rejection needs a comment saying why');
    const approved = await tandem('dave', ['approve', gate, '-m', 'dashboards are green']);
    expect(approved.stdout).toBe(`approved task ${gate}: step gate of run ${runId} is succeeded\n`);

    const commented = await tandem('otto', ['run', 'comment', runId, 'thanks @dave']);
    expect(commented.stdout).toMatch(/^commented on run .+ \(mentions dave\)\n$/);
    expect((await tandem('vic', ['run', 'comments', runId])).stdout).toMatch(/otto:\n {2}thanks @dave/);

    const work = await taskOf(runId, 'work');
    expect((await tandem('otto', ['task', 'claim', work])).stdout).toContain(`claimed task ${work}`);
    const file = join(dataDir, 'screenshot.png');
    await writeFile(file, Buffer.from('not really a png'));
    const attached = await tandem('otto', ['task', 'attach', work, file]);
    expect(attached.stdout).toMatch(/^attached screenshot\.png to task .+, 16 bytes, sha256 [0-9a-f]{64}\n$/);
    const handed = await tandem('otto', ['task', 'assign', work, '--user', 'olga']);
    expect(handed.stdout).toBe(`task ${work} is now for users olga\n`);
    expect((await tandem('otto', ['task', 'assign', work])).code).toBe(2);
    const shown = await tandem('olga', ['task', 'show', work]);
    expect(shown.stdout).toContain('for:       users olga');
    expect(shown.stdout).toContain('screenshot.png');
    expect(shown.stdout).toContain(`tandem complete ${work} --set ok=…`);
    const wrong = await tandem('olga', ['complete', work, '--set', 'ok=maybe']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('outputs.ok: must be boolean');
    expect((await tandem('olga', ['complete', work, '--set', 'ok=true'])).code).toBe(0);
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect((run.steps as { id: string; outputs: unknown }[]).find((s) => s.id === 'work')!.outputs).toEqual({
      ok: 'true',
    });
  });
});
