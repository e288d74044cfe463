/** Dates, times and durations in the reader's language and time zone (Intl's defaults). */

const cache = new Map<string, Intl.DateTimeFormat>();
function dateFormat(lang: string, withSeconds: boolean): Intl.DateTimeFormat {
  const key = `${lang}|${withSeconds}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' } : {}),
    });
    cache.set(key, f);
  }
  return f;
}

export const timeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function formatDateTime(iso: string, lang: string, withSeconds = true): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat(lang, withSeconds).format(d);
}

export function formatTime(iso: string, lang: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(d);
}

/** "3 minutes ago", "in 2 hours", "3分钟前": the largest whole unit. */
export function formatRelative(iso: string, lang: string, now: number): string {
  const ms = new Date(iso).getTime() - now;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const abs = Math.abs(ms);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1_000],
  ];
  for (const [unit, size] of units)
    if (abs >= size || unit === 'second') return rtf.format(Math.round(ms / size), unit);
  return rtf.format(0, 'second');
}

/** "1 h 5 min", "4.2 s", "120 ms": two units at most, in the reader's language. */
export function formatDuration(ms: number, lang: string): string {
  const unit = (u: string, n: number, digits = 0) =>
    new Intl.NumberFormat(lang, {
      style: 'unit',
      unit: u,
      unitDisplay: 'short',
      maximumFractionDigits: digits,
    }).format(n);
  if (ms < 1_000) return unit('millisecond', Math.max(0, Math.round(ms)));
  if (ms < 60_000) return unit('second', ms / 1_000, 1);
  const parts: string[] = [];
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1_000);
  if (h > 0) parts.push(unit('hour', h), unit('minute', m));
  else parts.push(unit('minute', m), unit('second', s));
  return parts.join(' ');
}
