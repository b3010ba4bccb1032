import * as fs from 'fs';
import { SERVER_FILE, type PostgresServer } from './postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { postgresServer?: PostgresServer }).postgresServer?.stop();
  // A later run without the database tests must not find this run's address.
  fs.rmSync(SERVER_FILE, { force: true });
}
