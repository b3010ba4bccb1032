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
