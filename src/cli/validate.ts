/** `tandem runbook validate`: the server's own parser, run locally, problems shown compiler-style. */
import { readFile } from 'node:fs/promises';
import { isTandemError } from '../core/errors.ts';
import { parseRunbook } from '../core/runbook/index.ts';
import type { ApiErrorDetail } from './errors.ts';

export interface FileValidation {
  file: string;
  valid: boolean;
  name?: string;
  problems: ApiErrorDetail[];
}

/** Validates one runbook text; a problem with the text is a result, not an exception. */
export function validateSource(file: string, text: string): FileValidation {
  try {
    const runbook = parseRunbook(text);
    return { file, valid: true, name: runbook.metadata.name, problems: [] };
  } catch (err: unknown) {
    if (!isTandemError(err, 'invalid_runbook')) throw err;
    const problems = err.details.length > 0 ? err.details : [{ path: '', message: err.message }];
    return { file, valid: false, problems };
  }
}

export async function validateFile(file: string): Promise<FileValidation> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err: unknown) {
    const reason =
      err instanceof Error && 'code' in err && err.code === 'ENOENT' ? 'no such file' : String(err);
    return { file, valid: false, problems: [{ path: '', message: `cannot read: ${reason}` }] };
  }
  return validateSource(file, text);
}

/** `FILE:LINE:COL: path: message`, the form editors and CI annotate from. */
export function formatProblem(file: string, p: ApiErrorDetail): string {
  const where = p.line === undefined ? file : `${file}:${p.line}:${p.column ?? 1}`;
  return `${where}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;
}
