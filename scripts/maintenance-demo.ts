/**
 * The maintenance job working with no AWS account: starts an embedded PostgreSQL, creates a sample
 * "GameEvent" table partitioned by month with a year of rows, runs one pass through the same code
 * path as the Lambda (retention 6 months, as the original ARCHIVAL_THRESHOLD_MONTHS, 3 months
 * ahead) and prints its summary. Usage: npm run maintenance:demo
 */
import { Client } from 'pg';
import { logEvent, runMaintenance } from '../lambda/partition-maintenance/maintain';
import { installSql } from '../lambda/partition-maintenance/install';
import { startPostgresServer } from './lib/embedded-postgres';

async function main(): Promise<void> {
  console.error('starting embedded PostgreSQL...');
  const server = await startPostgresServer();
  try {
    const client = new Client({ connectionString: server.connectionString });
    await client.connect();
    await client.query(`
      CREATE TABLE "GameEvent" (
        "id" serial NOT NULL,
        "matchId" text NOT NULL,
        "type" text NOT NULL,
        "payload" jsonb,
        "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY ("id", "createdAt")
      ) PARTITION BY RANGE ("createdAt")`);
    await client.query(`CREATE INDEX "GameEvent_matchId_idx" ON "GameEvent" ("matchId")`);
    await installSql(client);
    // A year of history, one partition per month, 1,000 events each.
    await client.query(`
      SELECT partition_maintenance.create_month('"GameEvent"', (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => m))::date)
      FROM generate_series(1, 12) m`);
    await client.query(`
      INSERT INTO "GameEvent" ("matchId", "type", "createdAt")
      SELECT 'match-' || (g % 50), (ARRAY['kill', 'round_end', 'bomb_planted'])[1 + g % 3],
             date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => m) + make_interval(hours => g % 600)
      FROM generate_series(1, 12) m, generate_series(1, 1000) g`);
    await client.end();
    console.error('sample "GameEvent": 12 monthly partitions, 12,000 rows; running one pass...');

    const summary = await runMaintenance(
      { connectionString: server.connectionString },
      {
        tables: [{ schema: 'public', table: 'GameEvent', column: 'createdAt', futureMonths: 3, retentionMonths: 6, archive: false }],
        log: (event) => logEvent(event, (line) => console.error(line)),
      },
    );
    console.log(JSON.stringify(summary, null, 2));
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
