/**
 * Retiring old months without blocking the application: detach concurrently, archive and check if
 * configured, drop; and finishing what a killed pass left half-way (see journal.ts).
 */
import type { ClientBase } from 'pg';
import { ArchiveError, archivePartition, ensureS3Export, quoteIdent } from './archive';
import { journal, journalState } from './journal';
import { EPOCH_MS, isRetirable, partitionsOf, rangeLabel, sqlTimestamp, toEpoch, type PartitionRow } from './partitions';
import type { RetiredPartition, Retry, TableRun } from './table-run';
import type { MonthIndex } from './months';

/**
 * Retires every month older than the cutoff: refused while the table has a DEFAULT partition (no
 * concurrent detach then) or archiving cannot work; each month detached CONCURRENTLY, archived and
 * checked if configured, then dropped, journaled at every step.
 */
export async function retireMonths(run: TableRun, cutoff: MonthIndex): Promise<void> {
  const { client, parent, settings, context, summary, retry } = run;
  const partitions = await partitionsOf(client, parent);
  const retirable = partitions.filter((partition) => isRetirable(partition, cutoff));
  if (retirable.length === 0) return;
  const defaultPartition = partitions.find((partition) => partition.is_default);
  if (defaultPartition) {
    summary.errors.push(
      `not retiring ${retirable.length} partition(s) of ${parent}: it has a DEFAULT partition (${defaultPartition.partition}), ` +
        'and PostgreSQL cannot DETACH CONCURRENTLY then; a plain DETACH would lock the table',
    );
    return;
  }
  if (settings.archive) {
    if (!context.archiveTarget) {
      summary.errors.push(`not retiring partitions of ${parent}: archiving is on but no archive bucket is configured`);
      return;
    }
    if (!(await ensureS3Export(client))) {
      summary.errors.push(
        `not retiring partitions of ${parent}: archiving is on but aws_s3.query_export_to_s3 is not installed ` +
          '(CREATE EXTENSION aws_s3 CASCADE)',
      );
      return;
    }
  }
  for (const partition of retirable) {
    const refusal = await whyNotDroppable(client, partition);
    if (refusal) {
      summary.errors.push(`not retiring ${partition.partition}: ${refusal}`);
      context.log({ event: 'retire-refused', table: parent, partition: partition.partition, reason: refusal });
      continue;
    }
    try {
      await journal(client, partition, parent, 'detaching');
      try {
        await detach(client, parent, partition, retry);
      } catch (error) {
        // A detach refused outright (a foreign key still pointing at the month, say) leaves the
        // month attached: the journal says so, so that no later pass takes it for one it detached.
        if (await attachedAndSettled(client, parent, partition)) await journal(client, partition, parent, 'reattached');
        throw error;
      }
      await journal(client, partition, parent, 'detached');
      await archiveAndDrop(run, partition);
    } catch (error) {
      summary.errors.push((error as Error).message);
      context.log({ event: 'retire-failed', table: parent, partition: partition.partition, error: (error as Error).message });
      // An archive that failed stops the retirements of this table: later months wait for the earlier.
      if (error instanceof ArchiveError) return;
    }
  }
}

/**
 * Why DROP TABLE would fail on this partition once detached, found before detaching it: a view (or
 * rule) of another relation reads it or one of its own partitions, or it is a foreign table (its rows
 * live elsewhere; DROP TABLE does not apply). Undefined when nothing stands in the way.
 */
async function whyNotDroppable(client: ClientBase, partition: PartitionRow): Promise<string | undefined> {
  const { rows } = await client.query<{ kind: string; views: string | null }>(
    `WITH tree AS (SELECT relid FROM pg_partition_tree($1::regclass))
     SELECT c.relkind::text AS kind,
            (SELECT string_agg(DISTINCT r.ev_class::regclass::text, ', ')
             FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
             WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
               AND d.refobjid IN (SELECT relid FROM tree) AND r.ev_class NOT IN (SELECT relid FROM tree)) AS views
     FROM pg_class c WHERE c.oid = $1::regclass`,
    [partition.partition],
  );
  if (rows[0].kind === 'f') return 'it is a foreign table (its rows live elsewhere): detach and drop it yourself when its month is due';
  if (rows[0].views) return `${rows[0].views} read(s) it, and DROP TABLE would fail once it is detached: drop or change them first`;
  return undefined;
}

/** Whether the partition is attached to the parent, with no detach pending. */
async function attachedAndSettled(client: ClientBase, parent: string, partition: PartitionRow): Promise<boolean> {
  const { rows } = await client.query(
    'SELECT 1 FROM pg_inherits WHERE inhrelid = $1::regclass AND inhparent = $2::regclass AND NOT inhdetachpending',
    [partition.partition, parent],
  );
  return rows.length > 0;
}

/** Attaches a detached month back with its original bounds (a CHECK first, so that ATTACH does not scan under lock). */
async function reattach(run: TableRun, partition: PartitionRow): Promise<void> {
  const { client, parent, retry } = run;
  await retry(`reattach ${partition.partition}`, () =>
    client.query('SELECT partition_maintenance.reattach_month($1::regclass, $2::regclass, $3::timestamp, $4::timestamp)', [
      parent,
      partition.partition,
      sqlTimestamp(partition.range_start),
      sqlTimestamp(partition.range_end),
    ]),
  );
  await journal(client, partition, parent, 'reattached');
}

/** Attaches the month back; undefined when that worked, else what went wrong, for the error that led here. */
async function reattachOrSay(run: TableRun, partition: PartitionRow): Promise<string | undefined> {
  try {
    await reattach(run, partition);
    return undefined;
  } catch (error) {
    return `attaching it back to ${run.parent} failed too (${(error as Error).message}): it is detached, its rows out of the application's sight`;
  }
}

/** DETACH ... CONCURRENTLY, or FINALIZE when an earlier attempt (or pass) was interrupted half-way. */
async function detach(client: ClientBase, parent: string, partition: PartitionRow, retry: Retry): Promise<void> {
  await retry(`detach ${partition.partition}`, async () => {
    const { rows } = await client.query<{ pending: boolean | null }>(
      'SELECT inhdetachpending AS pending FROM pg_inherits WHERE inhrelid = $1::regclass AND inhparent = $2::regclass',
      [partition.partition, parent],
    );
    if (rows.length === 0) return; // already detached
    const mode = rows[0].pending ? 'FINALIZE' : 'CONCURRENTLY';
    await client.query(`ALTER TABLE ${parent} DETACH PARTITION ${partition.partition} ${mode}`);
  });
}

async function archiveAndDrop(run: TableRun, partition: PartitionRow): Promise<void> {
  const { client, parent, settings, context, summary, retry } = run;
  const retired: RetiredPartition = { partition: partition.partition, range: rangeLabel(partition) };
  const state = await journalState(client, partition);
  if (settings.archive && state !== 'archived') {
    try {
      const archived = await archivePartition(client, context.archiveTarget!, {
        schema: partition.partition_schema,
        name: partition.partition_name,
        parentTable: settings.table,
      });
      await journal(client, partition, parent, 'archived', archived);
      summary.archived.push({ partition: partition.partition, rows: archived.rows, uri: archived.uri });
      Object.assign(retired, { archivedRows: archived.rows, archiveUri: archived.uri });
    } catch (error) {
      if (!(error instanceof ArchiveError)) throw error;
      // Put the month back where the application can see it; the next pass tries again.
      const back = await reattachOrSay(run, partition);
      throw back === undefined ? error : new ArchiveError(`${error.message}; ${back}`);
    }
  }
  try {
    await retry(`drop ${partition.partition}`, () => client.query(`DROP TABLE ${partition.partition}`));
  } catch (error) {
    // Never leave a month detached and not dropped, out of the application's sight.
    const back = await reattachOrSay(run, partition);
    throw new Error(
      `dropping ${partition.partition} failed (${(error as Error).message}); ${back ?? `it was attached back to ${parent}`}`,
      { cause: error },
    );
  }
  await journal(client, partition, parent, 'dropped');
  summary.retired.push(retired);
  context.log({ event: 'retired', table: parent, ...retired });
}

/**
 * Finishes what a killed pass left: partitions journaled as detaching, detached or archived whose
 * table still exists but is no longer attached, and whose month is still past `cutoff`. (Those
 * still attached are retired by the normal path, which finalizes a half-done concurrent detach.) A
 * detached month that the current retention keeps is left as it is, with an error: someone must
 * decide whether it goes back or goes.
 */
export async function resumeRetirements(run: TableRun, cutoff: MonthIndex): Promise<void> {
  const { client, parent, settings, context, summary } = run;
  const { rows } = await client.query<{
    partition_schema: string;
    partition_name: string;
    range_start: string | null;
    range_end: string;
    state: string;
    relation: string | null;
    attached: boolean;
  }>(
    `SELECT r.partition_schema, r.partition_name, ${EPOCH_MS('r.range_start')} AS range_start,
            ${EPOCH_MS('r.range_end')} AS range_end, r.state,
            to_regclass(format('%I.%I', r.partition_schema, r.partition_name))::text AS relation,
            EXISTS (SELECT 1 FROM pg_inherits i
                    WHERE i.inhrelid = to_regclass(format('%I.%I', r.partition_schema, r.partition_name))) AS attached
     FROM partition_maintenance.retirement r
     WHERE r.parent_table = $1 AND r.state IN ('detaching', 'detached', 'archived')
     ORDER BY r.range_end`,
    [parent],
  );
  for (const row of rows) {
    const partition: PartitionRow = {
      partition: row.relation ?? `${quoteIdent(row.partition_schema)}.${quoteIdent(row.partition_name)}`,
      partition_schema: row.partition_schema,
      partition_name: row.partition_name,
      is_default: false,
      detach_pending: false,
      range_start: toEpoch(row.range_start),
      range_end: toEpoch(row.range_end),
    };
    if (row.relation === null) {
      await journal(client, partition, parent, 'dropped');
      continue;
    }
    if (row.attached) continue;
    if (!isRetirable(partition, cutoff)) {
      summary.errors.push(
        `${partition.partition} is detached from ${parent} (its retirement was journaled as ${row.state}), but the retention of ` +
          `${settings.retentionMonths} months keeps its month: left as it is; attach it back or drop it yourself`,
      );
      continue;
    }
    context.log({ event: 'resume-retirement', table: parent, partition: partition.partition, state: row.state });
    try {
      await archiveAndDrop(run, partition);
    } catch (error) {
      summary.errors.push((error as Error).message);
    }
  }
}
