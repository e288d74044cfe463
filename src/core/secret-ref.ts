/**
 * How a secret travels through rendering: `${{ secrets.NAME }}` renders as a reference, never as
 * the value. The value replaces the reference only when an agent of an allowed site claims the
 * step, so no value is ever stored in a step, an event or a log.
 *
 * A reference carries a random nonce of the rendering that made it, kept with the action: an
 * input or an output that spells a reference cannot forge one, since it cannot know the nonce.
 */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** Matches every reference in a text; group 1 is the nonce, group 2 the name. */
export const SECRET_REF = /%%tandem-secret:([A-Za-z0-9]{8,64}):([A-Za-z_][A-Za-z0-9_-]{0,127})%%/g;

export const secretRef = (name: string, nonce: string): string => `%%tandem-secret:${nonce}:${name}%%`;

/** Names of the secrets a text refers to with this nonce (others are plain text). */
export function secretRefs(text: string, nonce: string | undefined): Set<string> {
  if (nonce === undefined) return new Set();
  return new Set([...text.matchAll(SECRET_REF)].filter((m) => m[1] === nonce).map((m) => m[2]!));
}

export const hasSecretRef = (text: string): boolean => text.includes('%%tandem-secret:');
