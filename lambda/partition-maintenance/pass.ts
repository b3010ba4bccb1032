import type { ClientBase } from 'pg';
import { quoteIdent, type ArchiveTarget } from './archive';
import { convertToPartitioned } from './convert';
import { installSql, type InstallResult } from './install';
import { monthDate, monthLabel, monthOf, type MonthIndex } from './months';
import { covers, isRetirable, partitionsOf } from './partitions';
import { DEFAULT_RETRY_POLICY, withLockRetry, type RetryPolicy } from './retry';
import { resumeRetirements, retireMonths } from './retirement';
import type { RunContext, TableRun, TableSettings, TableSummary } from './table-run';

export type { RetiredPartition, TableSettings, TableSummary } from './table-run';

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
  // A query that row-level security would filter fails instead: an archive must hold every row of
  // the month it retires, never what one role is allowed to see.
  await client.query('SET row_security = off');

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

async function maintainTable(client: ClientBase, settings: TableSettings, context: RunContext): Promise<TableSummary> {
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
    if (kind !== undefined && kind !== 'partitioned' && kind !== 'plain') {
      throw new Error(`${qualified} is a ${kind}, not a table: only a table can be partitioned by month`);
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
      await resumeRetirements(run, cutoff);
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

/** What the relation of that name is, if it exists: a partitioned table, a plain one, or (in words) something else. */
async function tableKind(client: ClientBase, settings: TableSettings): Promise<string | undefined> {
  const { rows } = await client.query<{ kind: string }>(
    `SELECT c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [settings.schema, settings.table],
  );
  if (rows.length === 0) return undefined;
  const kinds: Record<string, string> = {
    p: 'partitioned',
    r: 'plain',
    v: 'view',
    m: 'materialized view',
    f: 'foreign table',
    S: 'sequence',
    i: 'index',
    I: 'partitioned index',
    c: 'composite type',
    t: 'TOAST table',
  };
  return kinds[rows[0].kind] ?? `relation of kind ${rows[0].kind}`;
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

async function plan(client: ClientBase, parent: string, current: MonthIndex, cutoff: MonthIndex, settings: TableSettings) {
  const partitions = await partitionsOf(client, parent);
  const create: string[] = [];
  for (let month = current; month <= current + settings.futureMonths; month++) {
    if (!partitions.some((partition) => covers(partition, month))) create.push(monthLabel(month));
  }
  const retire = partitions.filter((partition) => isRetirable(partition, cutoff)).map((partition) => partition.partition);
  return { create, retire };
}

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
