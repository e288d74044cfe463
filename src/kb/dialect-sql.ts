/** The few SQL expressions the knowledge base writes differently per dialect. */
import { sql, type RawBuilder } from 'kysely';
import type { DialectAdapter } from '../store/index.ts';

/** The sum of the byte lengths of a text column (SQLite's `length` counts characters). */
export function byteLengthSum(dialect: DialectAdapter, column: string): RawBuilder<number> {
  return dialect.name === 'postgres'
    ? sql<number>`sum(octet_length(${sql.ref(column)}))`
    : sql<number>`sum(length(cast(${sql.ref(column)} as blob)))`;
}

/** `%text%` for LIKE/ILIKE with `\` as the escape character. */
export const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
