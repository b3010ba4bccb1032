import type { ClientBase } from 'pg';
import { installSql } from '../../lambda/partition-maintenance/install';
import { monthDate, monthOf } from '../../lambda/partition-maintenance/months';

/**
 * A "GameEvent" table shaped like the app's (Prisma names, timestamp(3) createdAt, a primary key that
 * includes the partition column), partitioned by month, with `rowsPerMonth` rows in each of the
 * `months` months up to and including the current one (UTC). Installs sql/ on the way.
 */
export async function createSampleGameEvents(client: ClientBase, months: number, rowsPerMonth: number): Promise<void> {
  await client.query(`
    CREATE TABLE "GameEvent" (
      "id" serial NOT NULL,
      "matchId" text NOT NULL,
      "type" text NOT NULL,
      "payload" jsonb,
      "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY ("id", "createdAt")
    ) PARTITION BY RANGE ("createdAt")`);
  await client.query(`CREATE INDEX "GameEvent_matchId_createdAt_idx" ON "GameEvent" ("matchId", "createdAt")`);
  await client.query(`CREATE INDEX "GameEvent_createdAt_idx" ON "GameEvent" ("createdAt")`);
  await installSql(client);
  const current = monthOf(new Date());
  for (let month = current - months + 1; month <= current; month++) {
    await client.query('SELECT partition_maintenance.create_month($1::regclass, $2::date)', ['"GameEvent"', monthDate(month)]);
    await client.query(
      `INSERT INTO "GameEvent" ("matchId", "type", "createdAt")
       SELECT 'match-' || (g % 100), (ARRAY['kill', 'round_end', 'bomb_planted'])[1 + g % 3],
              $1::timestamp + make_interval(secs => g % (27 * 86400))
       FROM generate_series(1, $2) g`,
      [`${monthDate(month)} 00:00:00`, rowsPerMonth],
    );
  }
  await client.query('ANALYZE "GameEvent"');
}
