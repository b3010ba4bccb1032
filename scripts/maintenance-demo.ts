/**
 * The maintenance job working with no AWS account: starts an embedded PostgreSQL, creates a sample
 * "GameEvent" table partitioned by month with a year of rows (plus this month), runs one pass through the same code
 * path as the Lambda (retention 6 months, as the original ARCHIVAL_THRESHOLD_MONTHS, 3 months
 * ahead) and prints its summary. Usage: npm run maintenance:demo
 */
import { Client } from 'pg';
import { logEvent, runMaintenance } from '../lambda/partition-maintenance/maintain';
import { argumentsOrExit, EXIT, parseCommandLine } from './lib/command-line';
import { startPostgresServer } from './lib/embedded-postgres';
import { runMain } from './lib/run-main';
import { createSampleGameEvents } from './lib/sample-game-events';

const USAGE = 'usage: npm run maintenance:demo';

/** Runs the demo; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = argumentsOrExit(USAGE, () => parseCommandLine(argv, { options: {} }));
  if ('exit' in parsed) return parsed.exit;
  console.error('starting embedded PostgreSQL...');
  const server = await startPostgresServer();
  try {
    const client = new Client({ connectionString: server.connectionString });
    await client.connect();
    // The year before this month and this month so far, 1,000 events a month.
    await createSampleGameEvents(client, 13, 1000);
    await client.end();
    console.error('sample "GameEvent": 13 monthly partitions, 13,000 rows; running one pass...');

    const summary = await runMaintenance(
      { connectionString: server.connectionString },
      {
        tables: [{ schema: 'public', table: 'GameEvent', column: 'createdAt', futureMonths: 3, retentionMonths: 6, archive: false }],
        log: (event) => logEvent(event, (line) => console.error(line)),
      },
    );
    console.log(JSON.stringify(summary, null, 2));
    return EXIT.ok;
  } finally {
    await server.stop();
  }
}

runMain(module, main);
