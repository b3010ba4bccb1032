import type { ClientBase } from 'pg';
import { quoteIdent } from '../../lambda/partition-maintenance/archive';

export interface EventTable {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  readonly qualified: string;
}

/**
 * A partitioned table shaped like the app's Prisma `GameEvent` (mixed-case names, a
 * `timestamp(3)` createdAt, a composite primary key because a partitioned table's keys must
 * include the partition column), with no partitions yet.
 */
export async function createPartitionedEvents(
  client: ClientBase,
  options: { schema?: string; table?: string; column?: string; columnType?: string } = {},
): Promise<EventTable> {
  const schema = options.schema ?? 'public';
  const table = options.table ?? 'GameEvent';
  const column = options.column ?? 'createdAt';
  const qualified = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await client.query(`
    CREATE TABLE ${qualified} (
      "id" serial NOT NULL,
      "matchId" text NOT NULL,
      "type" text NOT NULL,
      "payload" jsonb,
      ${quoteIdent(column)} ${options.columnType ?? 'timestamp(3)'} NOT NULL DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY ("id", ${quoteIdent(column)})
    ) PARTITION BY RANGE (${quoteIdent(column)})`);
  await client.query(`CREATE INDEX ON ${qualified} ("matchId")`);
  return { schema, table, column, qualified };
}

/** Inserts `perMonth` rows on the 15th of each given month (`YYYY-MM`). */
export async function insertEvents(client: ClientBase, table: EventTable, months: string[], perMonth = 3): Promise<void> {
  for (const month of months) {
    await client.query(
      `INSERT INTO ${table.qualified} ("matchId", "type", ${quoteIdent(table.column)})
       SELECT 'match-' || g, 'kill', ($1 || '-15 12:00:00')::timestamp FROM generate_series(1, $2) g`,
      [month, perMonth],
    );
  }
}

export async function partitionMonths(client: ClientBase, table: EventTable): Promise<string[]> {
  const { rows } = await client.query<{ month: string | null; is_default: boolean }>(
    `SELECT to_char(range_start, 'YYYY-MM') AS month, is_default FROM partition_maintenance.partitions($1::regclass)`,
    [table.qualified],
  );
  return rows.filter((row) => !row.is_default).map((row) => row.month ?? 'MINVALUE');
}

export async function countRows(client: ClientBase, table: EventTable): Promise<number> {
  const { rows } = await client.query<{ count: string }>(`SELECT count(*) FROM ${table.qualified}`);
  return Number(rows[0].count);
}

/**
 * The table as the app's Prisma migration creates it: plain, a serial id primary key, a foreign key
 * to "Match", an index; with `rowsPerMonth` rows in each month from October 2025 to November 2026.
 */
export async function createPrismaGameEvents(client: ClientBase, rowsPerMonth = 50): Promise<void> {
  await client.query(`
    CREATE TABLE "Match" ("id" text PRIMARY KEY);
    INSERT INTO "Match" SELECT 'match-' || g FROM generate_series(0, 9) g;
    CREATE TABLE "GameEvent" (
      "id" SERIAL NOT NULL,
      "matchId" TEXT NOT NULL,
      "type" TEXT NOT NULL,
      "payload" JSONB,
      "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
      CONSTRAINT "GameEvent_pkey" PRIMARY KEY ("id")
    );
    CREATE INDEX "GameEvent_matchId_createdAt_idx" ON "GameEvent"("matchId", "createdAt");
    ALTER TABLE "GameEvent" ADD CONSTRAINT "GameEvent_matchId_fkey" FOREIGN KEY ("matchId") REFERENCES "Match"("id") ON DELETE CASCADE ON UPDATE CASCADE;`);
  await client.query(
    `INSERT INTO "GameEvent" ("matchId", "type", "createdAt")
     SELECT 'match-' || (g % 10), 'kill', timestamp '2025-10-01' + make_interval(months => m) + make_interval(mins => g)
     FROM generate_series(0, 13) m, generate_series(1, $1) g`,
    [rowsPerMonth],
  );
}
