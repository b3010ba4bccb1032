/**
 * The partition model: a maintained table's partitions as the pass reads them, and the month
 * arithmetic on their bounds.
 */
import type { ClientBase } from 'pg';
import { monthLabel, monthOf, monthStart, type MonthIndex } from './months';

/** A partition of a maintained table, as partition_maintenance.partitions() lists it. */
export interface PartitionRow {
  partition: string;
  partition_schema: string;
  partition_name: string;
  is_default: boolean;
  detach_pending: boolean;
  /** UTC epoch milliseconds; null for MINVALUE (start) or the DEFAULT partition; ±Infinity for MAXVALUE or ±'infinity'. */
  range_start: number | null;
  range_end: number | null;
}

/**
 * Range bounds travel as UTC epoch numbers and `YYYY-MM-DD HH:MM:SS` text, never as JS Dates: node-pg
 * reads and writes `timestamp` values in the Node process's local time zone.
 */
export const EPOCH_MS = (column: string) => `CASE WHEN ${column} IS NULL THEN NULL ELSE extract(epoch FROM ${column}) * 1000 END`;

export function sqlTimestamp(epochMs: number | null): string | null {
  if (epochMs === null) return null;
  if (epochMs === Infinity) return 'infinity';
  if (epochMs === -Infinity) return '-infinity';
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
}

export function toEpoch(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

export async function partitionsOf(client: ClientBase, parent: string): Promise<PartitionRow[]> {
  const { rows } = await client.query(
    `SELECT partition::text, partition_schema, partition_name, is_default, detach_pending,
            ${EPOCH_MS('range_start')} AS range_start, ${EPOCH_MS('range_end')} AS range_end
     FROM partition_maintenance.partitions($1::regclass)`,
    [parent],
  );
  return rows.map((row) => ({ ...row, range_start: toEpoch(row.range_start), range_end: toEpoch(row.range_end) }));
}

/** Whether the partition holds the whole month. */
export function covers(partition: PartitionRow, month: MonthIndex): boolean {
  if (partition.is_default || partition.range_end === null) return false;
  const start = partition.range_start ?? -Infinity;
  return start <= monthStart(month).getTime() && partition.range_end >= monthStart(month + 1).getTime();
}

/** `YYYY-MM`, a range of months, or an open end, for the summary. */
export function rangeLabel(partition: PartitionRow): string {
  const end = partition.range_end!;
  // MINVALUE and '-infinity' both leave the start open.
  const start = partition.range_start === null || partition.range_start === -Infinity ? null : partition.range_start;
  if (end === Infinity) return start === null ? 'all' : `${monthLabel(monthOf(new Date(start)))}..`;
  const endMonth = monthOf(new Date(end));
  const lastMonth = endMonth - (end === monthStart(endMonth).getTime() ? 1 : 0);
  if (start === null) return `..${monthLabel(lastMonth)}`;
  const first = monthOf(new Date(start));
  return first === lastMonth ? monthLabel(first) : `${monthLabel(first)}..${monthLabel(lastMonth)}`;
}

/** Whether the partition holds nothing newer than the cutoff month's start (never the DEFAULT one). */
export function isRetirable(partition: PartitionRow, cutoff: MonthIndex): boolean {
  return !partition.is_default && partition.range_end !== null && partition.range_end <= monthStart(cutoff).getTime();
}
