/**
 * Severities as senders write them, mapped onto Tandem's four (PagerDuty's set: critical, error,
 * warning, info), and ordered so an incident's severity is the highest of its alerts.
 */
import { severities, type Severity } from './model.ts';

/** What an alert without a recognisable severity gets: it is a problem, but nobody said how bad. */
export const DEFAULT_SEVERITY: Severity = 'warning';

/** Words seen in the wild (Prometheus rules, Grafana, Zabbix, syslog, P1–P5) and what they mean here. */
const ALIASES: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  crit: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  emerg: 'critical',
  alert: 'critical',
  disaster: 'critical',
  page: 'critical',
  p1: 'critical',
  error: 'error',
  err: 'error',
  high: 'error',
  major: 'error',
  severe: 'error',
  p2: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  average: 'warning',
  minor: 'warning',
  p3: 'warning',
  info: 'info',
  informational: 'info',
  information: 'info',
  notice: 'info',
  low: 'info',
  debug: 'info',
  none: 'info',
  ok: 'info',
  p4: 'info',
  p5: 'info',
};

/** The severity a sender's word means, or `fallback` when it means none of ours. */
export function normalizeSeverity(text: unknown, fallback: Severity = DEFAULT_SEVERITY): Severity {
  if (typeof text !== 'string') return fallback;
  return ALIASES[text.trim().toLowerCase()] ?? fallback;
}

/** 0 for critical … 3 for info: lower is worse. */
export const severityRank = (s: Severity): number => severities.indexOf(s);

/** The worst of `list` (info for none). */
export function maxSeverity(list: Iterable<Severity>): Severity {
  let worst: Severity = 'info';
  for (const s of list) if (severityRank(s) < severityRank(worst)) worst = s;
  return worst;
}
