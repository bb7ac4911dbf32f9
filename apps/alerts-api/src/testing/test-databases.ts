import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DatabaseKind } from '../db/database';

/** Both databases; every DB test runs on each (see databaseKinds). */
export const DATABASE_KINDS: DatabaseKind[] = databaseKinds();

/**
 * XL_TEST_SKIP_POSTGRES=1 leaves PostgreSQL out on a developer's machine without one, and says so;
 * under CI it is an error: the production database's cases must never vanish from a green run.
 */
export function databaseKinds(env: NodeJS.ProcessEnv = process.env): DatabaseKind[] {
  if (env.XL_TEST_SKIP_POSTGRES !== '1') return ['sqlite', 'postgres'];
  if (env.CI) throw new Error('XL_TEST_SKIP_POSTGRES=1 is set under CI: the PostgreSQL cases would be left out (unset it and start PostgreSQL)');
  console.warn('XL_TEST_SKIP_POSTGRES=1: database tests run on SQLite only, their PostgreSQL cases skipped');
  return ['sqlite'];
}

/** Admin connection used to create and drop per-file databases. */
export function postgresAdminUrl(): string {
  return process.env.XL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** SQLite in memory, or a fresh PostgreSQL database xl_test_<random> dropped afterwards. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') return { url: 'sqlite::memory:', drop: async () => undefined };
  const name = `xl_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: postgresAdminUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
