import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type MigrationResult, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { Pool, types as pgTypes } from 'pg';
import { MIGRATIONS } from './migrations';
import type { Database } from './schema';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** SQLite file path or ':memory:'; PostgreSQL connection string. */
  location: string;
}

/** sqlite:PATH, sqlite:///ABS/PATH, sqlite::memory:, :memory:, postgres://… or postgresql://… */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url === ':memory:' || url === 'sqlite::memory:' || url === 'sqlite://:memory:') return { kind: 'sqlite', location: ':memory:' };
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', location: url };
  if (url.startsWith('sqlite:')) {
    const file = url.startsWith('sqlite://') ? url.slice('sqlite://'.length) : url.slice('sqlite:'.length);
    if (!file) throw new Error('DATABASE_URL: sqlite: needs a file path');
    return { kind: 'sqlite', location: file };
  }
  throw new Error(`DATABASE_URL: unsupported scheme (use sqlite:PATH or postgres://…), got '${url.split(':')[0]}:'`);
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  close(): Promise<void>;
  /**
   * SQLite only: a consistent copy of the whole database into `file`, taken while it keeps
   * serving (SQLite's online backup, a few pages at a time). PostgreSQL has its own tools.
   */
  backup?(file: string): Promise<void>;
}

// PostgreSQL returns bigint (int8) as a string to protect precision; our bigints are epoch
// milliseconds, well inside Number's exact range, so the pool parses them as numbers.
const INT8_OID = 20;
const pgTypeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pgTypes.getTypeParser(oid, format as 'text')) as typeof pgTypes.getTypeParser,
};

/**
 * PostgreSQL pool limits. pg waits for ever by default: a database that stops answering without
 * resetting the connection (failover, partition) hung every query — /metrics included (the unanalysed
 * gauge counts at each scrape), so Prometheus saw alerts-api down and XlAlertIntakeFailing could not fire.
 */
export const PG_POOL_LIMITS = {
  /** Connecting, and waiting for a pooled connection, fail after this. */
  connectionTimeoutMillis: 5000,
  /** TCP keepalive from 10 s idle: a peer gone silently is noticed instead of waited on. */
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
  // No statement_timeout: pg sends it as a startup parameter, which PgBouncer refuses, and a replica
  // waiting on another's migration lock would fail. What must answer on time bounds itself
  // (the unanalysed gauge, the probes).
} as const;

/**
 * Opens the database of `url`. `onIdleError` hears about pooled PostgreSQL connections that die
 * while idle (server restart, failover, an administrator's terminate): without a listener pg
 * raises them as an uncaught exception; the pool simply replaces the connection.
 */
export function openDatabase(url: string, onIdleError: (err: Error) => void = () => undefined): DatabaseHandle {
  const target = parseDatabaseUrl(url);
  if (target.kind === 'postgres') {
    // The password may come from PGPASSWORD instead of the URL (pg's own fallback): compose does that.
    const pool = new Pool({ connectionString: target.location, max: 10, types: pgTypeParsers, ...PG_POOL_LIMITS });
    pool.on('error', onIdleError);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if (target.location !== ':memory:') mkdirSync(path.dirname(path.resolve(target.location)), { recursive: true });
  const sqlite = new BetterSqlite3(target.location);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  if (target.location !== ':memory:') sqlite.pragma('journal_mode = WAL');
  // SQLite's own lower() folds ASCII only: a search for "étang" or "ａ区" (lower-cased in JS) never
  // matched "Étang" or "Ａ区 pond". This one folds as PostgreSQL's lower() and JavaScript do.
  sqlite.function('lower', { deterministic: true }, (text: unknown) => (text === null ? null : String(text).toLowerCase()));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, kind: 'sqlite', close: () => db.destroy(), backup: async (file) => void (await sqlite.backup(file)) };
}

/** Applies every pending migration; throws with the failing migration's name and error. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResult[]> {
  const migrator = new Migrator({
    db,
    provider: {
      async getMigrations() {
        const entries = await Promise.all(MIGRATIONS.map(async ([name, load]) => [name, await load()] as const));
        return Object.fromEntries(entries);
      },
    },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
  return results;
}
