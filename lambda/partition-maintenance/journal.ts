/**
 * The retirement journal (partition_maintenance.retirement): one row per partition being retired,
 * written before and after each step, which is what lets a pass killed anywhere be finished by the
 * next one.
 */
import type { ClientBase } from 'pg';
import { sqlTimestamp, type PartitionRow } from './partitions';

export type RetirementState = 'detaching' | 'detached' | 'archived' | 'dropped' | 'reattached';

/** Records where a partition's retirement stands, so that a killed pass can be resumed. */
export async function journal(
  client: ClientBase,
  partition: PartitionRow,
  parent: string,
  state: RetirementState,
  archived?: { rows: number; uri: string },
): Promise<void> {
  await client.query(
    `INSERT INTO partition_maintenance.retirement
       (partition_schema, partition_name, parent_table, range_start, range_end, state, rows_archived, archive_uri)
     VALUES ($1, $2, $3, $4::timestamp, $5::timestamp, $6, $7, $8)
     ON CONFLICT (partition_schema, partition_name) DO UPDATE
       SET state = EXCLUDED.state, parent_table = EXCLUDED.parent_table,
           rows_archived = coalesce(EXCLUDED.rows_archived, retirement.rows_archived),
           archive_uri = coalesce(EXCLUDED.archive_uri, retirement.archive_uri), updated_at = now()`,
    [
      partition.partition_schema,
      partition.partition_name,
      parent,
      sqlTimestamp(partition.range_start),
      sqlTimestamp(partition.range_end),
      state,
      archived?.rows ?? null,
      archived?.uri ?? null,
    ],
  );
}

/** The journaled state of a partition's retirement, if any. */
export async function journalState(client: ClientBase, partition: PartitionRow): Promise<string | undefined> {
  const { rows } = await client.query<{ state: string }>(
    'SELECT state FROM partition_maintenance.retirement WHERE partition_schema = $1 AND partition_name = $2',
    [partition.partition_schema, partition.partition_name],
  );
  return rows[0]?.state;
}
