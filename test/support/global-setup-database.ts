import { SERVER_VARIABLE, startPostgresServer, type PostgresServer } from './postgres';

/**
 * Once per run of the database tests: starts the PostgreSQL server they share (each test file makes
 * its own database on it).
 */
export default async function globalSetup(): Promise<void> {
  const server = await startPostgresServer({ durable: false });
  (globalThis as { postgresServer?: PostgresServer }).postgresServer = server;
  process.env[SERVER_VARIABLE] = server.connectionString;
}
