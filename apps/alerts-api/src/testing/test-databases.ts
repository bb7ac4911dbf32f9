import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DatabaseKind } from '../db/database';

/** Both databases; every DB test runs on each (PostgreSQL required unless XL_TEST_SKIP_POSTGRES=1). */
export const DATABASE_KINDS: DatabaseKind[] = process.env.XL_TEST_SKIP_POSTGRES === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

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
