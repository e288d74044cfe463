/** `@username` mentions in the markdown of comments. */

/** Mentions looked up per comment; more are ignored. */
const MAX_MENTIONS = 50;

/**
 * The usernames `@name` names in a text (lower-cased, without trailing punctuation, each once). A
 * mention starts a word: `mail@example.com` mentions nobody.
 */
export function mentionsIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?<![\w.@-])@([A-Za-z0-9][\w.@-]*)/g)) {
    const name = m[1]!.replace(/[._@-]+$/, '').toLowerCase();
    if (name !== '' && name.length <= 64) found.add(name);
    if (found.size >= MAX_MENTIONS) break;
  }
  return [...found];
}
