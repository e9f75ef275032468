import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import pg from 'pg';

/**
 * The stores every store-level test runs on. PostgreSQL is this machine's local server
 * (127.0.0.1:5432, trust auth, database `test`); each test gets a schema of its own, dropped after.
 */
export const storeKinds = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof storeKinds)[number];

export const POSTGRES_BASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A `database.url` for the kind: null (the SQLite file in the data dir) or a fresh PostgreSQL schema. */
export async function makeTestDatabaseUrl(
  t: TestContext | { after(fn: () => Promise<void> | void): void },
  kind: StoreKind,
): Promise<string | null> {
  if (kind === 'sqlite') return null;
  const schema = `gz_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: POSTGRES_BASE_URL });
  await client.connect();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  t.after(async () => {
    const c = new pg.Client({ connectionString: POSTGRES_BASE_URL });
    await c.connect();
    try {
      await c.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await c.end();
    }
  });
  return `${POSTGRES_BASE_URL}?schema=${schema}`;
}
