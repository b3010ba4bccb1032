import type { Client } from 'pg';
import { PASS_LOCK_KEY, runPass, type PassOptions, type TableSettings } from '../../../lambda/partition-maintenance/pass';
import { loadSqlFiles } from '../../../lambda/partition-maintenance/sql-files';
import { installAwsS3StandIn, setAwsS3StandInMode } from '../../support/aws-s3-standin';
import { countRows, createPartitionedEvents, insertEvents, partitionMonths, type EventTable } from '../../support/game-events';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

// November 2026, as in the issue: retention 12 keeps November 2025 onwards.
const NOW = new Date('2026-11-15T10:00:00Z');
const FAST_RETRY = { lockTimeoutMs: 100, initialBackoffMs: 20, maxBackoffMs: 200, maxWaitMs: 30_000 };
const ARCHIVE = { bucket: 'cs2-archive', region: 'eu-west-1', prefix: 'partitions' };

let db: TestDatabase;
let client: Client;
const extraClients: Client[] = [];

beforeEach(async () => {
  db = await createTestDatabase();
  client = await db.connect();
});

afterEach(async () => {
  for (const extra of extraClients.splice(0)) await extra.end().catch(() => undefined);
  await client.end().catch(() => undefined);
  await db.drop();
});

async function another(options?: { timeZone?: string }): Promise<Client> {
  const extra = await db.connect(options);
  extra.on('error', () => undefined);
  extraClients.push(extra);
  return extra;
}

function settings(table: EventTable, overrides: Partial<TableSettings> = {}): TableSettings {
  return {
    schema: table.schema,
    table: table.table,
    column: table.column,
    futureMonths: 3,
    retentionMonths: 12,
    archive: false,
    ...overrides,
  };
}

function pass(session: Client, tables: TableSettings[], options: Partial<PassOptions> = {}) {
  return runPass(session, { tables, now: NOW, retry: FAST_RETRY, archiveTarget: ARCHIVE, ...options });
}

/** A table with a partition per month from `first` to `last` (YYYY-MM), three rows each. */
async function tableWithMonths(first: string, last: string, options: Parameters<typeof createPartitionedEvents>[1] = {}) {
  const table = await createPartitionedEvents(client, options);
  const months: string[] = [];
  for (let date = new Date(`${first}-01T00:00:00Z`); date <= new Date(`${last}-01T00:00:00Z`); date.setUTCMonth(date.getUTCMonth() + 1)) {
    months.push(date.toISOString().slice(0, 7));
  }
  await pass(client, [], {}); // installs sql/
  for (const month of months) {
    await client.query('SELECT partition_maintenance.create_month($1::regclass, $2::date)', [table.qualified, `${month}-01`]);
  }
  await insertEvents(client, table, months);
  return { table, months };
}

describe('a maintenance pass', () => {
  test('creates every missing month from the current one through N ahead, gaps included', async () => {
    const table = await createPartitionedEvents(client);
    await pass(client, []);
    for (const month of ['2026-11-01', '2027-01-01']) {
      await client.query('SELECT partition_maintenance.create_month($1::regclass, $2::date)', [table.qualified, month]);
    }
    const summary = await pass(client, [settings(table)]);
    expect(summary.status).toBe('succeeded');
    expect(summary.tables[0].created).toEqual(['2026-12', '2027-02']);
    expect(await partitionMonths(client, table)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(summary.tables[0].monthsAhead).toBe(3);
  });

  test('retires every month whose range ends on or before the cutoff, and keeps the rest', async () => {
    const { table } = await tableWithMonths('2025-08', '2026-11');
    const summary = await pass(client, [settings(table)]);
    expect(summary.tables[0].retired.map((retired) => retired.range)).toEqual(['2025-08', '2025-09', '2025-10']);
    const months = await partitionMonths(client, table);
    expect(months[0]).toBe('2025-11');
    expect(await countRows(client, table)).toBe(3 * 13);
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('GameEvent_p2025_08', 'GameEvent_p2025_09', 'GameEvent_p2025_10')`,
    );
    expect(rows[0].n).toBe(0);
  });

  test('is idempotent: a second pass finds nothing to do', async () => {
    const { table } = await tableWithMonths('2025-09', '2026-11');
    await pass(client, [settings(table)]);
    const before = await partitionMonths(client, table);
    const second = await pass(client, [settings(table)]);
    expect(second.tables[0]).toMatchObject({ created: [], retired: [], errors: [], monthsAhead: 3 });
    expect(await partitionMonths(client, table)).toEqual(before);
  });

  test('returns a summary per table: created, retired, archived, months ahead, lock retries, duration, errors', async () => {
    const table = await createPartitionedEvents(client);
    const summary = await pass(client, [settings(table, { futureMonths: 1 })]);
    expect(summary).toMatchObject({ status: 'succeeded', dryRun: false, now: NOW.toISOString() });
    expect(summary.sql?.applied).toEqual(loadSqlFiles().map((file) => file.name));
    expect(Object.keys(summary.tables[0]).sort()).toEqual(
      ['archived', 'column', 'created', 'durationMs', 'errors', 'lockRetries', 'monthsAhead', 'retired', 'schema', 'table'].sort(),
    );
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  test('runs one at a time per database: a second pass exits with "skipped"', async () => {
    const table = await createPartitionedEvents(client);
    const holder = await another();
    await holder.query(`SELECT pg_advisory_lock(${PASS_LOCK_KEY})`);
    const skipped = await pass(client, [settings(table)]);
    expect(skipped).toMatchObject({ status: 'skipped', reason: 'another maintenance pass is running on this database' });
    expect(await client.query(`SELECT to_regclass('partition_maintenance.schema_version') AS t`)).toMatchObject({
      rows: [{ t: null }],
    });
    await holder.query(`SELECT pg_advisory_unlock(${PASS_LOCK_KEY})`);
    expect((await pass(client, [settings(table)])).status).toBe('succeeded');
  });

  test('two passes started together: one works, the other is skipped, the result is the same', async () => {
    const { table } = await tableWithMonths('2025-06', '2026-11');
    // Keep the first pass busy on a lock so that the two overlap for sure.
    const reader = await another();
    await reader.query('BEGIN');
    await reader.query(`SELECT count(*) FROM "GameEvent_p2025_06"`);
    const second = await another();
    const first = pass(client, [settings(table)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const other = await pass(second, [settings(table)]);
    await reader.query('COMMIT');
    const results = [await first, other];
    expect(results.map((result) => result.status).sort()).toEqual(['skipped', 'succeeded']);
    expect((await partitionMonths(client, table))[0]).toBe('2025-11');
  });

  test('never blocks the application: with an analytics transaction open, inserts and selects do not queue', async () => {
    const { table } = await tableWithMonths('2025-09', '2026-11');
    const analytics = await another();
    await analytics.query('BEGIN');
    await analytics.query(`SELECT count(*) FROM ${table.qualified}`); // holds ACCESS SHARE on every partition
    const app = await another();
    await app.query(`SET lock_timeout = '1s'`); // a queued statement would fail here, not hang
    const running = pass(client, [settings(table)]);
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      await app.query(`INSERT INTO ${table.qualified} ("matchId", "type", "createdAt") VALUES ('live', 'kill', '2026-11-20')`);
      await app.query(`SELECT count(*) FROM ${table.qualified} WHERE "createdAt" >= '2026-11-01'`);
      latencies.push(Date.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await analytics.query('COMMIT');
    const summary = await running;
    expect(summary.status).toBe('succeeded');
    expect(summary.tables[0].lockRetries).toBeGreaterThan(0); // it waited for the analytics transaction...
    expect(Math.max(...latencies)).toBeLessThan(500); // ...and nobody waited for it
    expect(summary.tables[0].retired.map((retired) => retired.range)).toEqual(['2025-09', '2025-10']);
  });

  test('waits for a lock boundedly, retries, and the holder is never blocked', async () => {
    const { table } = await tableWithMonths('2025-10', '2026-11');
    const holder = await another();
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE "GameEvent_p2025_10" IN ACCESS SHARE MODE`);
    const running = pass(client, [settings(table)]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    await holder.query(`SELECT count(*) FROM "GameEvent_p2025_10"`);
    expect(Date.now() - started).toBeLessThan(200);
    await holder.query('COMMIT');
    const summary = await running;
    expect(summary.tables[0].lockRetries).toBeGreaterThan(0);
    expect(summary.tables[0].retired.map((retired) => retired.range)).toEqual(['2025-10']);
  });

  test('gives up after its retry budget with a clear error, leaving the table consistent', async () => {
    const { table } = await tableWithMonths('2025-10', '2026-11');
    const holder = await another();
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE "GameEvent_p2025_10" IN ACCESS SHARE MODE`);
    const summary = await pass(client, [settings(table)], { retry: { ...FAST_RETRY, maxWaitMs: 600 } });
    await holder.query('COMMIT');
    expect(summary.status).toBe('failed');
    expect(summary.tables[0].errors[0]).toMatch(/gave up after \d+ lock timeouts/);
    // The next pass finishes the job.
    const next = await pass(client, [settings(table)]);
    expect(next.status).toBe('succeeded');
    expect((await partitionMonths(client, table))[0]).toBe('2025-11');
  });

  test('finishes a concurrent detach that was interrupted half-way', async () => {
    const { table } = await tableWithMonths('2025-10', '2026-11');
    await pass(client, [settings(table, { retentionMonths: 120 })]); // installs, retires nothing
    const reader = await another();
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await reader.query(`SELECT count(*) FROM ${table.qualified}`);
    const detacher = await another();
    await detacher.query(`SET statement_timeout = '300ms'`);
    await expect(detacher.query(`ALTER TABLE ${table.qualified} DETACH PARTITION "GameEvent_p2025_10" CONCURRENTLY`)).rejects.toThrow(
      /statement timeout|canceling/,
    );
    const { rows } = await client.query(`SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = '"GameEvent_p2025_10"'::regclass`);
    expect(rows[0].inhdetachpending).toBe(true);
    await reader.query('COMMIT');
    const summary = await pass(client, [settings(table)]);
    expect(summary.status).toBe('succeeded');
    expect(summary.tables[0].retired.map((retired) => retired.range)).toEqual(['2025-10']);
    expect(await client.query(`SELECT to_regclass('"GameEvent_p2025_10"') AS t`)).toMatchObject({ rows: [{ t: null }] });
  });

  test('killed mid-way (its connection terminated while it waits), a rerun finishes cleanly', async () => {
    const { table } = await tableWithMonths('2025-08', '2026-11');
    const holder = await another();
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE "GameEvent_p2025_09" IN ACCESS SHARE MODE`);
    const victim = await another();
    const { rows } = await victim.query('SELECT pg_backend_pid() AS pid');
    const running = pass(victim, [settings(table, { archive: false })]).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await client.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    const killed = await running;
    // Either the pass threw, or it reported the lost connection as its failure: never "succeeded".
    expect(killed instanceof Error ? 'threw' : killed.status).toMatch(/threw|failed/);
    await holder.query('COMMIT');
    const { rows: journal } = await client.query(`SELECT partition_name, state FROM partition_maintenance.retirement ORDER BY 1`);
    expect(journal.length).toBeGreaterThan(0); // it had started retiring
    const rerun = await pass(client, [settings(table)]);
    expect(rerun.status).toBe('succeeded');
    expect((await partitionMonths(client, table))[0]).toBe('2025-11');
    const { rows: after } = await client.query(`SELECT DISTINCT state FROM partition_maintenance.retirement`);
    expect(after.map((row) => row.state)).toEqual(['dropped']);
    expect(await countRows(client, table)).toBe(3 * 13);
  });

  test('resumes a partition a killed pass left detached but not dropped', async () => {
    const { table } = await tableWithMonths('2025-10', '2026-11');
    await installAwsS3StandIn(client);
    await pass(client, [settings(table, { retentionMonths: 120 })]);
    // What a pass killed right after its detach leaves behind.
    await client.query(
      `INSERT INTO partition_maintenance.retirement (partition_schema, partition_name, parent_table, range_start, range_end, state)
       VALUES ('public', 'GameEvent_p2025_10', $1, '2025-10-01', '2025-11-01', 'detached')`,
      [table.qualified.replace('"public".', '')],
    );
    await client.query(`ALTER TABLE ${table.qualified} DETACH PARTITION "GameEvent_p2025_10" CONCURRENTLY`);
    const summary = await pass(client, [settings(table, { archive: true })]);
    expect(summary.status).toBe('succeeded');
    expect(summary.tables[0].archived).toEqual([
      { partition: '"GameEvent_p2025_10"', rows: 3, uri: 's3://cs2-archive/partitions/public/GameEvent/GameEvent_p2025_10.csv' },
    ]);
    expect(await client.query(`SELECT to_regclass('"GameEvent_p2025_10"') AS t`)).toMatchObject({ rows: [{ t: null }] });
  });

  test('a detach refused outright is journaled as such: a month detached later by hand, and kept by a longer retention, is not dropped', async () => {
    const { table } = await tableWithMonths('2025-09', '2026-11');
    await client.query(
      `CREATE TABLE "Kill" ("eventId" int, "eventAt" timestamp(3), FOREIGN KEY ("eventId", "eventAt") REFERENCES "GameEvent" (id, "createdAt"))`,
    );
    await client.query(`INSERT INTO "Kill" SELECT id, "createdAt" FROM "GameEvent_p2025_09" LIMIT 1`);
    const refused = await pass(client, [settings(table)]);
    expect(refused.tables[0].errors).toEqual([expect.stringContaining('violates foreign key constraint')]);
    const { rows: journal } = await client.query(`SELECT partition_name, state FROM partition_maintenance.retirement ORDER BY 1`);
    expect(journal).toContainEqual({ partition_name: 'GameEvent_p2025_09', state: 'reattached' });
    // The operator keeps September 2025 as a table of its own, and keeps ten years from now on.
    await client.query(`DROP TABLE "Kill"`);
    await client.query(`ALTER TABLE "GameEvent" DETACH PARTITION "GameEvent_p2025_09"`);
    const next = await pass(client, [settings(table, { retentionMonths: 120 })]);
    expect(next.tables[0].retired).toEqual([]);
    expect((await client.query(`SELECT count(*)::int AS n FROM "GameEvent_p2025_09"`)).rows[0].n).toBe(3);
  });

  test("a detached month journaled as the job's, that the retention now keeps, is left as it is with an error", async () => {
    const { table } = await tableWithMonths('2025-10', '2026-11');
    await client.query(
      `INSERT INTO partition_maintenance.retirement (partition_schema, partition_name, parent_table, range_start, range_end, state)
       VALUES ('public', 'GameEvent_p2025_10', '"GameEvent"', '2025-10-01', '2025-11-01', 'detached')`,
    );
    await client.query(`ALTER TABLE "GameEvent" DETACH PARTITION "GameEvent_p2025_10"`);
    const summary = await pass(client, [settings(table, { retentionMonths: 120 })]);
    expect(summary.tables[0].errors).toEqual([
      '"GameEvent_p2025_10" is detached from "GameEvent" (its retirement was journaled as detached), but the retention of 120 months ' +
        'keeps its month: left as it is; attach it back or drop it yourself',
    ]);
    expect((await client.query(`SELECT count(*)::int AS n FROM "GameEvent_p2025_10"`)).rows[0].n).toBe(3);
  });

  test('an old month that a view reads is refused before it is detached, and stays attached', async () => {
    const { table } = await tableWithMonths('2025-09', '2026-11');
    await client.query(`CREATE VIEW "september_2025" AS SELECT * FROM "GameEvent_p2025_09"`);
    const summary = await pass(client, [settings(table)]);
    expect(summary.tables[0].errors).toEqual([
      'not retiring "GameEvent_p2025_09": september_2025 read(s) it, and DROP TABLE would fail once it is detached: drop or change them first',
    ]);
    expect(summary.tables[0].retired.map((retired) => retired.range)).toEqual(['2025-10']);
    expect((await partitionMonths(client, table))[0]).toBe('2025-09');
  });

  test('an old month that is a foreign table is refused before it is detached, and stays attached', async () => {
    // A foreign partition needs a table without unique indexes.
    await client.query(`CREATE TABLE "Telemetry" ("createdAt" timestamp NOT NULL, "value" text) PARTITION BY RANGE ("createdAt")`);
    await client.query(`CREATE EXTENSION IF NOT EXISTS file_fdw; CREATE SERVER files FOREIGN DATA WRAPPER file_fdw`);
    await client.query(
      `CREATE FOREIGN TABLE "Telemetry_p2025_08" PARTITION OF "Telemetry" FOR VALUES FROM ('2025-08-01') TO ('2025-09-01')
       SERVER files OPTIONS (program 'printf "2025-08-05 00:00:00,x\\n"', format 'csv')`,
    );
    const telemetry = { schema: 'public', table: 'Telemetry', column: 'createdAt', qualified: '"public"."Telemetry"' };
    const summary = await pass(client, [settings(telemetry)]);
    expect(summary.tables[0].errors).toEqual([
      'not retiring "Telemetry_p2025_08": it is a foreign table (its rows live elsewhere): detach and drop it yourself when its month is due',
    ]);
    expect((await client.query(`SELECT count(*)::int AS n FROM "Telemetry" WHERE "createdAt" < '2025-09-01'`)).rows[0].n).toBe(1);
  });

  test('a month whose DROP fails once detached (a foreign key on it alone) is attached back, its rows visible', async () => {
    const { table } = await tableWithMonths('2025-10', '2026-11');
    await client.query(`ALTER TABLE "GameEvent_p2025_10" ADD CONSTRAINT "p2025_10_id" UNIQUE (id)`);
    await client.query(`CREATE TABLE "Pinned" ("eventId" int REFERENCES "GameEvent_p2025_10" (id))`);
    const before = await countRows(client, table);
    const summary = await pass(client, [settings(table)]);
    expect(summary.tables[0].errors).toEqual([
      expect.stringMatching(/^dropping "GameEvent_p2025_10" failed \(cannot drop table .*\); it was attached back to "GameEvent"$/),
    ]);
    expect(await countRows(client, table)).toBe(before);
    expect((await partitionMonths(client, table))[0]).toBe('2025-10');
  });

  test('names a configured view as a view, not as a table to convert', async () => {
    await client.query(`CREATE VIEW "GameEvent" AS SELECT now()::timestamp AS "createdAt"`);
    const summary = await pass(client, [
      settings({ schema: 'public', table: 'GameEvent', column: 'createdAt', qualified: '"public"."GameEvent"' }),
    ]);
    expect(summary.tables[0].errors).toEqual(['"public"."GameEvent" is a view, not a table: only a table can be partitioned by month']);
  });

  test("retires an old partition bounded from '-infinity'", async () => {
    const { table } = await tableWithMonths('2025-11', '2026-11');
    await client.query(`CREATE TABLE "GameEvent_before" PARTITION OF "GameEvent" FOR VALUES FROM ('-infinity') TO ('2025-01-01')`);
    await client.query(`INSERT INTO "GameEvent" ("matchId", "type", "createdAt") VALUES ('m1', 'kill', '2024-06-01')`);
    const summary = await pass(client, [settings(table)]);
    expect(summary.tables[0].errors).toEqual([]);
    expect(summary.tables[0].retired).toEqual([{ partition: '"GameEvent_before"', range: '..2024-12' }]);
  });

  test.each(['archive', 'DROP'])("a partition bounded from '-infinity' whose %s fails is attached back as it was", async (failing) => {
    const { table } = await tableWithMonths('2025-11', '2026-11');
    await client.query(`CREATE TABLE "GameEvent_before" PARTITION OF "GameEvent" FOR VALUES FROM ('-infinity') TO ('2025-01-01')`);
    await client.query(
      `INSERT INTO "GameEvent" ("matchId", "type", "createdAt") VALUES ('m1', 'kill', '-infinity'), ('m1', 'kill', '2024-06-01')`,
    );
    await installAwsS3StandIn(client, failing === 'archive' ? 'fail' : 'ok');
    if (failing === 'DROP') {
      await client.query(`ALTER TABLE "GameEvent_before" ADD CONSTRAINT "before_id" UNIQUE (id)`);
      await client.query(`CREATE TABLE "Pinned" ("eventId" int REFERENCES "GameEvent_before" (id))`);
    }
    const summary = await pass(client, [settings(table, { archive: true })]);
    expect(summary.tables[0].errors).toEqual([
      expect.stringContaining(failing === 'archive' ? 'stand-in: S3 rejected' : 'cannot drop table'),
    ]);
    const { rows } = await client.query(
      `SELECT pg_get_expr(relpartbound, oid) AS bound FROM pg_class WHERE oid = '"GameEvent_before"'::regclass`,
    );
    expect(rows[0].bound).toBe(`FOR VALUES FROM ('-infinity') TO ('2025-01-01 00:00:00')`);
    expect((await client.query(`SELECT count(*)::int AS n FROM "GameEvent" WHERE "createdAt" < '2025-01-01'`)).rows[0].n).toBe(2);
  });

  describe('with archiving on', () => {
    test('exports each retiring month to S3, checks the row count, then drops it', async () => {
      const { table } = await tableWithMonths('2025-09', '2026-11');
      await installAwsS3StandIn(client, 'ok');
      const summary = await pass(client, [settings(table, { archive: true })]);
      expect(summary.status).toBe('succeeded');
      expect(summary.tables[0].archived.map((archived) => [archived.partition, archived.rows])).toEqual([
        ['"GameEvent_p2025_09"', 3],
        ['"GameEvent_p2025_10"', 3],
      ]);
      expect(summary.tables[0].retired[0]).toMatchObject({ range: '2025-09', archivedRows: 3 });
      const { rows } = await client.query(`SELECT uri, rows, options FROM aws_s3.standin_objects ORDER BY uri`);
      expect(rows).toEqual([
        { uri: 's3://cs2-archive/partitions/public/GameEvent/GameEvent_p2025_09.csv', rows: '3', options: 'format csv, header true' },
        { uri: 's3://cs2-archive/partitions/public/GameEvent/GameEvent_p2025_10.csv', rows: '3', options: 'format csv, header true' },
      ]);
      const { rows: journal } = await client.query(
        `SELECT partition_name, state, rows_archived::int FROM partition_maintenance.retirement ORDER BY 1`,
      );
      expect(journal).toEqual([
        { partition_name: 'GameEvent_p2025_09', state: 'dropped', rows_archived: 3 },
        { partition_name: 'GameEvent_p2025_10', state: 'dropped', rows_archived: 3 },
      ]);
    });

    test.each(['fail', 'short'] as const)('drops nothing when the export %s, and the rows stay visible', async (mode) => {
      const { table } = await tableWithMonths('2025-09', '2026-11');
      await installAwsS3StandIn(client, mode);
      const before = await countRows(client, table);
      const summary = await pass(client, [settings(table, { archive: true })]);
      expect(summary.status).toBe('failed');
      expect(summary.tables[0].errors[0]).toMatch(
        mode === 'fail'
          ? /export of "public"."GameEvent_p2025_09" .* failed: stand-in: S3 rejected/
          : /wrote 2 rows, the partition holds 3/,
      );
      expect(summary.tables[0].retired).toEqual([]);
      expect(await countRows(client, table)).toBe(before);
      expect((await partitionMonths(client, table))[0]).toBe('2025-09');
      // Once the export works again, the next pass archives and retires.
      await setAwsS3StandInMode(client, 'ok');
      const next = await pass(client, [settings(table, { archive: true })]);
      expect(next.tables[0].retired.map((retired) => retired.range)).toEqual(['2025-09', '2025-10']);
    });

    test('without aws_s3 installed, retires nothing and says why', async () => {
      const { table } = await tableWithMonths('2025-10', '2026-11');
      const summary = await pass(client, [settings(table, { archive: true })]);
      expect(summary.tables[0].errors).toEqual([expect.stringContaining('aws_s3.query_export_to_s3 is not installed')]);
      expect((await partitionMonths(client, table))[0]).toBe('2025-10');
    });
  });

  test('works in UTC whatever the session time zone, at a month boundary', async () => {
    const kiritimati = await another({ timeZone: 'Pacific/Kiritimati' }); // UTC+14: already December locally
    const table = await createPartitionedEvents(kiritimati, { table: 'TzEvent', columnType: 'timestamptz' });
    const lastHourOfNovember = new Date('2026-11-30T23:30:00Z');
    const summary = await runPass(kiritimati, {
      tables: [settings(table, { futureMonths: 1 })],
      now: lastHourOfNovember,
      retry: FAST_RETRY,
    });
    expect(summary.tables[0].created).toEqual(['2026-11', '2026-12']);
    const losAngeles = await another({ timeZone: 'America/Los_Angeles' }); // UTC-8: still November locally
    const firstHourOfDecember = new Date('2026-12-01T00:30:00Z');
    const next = await runPass(losAngeles, {
      tables: [settings(table, { futureMonths: 1 })],
      now: firstHourOfDecember,
      retry: FAST_RETRY,
    });
    expect(next.tables[0].created).toEqual(['2027-01']);
    const { rows } = await client.query(
      `SELECT to_char(range_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS start FROM partition_maintenance.partitions('"TzEvent"')`,
    );
    expect(rows.map((row) => row.start)).toEqual(['2026-11-01 00:00', '2026-12-01 00:00', '2027-01-01 00:00']);
  });

  test('skips, with an error, a month whose rows sit in the DEFAULT partition; the rest proceeds', async () => {
    const table = await createPartitionedEvents(client);
    await client.query(`CREATE TABLE "GameEvent_default" PARTITION OF "GameEvent" DEFAULT`);
    await insertEvents(client, table, ['2027-01'], 4);
    const summary = await pass(client, [settings(table)]);
    expect(summary.status).toBe('failed');
    expect(summary.tables[0].created).toEqual(['2026-11', '2026-12', '2027-02']);
    expect(summary.tables[0].errors).toEqual([expect.stringContaining('month 2027-01 of public."GameEvent" not created')]);
    expect(await countRows(client, table)).toBe(4);
  });

  test('reports bad tables clearly and still maintains the good ones', async () => {
    const good = await createPartitionedEvents(client);
    await client.query(`CREATE TABLE "PlainEvent" (id int, "createdAt" timestamp)`);
    const summary = await pass(client, [
      { ...settings(good), table: 'Missing' },
      { ...settings(good), table: 'PlainEvent' },
      { ...settings(good), column: 'updatedAt' },
      { ...settings(good), table: 'gameevent' }, // names are exact and case-sensitive
      settings(good),
    ]);
    expect(summary.status).toBe('failed');
    expect(summary.tables.map((table) => table.errors[0])).toEqual([
      'table "public"."Missing" does not exist',
      'table public."PlainEvent" is not partitioned: convert it first (npm run maintenance -- convert)',
      'table "public"."GameEvent" is partitioned by "createdAt", not by "updatedAt" as configured',
      'table "public"."gameevent" does not exist',
      undefined,
    ]);
    expect(summary.tables[4].created).toHaveLength(4);
  });

  test('quotes hostile schema, table and column names everywhere, creating and retiring', async () => {
    const hostile = { schema: 'odd "schema"; --', table: 'Game"Event\'); DROP TABLE x; --', column: 'created "at"' };
    const { table } = await tableWithMonths('2025-10', '2026-11', hostile);
    const summary = await pass(client, [settings(table)]);
    expect(summary.status).toBe('succeeded');
    expect(summary.tables[0].created).toEqual(['2026-12', '2027-01', '2027-02']);
    expect(summary.tables[0].retired.map((retired) => retired.range)).toEqual(['2025-10']);
    expect((await partitionMonths(client, table))[0]).toBe('2025-11');
  });

  test('refuses to retire when a DEFAULT partition forbids a concurrent detach', async () => {
    const { table } = await tableWithMonths('2025-10', '2026-11');
    await client.query(`CREATE TABLE "GameEvent_default" PARTITION OF "GameEvent" DEFAULT`);
    const summary = await pass(client, [settings(table)]);
    expect(summary.tables[0].errors).toEqual([expect.stringContaining('it has a DEFAULT partition')]);
    expect((await partitionMonths(client, table))[0]).toBe('2025-10');
  });

  test('a dry run changes nothing, installs nothing, and prints the plan', async () => {
    const { table } = await tableWithMonths('2025-10', '2026-12');
    await client.query('DROP SCHEMA partition_maintenance CASCADE');
    const summary = await pass(client, [settings(table)], { dryRun: true });
    expect(summary.tables[0].planned).toEqual({ create: ['2027-01', '2027-02'], retire: ['"GameEvent_p2025_10"'] });
    expect(summary.tables[0].created).toEqual([]);
    expect(await client.query(`SELECT to_regclass('partition_maintenance.schema_version') AS t`)).toMatchObject({
      rows: [{ t: null }],
    });
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = '"GameEvent"'::regclass`);
    expect(rows[0].n).toBe(15);
  });
});
