import { createHash } from 'node:crypto';

/**
 * The version hash of a runbook: sha256 (hex) of its exact text, so a run can pin the version it
 * started with. Whitespace and comments count: the text is what the user wrote and reviews.
 */
export function runbookHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
