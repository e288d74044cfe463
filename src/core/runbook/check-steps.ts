/**
 * Checks of the step graph that the schema cannot express: one body per step, unique ids, needs
 * that name existing steps of the right section, no cycles, `max_parallel` only with `foreach`.
 */
import { findCycles, describeCycle } from './dag.ts';
import { stepBodyKinds, type CompensateSpec, type Runbook, type StepSpec } from './model.ts';
import type { ProblemList } from './problems.ts';
import { didYouMean } from './suggest.ts';
import type { PathSegment } from './yaml-source.ts';

type Section = 'steps' | 'finally';

interface Located {
  step: StepSpec;
  section: Section;
  path: PathSegment[];
}

function checkBody(body: CompensateSpec, path: PathSegment[], what: string, problems: ProblemList): void {
  const kinds = stepBodyKinds.filter((kind) => body[kind] !== undefined);
  if (kinds.length === 0) {
    problems.add(path, `${what} has no body: give it exactly one of ${stepBodyKinds.join(', ')}`);
  }
  if (body.user !== undefined && kinds[0] !== undefined && kinds[0] !== 'shell' && kinds[0] !== 'script') {
    problems.add([...path, 'user'], `user applies to shell and script steps, not to ${kinds[0]}`, {
      at: 'key',
    });
  }
  for (const extra of kinds.slice(1)) {
    problems.add(
      [...path, extra],
      `${what} has both ${kinds[0]!} and ${extra}; a step does exactly one thing: split it into two steps`,
      { at: 'key' },
    );
  }
}

function checkNeeds(item: Located, sectionOf: Map<string, Section>, problems: ProblemList): void {
  const { step, section, path } = item;
  step.needs?.forEach((need, j) => {
    const at = [...path, 'needs', j];
    const needSection = sectionOf.get(need);
    if (need === step.id) problems.add(at, `step "${step.id}" needs itself; remove it from needs`);
    else if (needSection === undefined) {
      problems.add(at, `needs "${need}", but no step has that id${didYouMean(need, sectionOf.keys())}`);
    } else if (section === 'steps' && needSection === 'finally') {
      problems.add(
        at,
        `"${need}" is a finally step; main steps cannot need finally steps, which run after them`,
      );
    } else if (section === 'finally' && needSection === 'steps') {
      problems.add(
        at,
        `"${need}" is a main step; finally steps may only need finally steps (they all run after the main steps)`,
      );
    }
  });
}

function checkCycles(items: Located[], problems: ProblemList): void {
  const steps = items.map(({ step }) => ({
    id: step.id,
    needs: step.needs?.filter((n) => n !== step.id),
  }));
  for (const cycle of findCycles(steps)) {
    const [first, second] = cycle;
    const item = items.find((i) => i.step.id === first)!;
    const index = item.step.needs?.indexOf(second ?? first!) ?? -1;
    problems.add(
      index < 0 ? item.path : [...item.path, 'needs', index],
      `steps ${cycle.join(', ')} need each other in a cycle (${describeCycle(cycle)}); remove one of these needs`,
    );
  }
}

/** Adds a problem for each rule of the step graph the spec breaks. */
export function checkSteps(spec: Runbook['spec'], problems: ProblemList): void {
  const items: Located[] = [
    ...spec.steps.map((step, i): Located => ({ step, section: 'steps', path: ['spec', 'steps', i] })),
    ...(spec.finally ?? []).map((step, i): Located => ({
      step,
      section: 'finally',
      path: ['spec', 'finally', i],
    })),
  ];
  const sectionOf = new Map<string, Section>();
  const firstAt = new Map<string, PathSegment[]>();
  for (const { step, section, path } of items) {
    checkBody(step, path, `step "${step.id}"`, problems);
    if (step.compensate) checkBody(step.compensate, [...path, 'compensate'], 'compensate', problems);
    if (step.max_parallel !== undefined && step.foreach === undefined) {
      problems.add(
        [...path, 'max_parallel'],
        'max_parallel limits the items of a foreach; this step has no foreach',
        { at: 'key' },
      );
    }
    const first = firstAt.get(step.id);
    if (first === undefined) {
      firstAt.set(step.id, path);
      sectionOf.set(step.id, section);
    } else {
      const line = problems.lineOf(first);
      const where = line === undefined ? '' : ` (first at line ${line})`;
      problems.add([...path, 'id'], `duplicate step id "${step.id}"${where}; step ids must be unique`);
    }
  }
  for (const item of items) checkNeeds(item, sectionOf, problems);
  checkCycles(
    items.filter((i) => i.section === 'steps'),
    problems,
  );
  checkCycles(
    items.filter((i) => i.section === 'finally'),
    problems,
  );
}
