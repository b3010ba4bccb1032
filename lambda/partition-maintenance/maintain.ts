import { Client, type ClientConfig } from 'pg';
import { quoteIdent } from './archive';
import { convertToPartitioned, type ConvertReport } from './convert';
import { PASS_LOCK_KEY, runPass, type PassOptions, type PassSummary, type TableSettings } from './pass';
import type { RetryPolicy } from './retry';

/** One structured JSON log line (CloudWatch Logs Insights reads the fields). */
export function logEvent(event: Record<string, unknown>, write: (line: string) => void = (line) => console.log(line)): void {
  write(JSON.stringify({ time: new Date().toISOString(), source: 'partition-maintenance', ...event }));
}

/**
 * Connects, runs one pass, disconnects: the code path the Lambda handler and the command line
 * share. The connection is a plain session on the writer (never through RDS Proxy): the pass needs
 * a session advisory lock, SET lock_timeout and DETACH ... CONCURRENTLY.
 */
export async function runMaintenance(connection: ClientConfig, options: PassOptions): Promise<PassSummary> {
  const client = new Client({ ...connection, application_name: 'cs2-partition-maintenance' });
  await client.connect();
  try {
    return await runPass(client, options);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export type ConversionOutcome =
  | { readonly table: string; readonly status: 'converted'; readonly report: ConvertReport }
  | { readonly table: string; readonly status: 'already partitioned' }
  /** At deploy time: the migrations did not create it (yet). */
  | { readonly table: string; readonly status: 'absent' }
  /** At deploy time: it holds rows and converting it is left to the operator (convertIfPlain off). */
  | { readonly table: string; readonly status: 'kept plain'; readonly reason: string }
  | { readonly table: string; readonly status: 'failed'; readonly error: string };

/**
 * The one-time conversion of plain tables to monthly partitions, on the writer, holding the pass's
 * advisory lock so that no pass runs meanwhile. A table already partitioned is left as it is (the
 * request can be repeated); a table that does not exist, or cannot be converted, is a failure.
 */
export async function runConversion(
  connection: ClientConfig,
  tables: readonly TableSettings[],
  options: {
    now?: Date;
    retry?: Partial<RetryPolicy>;
    log?: (event: Record<string, unknown>) => void;
    /**
     * The deployment's run, right after the migrations: a table they did not create is no failure,
     * and one that holds rows is converted only where the table's convertIfPlain says so (building its
     * unique index reads the whole table: the operator picks that moment, `npm run convert`). An empty
     * table, as the first deploy's migrations leave it, converts at once.
     */
    atDeployment?: boolean;
  } = {},
): Promise<ConversionOutcome[]> {
  const client = new Client({ ...connection, application_name: 'cs2-partition-maintenance' });
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${PASS_LOCK_KEY}) AS locked`);
    if (!rows[0].locked) throw new Error('a maintenance pass is running on this database; try again in a few minutes');
    try {
      const outcomes: ConversionOutcome[] = [];
      for (const table of tables) {
        const name = `${quoteIdent(table.schema)}.${quoteIdent(table.table)}`;
        const { rows: kind } = await client.query<{ kind: string }>(
          `SELECT c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
          [table.schema, table.table],
        );
        if (kind[0]?.kind === 'p') {
          outcomes.push({ table: name, status: 'already partitioned' });
          continue;
        }
        if (options.atDeployment && kind[0] === undefined) {
          outcomes.push({ table: name, status: 'absent' });
          continue;
        }
        if (options.atDeployment && !table.convertIfPlain && kind[0]?.kind === 'r') {
          const { rows: any } = await client.query(`SELECT EXISTS (SELECT 1 FROM ${name}) AS found`);
          if (any[0].found) {
            outcomes.push({
              table: name,
              status: 'kept plain',
              reason: 'it holds rows and maintenance.convertPlainTables is off: npm run convert',
            });
            continue;
          }
        }
        try {
          const report = await convertToPartitioned(client, { ...table, now: options.now, retry: options.retry });
          options.log?.({ event: 'converted', ...report });
          outcomes.push({ table: name, status: 'converted', report });
        } catch (error) {
          options.log?.({ event: 'convert-failed', table: name, error: (error as Error).message });
          outcomes.push({ table: name, status: 'failed', error: (error as Error).message });
        }
      }
      return outcomes;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${PASS_LOCK_KEY})`).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
