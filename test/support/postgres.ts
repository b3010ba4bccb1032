import * as path from 'path';
import { Client } from 'pg';

export { startPostgresServer, type PostgresServer } from '../../scripts/lib/embedded-postgres';

/**
 * The run's server reaches the test files through the environment: the workers start after the
 * global setup, so they inherit it, and a run that did not start the server has none (a file
 * could outlive a run that was killed).
 */
export const SERVER_VARIABLE = 'CS2_TEST_POSTGRES_URL';

const DATABASE_TESTS = path.join(__dirname, '..', 'database') + path.sep;

export interface TestDatabase {
  readonly connectionString: string;
  /** A new connected client, optionally in another session time zone; the caller ends it. */
  connect(options?: { timeZone?: string }): Promise<Client>;
  drop(): Promise<void>;
}

/** The admin connection string of the run's shared server, or why a test file may not have one. */
function serverOfThisRun(): string {
  const testPath = expect.getState().testPath;
  if (testPath && !testPath.startsWith(DATABASE_TESTS)) {
    const file = path.relative(path.join(__dirname, '..', '..'), testPath);
    throw new Error(
      `${file} uses the PostgreSQL server, so it belongs in test/database/: only the database project (jest.config.js) starts the server`,
    );
  }
  const admin = process.env[SERVER_VARIABLE];
  if (!admin) {
    throw new Error(
      "no PostgreSQL server for this run: the database project's global setup (test/support/global-setup-database.ts) has not run; " +
        'run the file as `npx jest test/database/<file>` or `npx jest --selectProjects database test/database/<file>`',
    );
  }
  return admin;
}

/** A fresh database on the run's shared server (started by the database project's global setup), for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = serverOfThisRun();
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
