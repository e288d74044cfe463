/**
 * What commands print: aligned tables and short timestamps for people, the server's JSON
 * untouched for scripts (`--json`). Formatting functions return strings so tests can read them.
 */
import { describeError, type CliError } from './errors.ts';

/** Writes a line (or lines) to standard output. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** The answer as the server sent it, pretty-printed. */
export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** `error: message` and its details on standard error. */
export function printError(err: CliError): void {
  process.stderr.write(`error: ${describeError(err)}\n`);
}

/** A table cell: `-` for nothing, text as is, anything else as compact JSON. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Columns padded to their widest cell; the last column is not padded, so lines carry no trailing blanks. */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = [headers, ...rows.map((r) => headers.map((_, i) => cell(r[i]).replaceAll('\n', ' ')))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const two = (n: number) => String(n).padStart(2, '0');

/** `HH:MM:SS` in local time, or `-`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `YYYY-MM-DD HH:MM:SS` in local time, or `-`. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${formatTime(iso)}`;
}

/** Compact JSON cut to `max` characters; empty for nothing or an empty object. */
export function summarize(value: unknown, max = 80): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && Object.keys(value).length === 0) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `key=value` pairs on one line, for inputs, outputs and labels. */
export function pairs(value: unknown): string {
  if (value === null || typeof value !== 'object') return cell(value);
  const entries = Object.entries(value);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${cell(v)}`).join(' ');
}
