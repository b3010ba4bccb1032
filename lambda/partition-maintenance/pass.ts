import type { ClientBase } from 'pg';
import { ArchiveError, archivePartition, ensureS3Export, quoteIdent, type ArchiveTarget } from './archive';
import { convertToPartitioned, type ConvertReport } from './convert';
import { installSql, type InstallResult } from './install';
import { monthDate, monthLabel, monthOf, monthStart, type MonthIndex } from './months';
import { DEFAULT_RETRY_POLICY, withLockRetry, type RetryPolicy } from './retry';

/** One table the pass looks after. Names are exact and case-sensitive, as the migrations wrote them. */
export interface TableSettings {
  readonly schema: string;
  readonly table: string;
  /** The partition column, e.g. `createdAt`. */
  readonly column: string;
  /** Months created after the current one. */
  readonly futureMonths: number;
  /** Months kept before the current one: the original ARCHIVAL_THRESHOLD_MONTHS. */
  readonly retentionMonths: number;
  /** Export a partition to S3 (and check it) before dropping it. */
  readonly archive: boolean;
  /**
   * Convert the table to monthly partitions when the pass finds it plain (as the app's migrations
   * create it): no row is copied, the exclusive lock lasts milliseconds (see convert.ts).
   * @default false: a plain table is an error
   */
  readonly convertIfPlain?: boolean;
}

export interface PassOptions {
  readonly tables: readonly TableSettings[];
  /** The clock; the month arithmetic is UTC. @default new Date() */
  readonly now?: Date;
  /** Plan only: install nothing, change nothing (all reads happen in a transaction rolled back). */
  readonly dryRun?: boolean;
  /** Where archives go; required when a table archives. */
  readonly archiveTarget?: ArchiveTarget;
  readonly retry?: Partial<RetryPolicy>;
  /** Receives one structured event per step. */
  readonly log?: (event: Record<string, unknown>) => void;
  /**
   * What a configured table that does not exist yet means. `wait` (the scheduled job): the app's
   * migrations have not created it yet; it is reported as waiting, not as an error. `fail` (an
   * operator's command): an error.
   * @default 'fail'
   */
  readonly missingTables?: 'wait' | 'fail';
}

export interface RetiredPartition {
  readonly partition: string;
  /** `YYYY-MM`, or `…-YYYY-MM` for a partition that starts at MINVALUE. */
  readonly range: string;
  readonly archivedRows?: number;
  readonly archiveUri?: string;
}

export interface TableSummary {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  created: string[];
  retired: RetiredPartition[];
  archived: { partition: string; rows: number; uri: string }[];
  /** Dry run: what a real pass would do. */
  planned?: { create: string[]; retire: string[]; convert?: boolean };
  /** The table does not exist yet (missingTables `wait`): nothing was done, and nothing failed. */
  waiting?: boolean;
  /** The pass found the table plain and converted it first. */
  converted?: ConvertReport;
  monthsAhead: number | null;
  lockRetries: number;
  durationMs: number;
  errors: string[];
}

export interface PassSummary {
  status: 'succeeded' | 'failed' | 'skipped';
  reason?: string;
  dryRun: boolean;
  now: string;
  sql?: InstallResult;
  durationMs: number;
  tables: TableSummary[];
}

/** The advisory lock key: one pass per database at a time. */
export const PASS_LOCK_KEY = "hashtextextended('cs2analytics.partition_maintenance', 0)";

interface PartitionRow {
  partition: string;
  partition_schema: string;
  partition_name: string;
  is_default: boolean;
  detach_pending: boolean;
  /** UTC epoch milliseconds; null for MINVALUE (start) or the DEFAULT partition; Infinity for MAXVALUE. */
  range_start: number | null;
  range_end: number | null;
}

/**
 * Range bounds travel as UTC epoch numbers and `YYYY-MM-DD HH:MM:SS` text, never as JS Dates: node-pg
 * reads and writes `timestamp` values in the Node process's local time zone.
 */
const EPOCH_MS = (column: string) => `CASE WHEN ${column} IS NULL THEN NULL ELSE extract(epoch FROM ${column}) * 1000 END`;

function sqlTimestamp(epochMs: number | null): string | null {
  if (epochMs === null) return null;
  if (epochMs === Infinity) return 'infinity';
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
}

function toEpoch(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

/**
 * One maintenance pass over every configured table. It never takes an ACCESS EXCLUSIVE lock on a
 * parent table: new months are created as plain tables then attached (SHARE UPDATE EXCLUSIVE),
 * old months are detached CONCURRENTLY, archived and checked if configured, then dropped. Every
 * lock wait is bounded by lock_timeout and retried with backoff. Safe to run concurrently (a second
 * pass is skipped) and to rerun after being killed anywhere: the retirement journal resumes it.
 */
export async function runPass(client: ClientBase, options: PassOptions): Promise<PassSummary> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const dryRun = options.dryRun ?? false;
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const log = options.log ?? (() => undefined);
  const summary: PassSummary = { status: 'succeeded', dryRun, now: now.toISOString(), durationMs: 0, tables: [] };

  // UTC whatever the role's or database's default: month starts and timestamptz bounds agree.
  await client.query(`SET TIME ZONE 'UTC'`);
  await client.query(`SET lock_timeout = ${Math.max(1, Math.round(policy.lockTimeoutMs))}`);
  await client.query(`SET statement_timeout = 0`);
  await client.query(`SET application_name = 'cs2-partition-maintenance'`);

  const { rows: locked } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${PASS_LOCK_KEY}) AS locked`);
  if (!locked[0].locked) {
    summary.status = 'skipped';
    summary.reason = 'another maintenance pass is running on this database';
    summary.durationMs = Date.now() - started;
    log({ event: 'skipped', reason: summary.reason });
    return summary;
  }
  try {
    if (dryRun) await client.query('BEGIN READ WRITE');
    summary.sql = await installSql(client, { inTransaction: dryRun });
    if (summary.sql.applied.length) log({ event: 'sql-installed', ...summary.sql });
    for (const settings of options.tables) {
      const table = await maintainTable(client, settings, {
        now,
        dryRun,
        policy,
        log,
        archiveTarget: options.archiveTarget,
        missingTables: options.missingTables ?? 'fail',
      });
      summary.tables.push(table);
      if (table.errors.length) summary.status = 'failed';
    }
  } finally {
    if (dryRun) await client.query('ROLLBACK').catch(() => undefined);
    await client.query(`SELECT pg_advisory_unlock(${PASS_LOCK_KEY})`).catch(() => undefined);
  }
  summary.durationMs = Date.now() - started;
  return summary;
}

interface Context {
  readonly now: Date;
  readonly dryRun: boolean;
  readonly policy: RetryPolicy;
  readonly log: (event: Record<string, unknown>) => void;
  readonly archiveTarget?: ArchiveTarget;
  readonly missingTables: 'wait' | 'fail';
}

/** One table's pass in progress: where it runs, what it maintains, and where it reports. */
interface TableRun {
  readonly client: ClientBase;
  readonly settings: TableSettings;
  /** The partitioned table, quoted and qualified. */
  readonly parent: string;
  readonly context: Context;
  /** Filled in as the pass goes. */
  readonly summary: TableSummary;
  readonly retry: Retry;
}

async function maintainTable(client: ClientBase, settings: TableSettings, context: Context): Promise<TableSummary> {
  const started = Date.now();
  const summary: TableSummary = {
    schema: settings.schema,
    table: settings.table,
    column: settings.column,
    created: [],
    retired: [],
    archived: [],
    monthsAhead: null,
    lockRetries: 0,
    durationMs: 0,
    errors: [],
  };
  const qualified = `${quoteIdent(settings.schema)}.${quoteIdent(settings.table)}`;
  const { log } = context;
  const retry = <T>(step: string, attempt: () => Promise<T>) =>
    withLockRetry(
      step,
      context.policy,
      () => {
        summary.lockRetries++;
        log({ event: 'lock-retry', table: qualified, step });
      },
      attempt,
    );

  try {
    const kind = await tableKind(client, settings);
    if (kind === undefined && context.missingTables === 'wait') {
      summary.waiting = true;
      log({ event: 'waiting', table: qualified, reason: "the table does not exist yet: the app's migrations create it" });
      summary.durationMs = Date.now() - started;
      return summary;
    }
    if (kind === 'plain' && settings.convertIfPlain) {
      if (context.dryRun) {
        summary.planned = { create: [], retire: [], convert: true };
        summary.durationMs = Date.now() - started;
        return summary;
      }
      summary.converted = await convertToPartitioned(client, {
        schema: settings.schema,
        table: settings.table,
        column: settings.column,
        futureMonths: settings.futureMonths,
        now: context.now,
        retry: context.policy,
      });
      summary.lockRetries += summary.converted.lockRetries;
      log({ event: 'converted', ...summary.converted });
    }
    const parent = await resolveParent(client, settings, qualified);
    const current = monthOf(context.now);
    const cutoff = current - settings.retentionMonths;

    if (context.dryRun) {
      summary.planned = await plan(client, parent, current, cutoff, settings);
    } else {
      const run: TableRun = { client, settings, parent, context, summary, retry };
      await resumeRetirements(run);
      await createMonths(run, current);
      await retireMonths(run, cutoff);
    }
    const { rows } = await client.query<{ ahead: number }>('SELECT partition_maintenance.months_ahead($1::regclass, $2::date) AS ahead', [
      parent,
      monthDate(current),
    ]);
    summary.monthsAhead = rows[0].ahead;
  } catch (error) {
    summary.errors.push((error as Error).message);
    log({ event: 'table-failed', table: qualified, error: (error as Error).message });
  }
  summary.durationMs = Date.now() - started;
  return summary;
}

/** Whether the table exists, and as what: a partitioned table, a plain one, or something else. */
async function tableKind(client: ClientBase, settings: TableSettings): Promise<'partitioned' | 'plain' | 'other' | undefined> {
  const { rows } = await client.query<{ kind: string }>(
    `SELECT c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [settings.schema, settings.table],
  );
  if (rows.length === 0) return undefined;
  return rows[0].kind === 'p' ? 'partitioned' : rows[0].kind === 'r' ? 'plain' : 'other';
}

/** The parent table's regclass text; a clear error if it is missing, not partitioned, or by another column. */
async function resolveParent(client: ClientBase, settings: TableSettings, qualified: string): Promise<string> {
  const { rows } = await client.query<{ parent: string | null }>(
    `SELECT to_regclass(format('%I.%I', $1::text, $2::text))::text AS parent`,
    [settings.schema, settings.table],
  );
  const parent = rows[0].parent;
  if (!parent) throw new Error(`table ${qualified} does not exist`);
  const { rows: key } = await client.query<{ column_name: string }>(
    'SELECT column_name FROM partition_maintenance.partition_key($1::regclass)',
    [parent],
  );
  if (key[0].column_name !== settings.column) {
    throw new Error(
      `table ${qualified} is partitioned by ${quoteIdent(key[0].column_name)}, not by ${quoteIdent(settings.column)} as configured`,
    );
  }
  return parent;
}

async function partitionsOf(client: ClientBase, parent: string): Promise<PartitionRow[]> {
  const { rows } = await client.query(
    `SELECT partition::text, partition_schema, partition_name, is_default, detach_pending,
            ${EPOCH_MS('range_start')} AS range_start, ${EPOCH_MS('range_end')} AS range_end
     FROM partition_maintenance.partitions($1::regclass)`,
    [parent],
  );
  return rows.map((row) => ({ ...row, range_start: toEpoch(row.range_start), range_end: toEpoch(row.range_end) }));
}

function covers(partition: PartitionRow, month: MonthIndex): boolean {
  if (partition.is_default || partition.range_end === null) return false;
  const start = partition.range_start ?? -Infinity;
  return start <= monthStart(month).getTime() && partition.range_end >= monthStart(month + 1).getTime();
}

function rangeLabel(partition: PartitionRow): string {
  const end = partition.range_end!;
  if (end === Infinity) return partition.range_start === null ? 'all' : `${monthLabel(monthOf(new Date(partition.range_start)))}..`;
  const endMonth = monthOf(new Date(end));
  const lastMonth = endMonth - (end === monthStart(endMonth).getTime() ? 1 : 0);
  if (partition.range_start === null) return `..${monthLabel(lastMonth)}`;
  const first = monthOf(new Date(partition.range_start));
  return first === lastMonth ? monthLabel(first) : `${monthLabel(first)}..${monthLabel(lastMonth)}`;
}

function isRetirable(partition: PartitionRow, cutoff: MonthIndex): boolean {
  return !partition.is_default && partition.range_end !== null && partition.range_end <= monthStart(cutoff).getTime();
}

async function plan(client: ClientBase, parent: string, current: MonthIndex, cutoff: MonthIndex, settings: TableSettings) {
  const partitions = await partitionsOf(client, parent);
  const create: string[] = [];
  for (let month = current; month <= current + settings.futureMonths; month++) {
    if (!partitions.some((partition) => covers(partition, month))) create.push(monthLabel(month));
  }
  const retire = partitions.filter((partition) => isRetirable(partition, cutoff)).map((partition) => partition.partition);
  return { create, retire };
}

type Retry = <T>(step: string, attempt: () => Promise<T>) => Promise<T>;

/** Every month from the current one through `futureMonths` ahead, gaps included. */
async function createMonths(run: TableRun, current: MonthIndex): Promise<void> {
  const { client, parent, settings, summary, retry } = run;
  const { log } = run.context;
  for (let month = current; month <= current + settings.futureMonths; month++) {
    try {
      const created = await retry(`create ${monthLabel(month)}`, async () => {
        const { rows } = await client.query<{ created: string | null }>(
          'SELECT partition_maintenance.create_month($1::regclass, $2::date) AS created',
          [parent, monthDate(month)],
        );
        return rows[0].created;
      });
      if (created) {
        summary.created.push(monthLabel(month));
        log({ event: 'created', table: parent, month: monthLabel(month), partition: created });
      }
    } catch (error) {
      // A month blocked by rows in the DEFAULT partition or an overlap is reported; the rest go on.
      summary.errors.push((error as Error).message);
      log({ event: 'create-failed', table: parent, month: monthLabel(month), error: (error as Error).message });
    }
  }
}

async function retireMonths(run: TableRun, cutoff: MonthIndex): Promise<void> {
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
    try {
      await journal(client, partition, parent, 'detaching');
      await detach(client, parent, partition, retry);
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
      await retry(`reattach ${partition.partition}`, () =>
        client.query('SELECT partition_maintenance.reattach_month($1::regclass, $2::regclass, $3::timestamp, $4::timestamp)', [
          parent,
          partition.partition,
          sqlTimestamp(partition.range_start),
          sqlTimestamp(partition.range_end),
        ]),
      );
      await journal(client, partition, parent, 'reattached');
      throw error;
    }
  }
  await retry(`drop ${partition.partition}`, () => client.query(`DROP TABLE ${partition.partition}`));
  await journal(client, partition, parent, 'dropped');
  summary.retired.push(retired);
  context.log({ event: 'retired', table: parent, ...retired });
}

/**
 * Finishes what a killed pass left: partitions journaled as detaching, detached or archived whose
 * table still exists but is no longer attached. (Those still attached are retired by the normal
 * path, which finalizes a half-done concurrent detach.)
 */
async function resumeRetirements(run: TableRun): Promise<void> {
  const { client, parent, context, summary } = run;
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
    context.log({ event: 'resume-retirement', table: parent, partition: partition.partition, state: row.state });
    try {
      await archiveAndDrop(run, partition);
    } catch (error) {
      summary.errors.push((error as Error).message);
    }
  }
}

async function journal(
  client: ClientBase,
  partition: PartitionRow,
  parent: string,
  state: 'detaching' | 'detached' | 'archived' | 'dropped' | 'reattached',
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

async function journalState(client: ClientBase, partition: PartitionRow): Promise<string | undefined> {
  const { rows } = await client.query<{ state: string }>(
    'SELECT state FROM partition_maintenance.retirement WHERE partition_schema = $1 AND partition_name = $2',
    [partition.partition_schema, partition.partition_name],
  );
  return rows[0]?.state;
}
