import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../db/database';

/** PostgreSQL server the tests may create throw-away databases on (trust auth locally). */
export function testPostgresUrl(): string {
  return process.env.XL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export async function postgresAnswers(): Promise<boolean> {
  const client = new Client({ connectionString: testPostgresUrl(), connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A migrated, empty database: SQLite in memory, or a fresh PostgreSQL database dropped on close. */
export async function openTestDatabase(kind: 'sqlite' | 'postgres'): Promise<DatabaseHandle> {
  if (kind === 'sqlite') {
    const handle = openDatabase('sqlite::memory:');
    await migrateToLatest(handle.db);
    return handle;
  }
  const name = `xltest_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: testPostgresUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(testPostgresUrl());
  url.pathname = `/${name}`;
  const handle = openDatabase(url.toString());
  await migrateToLatest(handle.db);
  return {
    ...handle,
    async close() {
      await handle.close();
      const dropper = new Client({ connectionString: testPostgresUrl() });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name}`);
      await dropper.end();
    },
  };
}
