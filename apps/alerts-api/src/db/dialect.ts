import { PostgresAdapter } from 'kysely';

/** True when the Kysely instance (or transaction) talks to PostgreSQL; otherwise it is SQLite. */
export function isPostgres(db: { getExecutor(): { adapter: unknown } }): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
