/**
 * The problems found in one runbook, collected so the user sees all of them at once.
 */
import { TandemError, type ErrorDetail, type TandemErrorCode } from '../errors.ts';
import { formatPath, type PathSegment, type Position, type Where, type YamlSource } from './yaml-source.ts';

export class ProblemList {
  readonly details: ErrorDetail[] = [];
  private readonly source: YamlSource;
  /** What the document is, for the error: a runbook by default (an estate file reuses this). */
  private readonly what: { noun: string; code: TandemErrorCode };

  constructor(source: YamlSource, what = { noun: 'runbook', code: 'invalid_runbook' as TandemErrorCode }) {
    this.source = source;
    this.what = what;
  }

  /** A problem with the value at `path`; its line and column come from the YAML. */
  add(path: readonly PathSegment[], message: string, where: Where = {}): void {
    this.addAt(path, message, this.source.position(path, where));
  }

  /** A problem whose position is already known (YAML syntax errors). */
  addAt(path: readonly PathSegment[], message: string, position: Position | undefined): void {
    this.details.push({ path: formatPath(path), message, ...position });
  }

  /** The line the value at `path` is written on, to point from one problem to another place. */
  lineOf(path: readonly PathSegment[]): number | undefined {
    return this.source.position(path)?.line;
  }

  get size(): number {
    return this.details.length;
  }

  /** One error (`invalid_runbook`) listing every problem, in the order they appear in the file. */
  toError(): TandemError {
    const details = [...this.details].sort(
      (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
    );
    const count = details.length === 1 ? '1 problem' : `${details.length} problems`;
    const lines = details.map((d) => {
      const where = d.line === undefined ? '' : `line ${d.line}, column ${d.column ?? 1}: `;
      return `  ${where}${d.path === '' ? '' : `${d.path}: `}${d.message}`;
    });
    return new TandemError(this.what.code, `invalid ${this.what.noun} (${count}):\n${lines.join('\n')}`, {
      details,
    });
  }
}
