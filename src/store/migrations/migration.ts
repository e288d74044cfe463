import type { Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.ts';

/**
 * One forward-only schema change. Once released, a migration is never edited: the next change is
 * a new file with the next number. `up` runs inside the migration transaction, under the lock.
 */
export interface Migration {
  /** `0001-initial`: the number orders migrations; the name says what changes. */
  readonly name: string;
  up(db: Kysely<unknown>, dialect: DialectAdapter): Promise<void>;
}
