/**
 * How a secret travels through rendering: `${{ secrets.NAME }}` renders as a reference, never as
 * the value. The value replaces the reference only when an agent of an allowed site claims the
 * step, so no value is ever stored in a step, an event or a log.
 */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** Matches every reference in a rendered text; group 1 is the name. */
export const SECRET_REF = /%%tandem-secret:([A-Za-z_][A-Za-z0-9_-]{0,127})%%/g;

export const secretRef = (name: string): string => `%%tandem-secret:${name}%%`;

/** Names of the secrets a text refers to. */
export function secretRefs(text: string): Set<string> {
  return new Set([...text.matchAll(SECRET_REF)].map((m) => m[1]!));
}
