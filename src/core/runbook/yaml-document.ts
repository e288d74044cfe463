/**
 * Reading the YAML of a `tandem/v1` document other than a runbook (estate, probe, SLO, rule,
 * schedule, scaling policy) into plain data: YAML syntax errors and duplicate keys, an
 * unreadable document and an empty one are all reported with their line, in one error.
 */
import type { YAMLError } from 'yaml';
import type { TandemErrorCode } from '../errors.ts';
import { ProblemList } from './problems.ts';
import { formatPath, YamlSource } from './yaml-source.ts';

export interface YamlDocumentKind {
  /** What the document is, for the error: `probe file`, `SLO`… */
  noun: string;
  code: TandemErrorCode;
  /** Its `kind:`, named when the file is empty. */
  kind: string;
  /** Said after YAML's own message when the text holds several documents. */
  multipleDocsHint?: string;
}

/** The document's data and the problem list, for the schema and the checks that follow. */
export function readYamlDocument(
  text: string,
  k: YamlDocumentKind,
): { input: unknown; problems: ProblemList } {
  const source = new YamlSource(text);
  const problems = new ProblemList(source, { noun: k.noun, code: k.code });
  for (const error of source.doc.errors) yamlProblem(error, source, problems, k.multipleDocsHint);
  if (problems.size > 0) throw problems.toError();
  const data = source.data();
  if ('error' in data) {
    problems.addAt([], data.error, { line: 1, column: 1 });
    throw problems.toError();
  }
  if (data.value === null || data.value === undefined) {
    problems.addAt([], `the file is empty; it starts with apiVersion: tandem/v1 and kind: ${k.kind}`, {
      line: 1,
      column: 1,
    });
    throw problems.toError();
  }
  return { input: data.value, problems };
}

function yamlProblem(error: YAMLError, source: YamlSource, problems: ProblemList, hint = ''): void {
  const [offset] = error.pos;
  const path = source.pathAt(offset);
  const message =
    error.code === 'DUPLICATE_KEY'
      ? `duplicate key "${String(path.at(-1))}" in ${formatPath(path.slice(0, -1)) || 'the top level'}`
      : `YAML syntax error: ${error.message}${error.code === 'MULTIPLE_DOCS' ? hint : ''}`;
  problems.addAt(path, message, source.positionAt(offset));
}
