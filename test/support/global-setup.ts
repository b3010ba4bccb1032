import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../lib/config/load';
import { synthesizeEnvironment } from '../../lib/synthesize';
import { cdkJsonContext, TEST_ACCOUNT } from './context';
import { SERVER_FILE, startPostgresServer, type PostgresServer } from './postgres';
import { SYNTH_ROOT, VARIANTS } from './variants';

/**
 * Once per test run: starts the PostgreSQL server the SQL and Lambda tests share (each test file
 * makes its own database on it), and synthesizes every variant; test files read both from disk.
 */
export default async function globalSetup(): Promise<void> {
  fs.rmSync(SYNTH_ROOT, { recursive: true, force: true });
  fs.mkdirSync(SYNTH_ROOT, { recursive: true });
  const server = await startPostgresServer();
  (globalThis as { postgresServer?: PostgresServer }).postgresServer = server;
  fs.writeFileSync(SERVER_FILE, JSON.stringify({ connectionString: server.connectionString }));

  for (const variant of VARIANTS) {
    const outdir = path.join(SYNTH_ROOT, variant.name);
    const config = loadConfig({ envName: variant.envName, overrides: variant.overrides, defaultAccount: TEST_ACCOUNT });
    const result = synthesizeEnvironment(config, outdir, cdkJsonContext());
    fs.writeFileSync(path.join(outdir, 'result.json'), JSON.stringify({ config, ...result }, null, 2));
  }
}
