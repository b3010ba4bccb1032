import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';

export { startPostgresServer, type PostgresServer } from '../../scripts/lib/embedded-postgres';

export const SERVER_FILE = path.join(__dirname, '..', '..', '.jest-postgres', 'server.json');

export interface TestDatabase {
  readonly connectionString: string;
  /** A new connected client, optionally in another session time zone; the caller ends it. */
  connect(options?: { timeZone?: string }): Promise<Client>;
  drop(): Promise<void>;
}

/** A fresh database on the run's shared server (started by the database project's global setup), for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!fs.existsSync(SERVER_FILE)) {
    throw new Error(`no PostgreSQL server for this run: a test file that uses it must be listed in DATABASE_TESTS (jest.config.js)`);
  }
  const { connectionString: admin } = JSON.parse(fs.readFileSync(SERVER_FILE, 'utf8')) as { connectionString: string };
  const name = `test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const adminClient = new Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${name}`);
  await adminClient.end();
  const connectionString = admin.replace(/\/postgres$/, `/${name}`);
  return {
    connectionString,
    async connect(options = {}) {
      const client = new Client({
        connectionString,
        options: options.timeZone ? `-c TimeZone=${options.timeZone}` : undefined,
      });
      await client.connect();
      return client;
    },
    async drop() {
      const dropper = new Client({ connectionString: admin });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/** Whether `user` can log in with `password` to the database of `connectionString`. */
export async function loginWorks(connectionString: string, user: string, password: string): Promise<boolean> {
  const url = new URL(connectionString);
  url.username = user;
  url.password = password;
  const client = new Client({ connectionString: url.toString() });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops roles a test file created (roles belong to the whole server, not to its database). */
export async function dropRoles(roles: readonly string[]): Promise<void> {
  const cleanup = await createTestDatabase();
  const client = await cleanup.connect();
  try {
    for (const role of roles) await client.query(`DROP ROLE IF EXISTS "${role}"`);
  } finally {
    await client.end();
    await cleanup.drop();
  }
}
