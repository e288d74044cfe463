/** The permission table as markdown, for docs/access.md (kept current by a test). */
import { permissions, ROLE_PERMISSIONS, roles } from './roles.ts';

export function accessTableMarkdown(): string {
  const head = `| permission | ${roles.join(' | ')} |`;
  const rule = `| --- | ${roles.map(() => ':-:').join(' | ')} |`;
  const rows = permissions.map(
    (p) => `| \`${p}\` | ${roles.map((r) => (ROLE_PERMISSIONS[r].has(p) ? '✔' : '')).join(' | ')} |`,
  );
  return [head, rule, ...rows].join('\n');
}
