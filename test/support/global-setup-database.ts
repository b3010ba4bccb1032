import * as fs from 'fs';
import * as path from 'path';
import { SERVER_FILE, startPostgresServer, type PostgresServer } from './postgres';

/**
 * Once per run of the database tests: starts the PostgreSQL server they share (each test file makes
 * its own database on it).
 */
export default async function globalSetup(): Promise<void> {
  const server = await startPostgresServer({ durable: false });
  (globalThis as { postgresServer?: PostgresServer }).postgresServer = server;
  fs.mkdirSync(path.dirname(SERVER_FILE), { recursive: true });
  fs.writeFileSync(SERVER_FILE, JSON.stringify({ connectionString: server.connectionString }));
}
