import { SERVER_VARIABLE, type PostgresServer } from './postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { postgresServer?: PostgresServer }).postgresServer?.stop();
  delete process.env[SERVER_VARIABLE];
}
