/** Server-wide settings of events and incidents, from the environment. */

/**
 * `TANDEM_INCIDENT_AUTO_RESOLVE`: whether an incident resolves by itself when all its alerts have
 * resolved (`true` unless set to `false`, `0`, `no` or `off`). A source's own `auto_resolve`
 * overrides it for the incidents that source opens; site incidents never resolve by themselves.
 */
export function autoResolveFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.TANDEM_INCIDENT_AUTO_RESOLVE?.trim().toLowerCase();
  return !(v === 'false' || v === '0' || v === 'no' || v === 'off');
}
