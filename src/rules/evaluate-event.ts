/**
 * One queued event against every enabled rule, in the transaction that takes it off the queue:
 * each matching rule's decision (firing), its lock on the alert group, the run it starts and the
 * run's link to the incident commit together, or not at all (and the event is tried again).
 */
import {
  approvalMessage,
  approvalRequired,
  checkGuardRails,
  gateRunbookName,
  gateRunbookSource,
  GATE_MESSAGE_INPUT,
  groupKeyOf,
  rateWindowStart,
  resourceKeyOf,
  ruleContext,
  ruleInputs,
  ruleMatches,
  type Rule,
  type RuleFacts,
} from '../core/rules/index.ts';
import { errorMessage, isTandemError } from '../core/errors.ts';
import type { ExprContext } from '../core/expr/index.ts';
import { parseRunbook, resolveInputs, runbookHash, type Runbook } from '../core/runbook/index.ts';
import type { Logger } from '../engine/deps.ts';
import type { Engine } from '../engine/engine.ts';
import {
  applyRunbook,
  findResource,
  findRunbook,
  runbookDefinition,
  type Store,
  type Tx,
} from '../store/index.ts';
import {
  groupLockHolder,
  insertFiring,
  lastStartForResource,
  lockRuleRow,
  runningCount,
  setLockRun,
  startsSince,
  takeGroupLock,
  type NewFiring,
} from './firings.ts';
import { activeFreeze } from './freezes.ts';
import type { IncidentPort } from './incident-port.ts';
import type { QueuedEvaluation } from './queue.ts';
import { listRules, type StoredRule } from './rule-store.ts';

export interface RuleWorkerDeps {
  store: Store;
  engine: Engine;
  clock: () => number;
  newId: () => string;
  log: Logger;
  incidents: IncidentPort;
}

/** Who started a run, as runs and the audit trail show it. */
export const ruleActor = (rule: string) => `rule:${rule}`;

/** Evaluate one queued event; the caller deletes it from the queue in the same transaction. */
export async function evaluateQueuedEvent(tx: Tx, deps: RuleWorkerDeps, q: QueuedEvaluation): Promise<void> {
  const event = await deps.incidents.loadEvent(tx, q.eventId);
  if (event === undefined) {
    deps.log.warn({ event: q.eventId }, 'queued event not found; not evaluated');
    return;
  }
  const incident =
    q.incidentId === null ? null : ((await deps.incidents.loadIncident(tx, q.incidentId)) ?? null);
  const ref = event.resource ?? incident?.resource ?? null;
  const resource = ref === null ? null : ((await findResource(tx.db, ref.kind, ref.name)) ?? null);
  const facts: RuleFacts = { event, incident, resource };
  const ctx = ruleContext(facts);
  // In name order: rule rows are locked in one order by every evaluator, so none deadlock.
  for (const stored of await listRules(tx.db, { enabledOnly: true })) {
    if (!ruleMatches(stored.rule, ctx)) continue;
    await decide(tx, deps, stored, facts, ctx);
  }
}

interface Target {
  runbook: Runbook;
  inputs: Record<string, unknown>;
}

/** The run's inputs and the runbook they are checked against, or the error that stops the rule. */
async function prepare(tx: Tx, rule: Rule, ctx: ExprContext): Promise<Target | { error: string }> {
  try {
    const rendered = ruleInputs(rule, ctx);
    const row = await findRunbook(tx.db, rule.spec.runbook);
    if (row === undefined) return { error: `runbook ${rule.spec.runbook} does not exist` };
    const runbook = runbookDefinition(row);
    return { runbook, inputs: resolveInputs(runbook.spec.inputs, rendered) };
  } catch (err: unknown) {
    // Expressions and input checks fail with TandemErrors; anything else is the store's.
    if (!isTandemError(err)) throw err;
    return { error: errorMessage(err) };
  }
}

/** The inputs as recorded on the firing: secret inputs masked. */
function recorded(target: Target): Record<string, unknown> {
  const specs = target.runbook.spec.inputs ?? {};
  return Object.fromEntries(
    Object.entries(target.inputs).map(([k, v]) => [k, specs[k]?.secret === true ? '***' : v]),
  );
}

async function decide(
  tx: Tx,
  deps: RuleWorkerDeps,
  stored: StoredRule,
  facts: RuleFacts,
  ctx: ExprContext,
): Promise<void> {
  const { rule, name } = stored;
  const spec = rule.spec;
  await lockRuleRow(tx, name);
  const now = deps.clock();
  const incidentId = facts.incident?.id ?? null;
  const base = {
    id: deps.newId(),
    rule: name,
    ruleVersion: stored.version,
    eventId: facts.event.id,
    incidentId,
    groupKey: groupKeyOf(facts),
    resource: resourceKeyOf(facts),
    runbook: spec.runbook,
    now,
  };
  const timeline = async (kind: string, message: string, runId: string | null, data = {}) => {
    if (incidentId !== null)
      await deps.incidents.appendTimeline(tx, incidentId, {
        kind,
        message,
        rule: name,
        runId,
        data,
        at: now,
      });
  };

  const target = await prepare(tx, rule, ctx);
  if ('error' in target) {
    await insertFiring(tx.db, {
      ...base,
      decision: 'error',
      reason: 'error',
      inputs: null,
      approval: false,
      runId: null,
      details: { error: target.error },
    });
    await timeline('rule.error', `Rule ${name} could not start ${spec.runbook}: ${target.error}`, null);
    return;
  }

  const approval = approvalRequired(rule, ctx);
  const dryRun = spec.dry_run;
  const windowStart = rateWindowStart(spec, now);
  const verdict = checkGuardRails(spec, {
    now,
    maintenance: spec.skip_during_maintenance
      ? await deps.incidents.maintenance(tx, facts.event, facts.resource, now)
      : null,
    freeze: spec.skip_during_freeze ? await activeFreeze(tx.db, now) : null,
    handledBy: await groupLockHolder(tx.db, { rule: name, groupKey: base.groupKey, dryRun }),
    lastStartForResource:
      spec.cooldown === undefined
        ? null
        : await lastStartForResource(tx.db, { rule: name, resource: base.resource, dryRun }),
    startsInWindow:
      windowStart === null ? 0 : await startsSince(tx.db, { rule: name, since: windowStart, dryRun }),
    // A dry run starts nothing, so nothing of it is running.
    running: spec.max_concurrent === undefined || dryRun ? 0 : await runningCount(tx.db, name),
  });
  const details = {
    checks: verdict.checks,
    approval: approval.because,
    dry_run: dryRun,
    ...(verdict.message === undefined ? {} : { message: verdict.message }),
  };
  const firing: NewFiring = {
    ...base,
    decision: 'skipped',
    reason: verdict.reason ?? null,
    inputs: recorded(target),
    approval: approval.required,
    runId: null,
    details,
  };

  const locked =
    verdict.allow &&
    (await takeGroupLock(tx.db, { rule: name, groupKey: base.groupKey, dryRun, firingId: base.id, now }));
  if (!locked) {
    if (verdict.allow) {
      firing.reason = 'already_handled';
      details.checks.already_handled = 'refused: another evaluation took the alert group first';
    }
    await insertFiring(tx.db, firing);
    // Repeats of a handled alert would flood the timeline; other refusals are worth seeing.
    if (firing.reason !== 'already_handled')
      await timeline(
        'rule.skipped',
        `Rule ${name} did not start ${spec.runbook}: ${verdict.message ?? ''}`,
        null,
        {
          reason: firing.reason,
        },
      );
    return;
  }

  if (dryRun) {
    await insertFiring(tx.db, { ...firing, decision: 'dry_run', reason: null });
    await timeline(
      'rule.dry_run',
      `Rule ${name} (dry run) would have started ${spec.runbook}${approval.required ? ' after approval' : ''}`,
      null,
      { inputs: firing.inputs },
    );
    return;
  }

  const run = approval.required
    ? await startGated(tx, deps, stored, target, approvalMessage(rule, ctx, spec.runbook), now)
    : await deps.engine.startRunIn(tx, {
        runbook: spec.runbook,
        inputs: target.inputs,
        actor: ruleActor(name),
      });
  await insertFiring(tx.db, { ...firing, decision: 'started', reason: null, runId: run.id });
  await setLockRun(tx.db, { firingId: base.id, runId: run.id });
  // linkRun writes "run linked by rule" on the timeline; a gated run also says what it waits for.
  if (incidentId !== null) await deps.incidents.linkRun(tx, incidentId, run.id, name);
  if (approval.required)
    await timeline(
      'rule.approval_requested',
      `Rule ${name} started ${spec.runbook} behind an approval (${approval.because}); run ${run.id} waits for it`,
      run.id,
      { approval: true },
    );
  deps.log.info(
    { rule: name, run: run.id, event: facts.event.id, approval: approval.required },
    'rule started a run',
  );
}

/** Apply the rule's gate runbook (a no-op when unchanged) and start it. */
async function startGated(
  tx: Tx,
  deps: RuleWorkerDeps,
  stored: StoredRule,
  target: Target,
  message: string,
  now: number,
): Promise<{ id: string; status: string }> {
  const source = gateRunbookSource({
    rule: stored.name,
    approval: stored.rule.spec.approval,
    target: target.runbook,
    inputKeys: Object.keys(target.inputs),
  });
  const gate = parseRunbook(source);
  const applied = await applyRunbook(tx.db, {
    source,
    hash: runbookHash(source),
    runbook: gate,
    actor: ruleActor(stored.name),
    now,
  });
  const inputs =
    GATE_MESSAGE_INPUT in target.inputs ? target.inputs : { ...target.inputs, [GATE_MESSAGE_INPUT]: message };
  return deps.engine.startRunIn(tx, {
    runbook: gateRunbookName(stored.name),
    version: applied.version,
    inputs,
    actor: ruleActor(stored.name),
  });
}
