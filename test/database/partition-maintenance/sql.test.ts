import type { Client } from 'pg';
import { installSql, installedVersion } from '../../../lambda/partition-maintenance/install';
import { loadSqlFiles } from '../../../lambda/partition-maintenance/sql-files';
import { createPartitionedEvents, insertEvents, partitionMonths } from '../../support/game-events';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

let db: TestDatabase;
let client: Client;

beforeAll(async () => {
  db = await createTestDatabase();
  client = await db.connect();
  await installSql(client);
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

const currentMonth = () => {
  const now = new Date();
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
};

describe('installation', () => {
  test('records the installed version, and installing again changes nothing', async () => {
    const latest = Math.max(...loadSqlFiles().map((file) => file.version));
    expect(await installedVersion(client)).toBe(latest);
    const again = await installSql(client);
    expect(again).toEqual({ from: latest, to: latest, applied: [] });
  });

  test('every file can be run again by hand (idempotent SQL)', async () => {
    for (const file of loadSqlFiles()) await client.query(file.text);
    const { rows } = await client.query('SELECT version FROM partition_maintenance.schema_version ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual(loadSqlFiles().map((file) => file.version));
  });
});

describe('the original functions, for operators in psql', () => {
  test('create_monthly_partition creates the month of a date, once, on a mixed-case Prisma table', async () => {
    const table = await createPartitionedEvents(client, { table: 'GameEvent' });
    const { rows } = await client.query(`SELECT partition_maintenance.create_monthly_partition('"GameEvent"', date '2026-12-17') AS name`);
    expect(rows[0].name).toBe('GameEvent_p2026_12');
    const again = await client.query(`SELECT partition_maintenance.create_monthly_partition('GameEvent', date '2026-12-01') AS name`);
    expect(again.rows[0].name).toBeNull();
    expect(await partitionMonths(client, table)).toEqual(['2026-12']);
    // The new partition carries the parent's indexes: attached, not rebuilt.
    const { rows: indexes } = await client.query(
      `SELECT count(*)::int AS n FROM pg_index WHERE indrelid = '"GameEvent_p2026_12"'::regclass`,
    );
    expect(indexes[0].n).toBe(2);
  });

  test('ensure_future_partitions creates the current month (UTC) and N ahead, and returns them', async () => {
    const table = await createPartitionedEvents(client, { schema: 'analytics', table: 'RoundEvent' });
    const { rows } = await client.query(
      `SELECT * FROM partition_maintenance.ensure_future_partitions('analytics."RoundEvent"', 2) AS name`,
    );
    expect(rows).toHaveLength(3);
    const months = await partitionMonths(client, table);
    expect(months[0]).toBe(currentMonth());
    const { rows: again } = await client.query(`SELECT * FROM partition_maintenance.ensure_future_partitions('analytics."RoundEvent"', 2)`);
    expect(again).toHaveLength(0);
  });

  test('drop_old_partitions drops whole months older than the retention and returns them', async () => {
    const table = await createPartitionedEvents(client, { table: 'KillEvent' });
    for (const month of ['2020-01-01', '2020-02-01']) {
      await client.query(`SELECT partition_maintenance.create_monthly_partition('"KillEvent"', $1::date)`, [month]);
    }
    await client.query(`SELECT * FROM partition_maintenance.ensure_future_partitions('"KillEvent"', 0)`);
    await insertEvents(client, table, ['2020-01']);
    const { rows } = await client.query(`SELECT * FROM partition_maintenance.drop_old_partitions('"KillEvent"', 12) AS name`);
    expect(rows.map((row) => row.name)).toEqual(['public.KillEvent_p2020_01', 'public.KillEvent_p2020_02']);
    expect(await partitionMonths(client, table)).toEqual([currentMonth()]);
  });

  test('a missing table, a plain table and a bad retention fail with clear errors', async () => {
    await expect(client.query(`SELECT partition_maintenance.create_monthly_partition('"NoSuchTable"', current_date)`)).rejects.toThrow(
      'table "NoSuchTable" does not exist',
    );
    await client.query(`CREATE TABLE "PlainEvent" (id int, "createdAt" timestamp)`);
    await expect(client.query(`SELECT partition_maintenance.ensure_future_partitions('"PlainEvent"', 1)`)).rejects.toThrow(
      'table public."PlainEvent" is not partitioned: convert it first (npm run maintenance -- convert)',
    );
    await expect(client.query(`SELECT * FROM partition_maintenance.drop_old_partitions('"GameEvent"', 0)`)).rejects.toThrow(
      'retention must be at least 1 month (got 0)',
    );
  });

  test('a table partitioned otherwise is refused with the reason', async () => {
    await client.query(`CREATE TABLE "ByList" (kind text NOT NULL) PARTITION BY LIST (kind)`);
    await expect(client.query(`SELECT partition_maintenance.create_monthly_partition('"ByList"', current_date)`)).rejects.toThrow(
      'must be partitioned by RANGE on a single column',
    );
    await client.query(`CREATE TABLE "ByNumber" (n int NOT NULL) PARTITION BY RANGE (n)`);
    await expect(client.query(`SELECT partition_maintenance.create_monthly_partition('"ByNumber"', current_date)`)).rejects.toThrow(
      'is partitioned by n of type integer: monthly partitions need a timestamp, timestamptz or date column',
    );
  });

  test('a month whose rows sit in the DEFAULT partition is refused (PM001) and the rows stay', async () => {
    const table = await createPartitionedEvents(client, { table: 'DefaultEvent' });
    await client.query(`CREATE TABLE "DefaultEvent_default" PARTITION OF "DefaultEvent" DEFAULT`);
    await insertEvents(client, table, ['2026-12'], 2);
    const attempt = client.query(`SELECT partition_maintenance.create_monthly_partition('"DefaultEvent"', date '2026-12-01')`);
    await expect(attempt).rejects.toMatchObject({ code: 'PM001' });
    await expect(attempt).rejects.toThrow(
      'month 2026-12 of public."DefaultEvent" not created: its DEFAULT partition public."DefaultEvent_default" holds rows of that month',
    );
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM "DefaultEvent_default"`);
    expect(rows[0].n).toBe(2);
    // Another month, clear of the default's rows, is created.
    const { rows: created } = await client.query(
      `SELECT partition_maintenance.create_monthly_partition('"DefaultEvent"', date '2027-01-01') AS name`,
    );
    expect(created[0].name).toBe('DefaultEvent_p2027_01');
  });

  test('a month overlapping an existing partition is refused (PM002)', async () => {
    await createPartitionedEvents(client, { table: 'LegacyEvent' });
    await client.query(`CREATE TABLE "LegacyEvent_legacy" PARTITION OF "LegacyEvent" FOR VALUES FROM (MINVALUE) TO ('2026-11-15')`);
    await expect(
      client.query(`SELECT partition_maintenance.create_monthly_partition('"LegacyEvent"', date '2026-11-01')`),
    ).rejects.toMatchObject({ code: 'PM002' });
  });

  test('hostile names are quoted everywhere', async () => {
    const schema = 'odd "schema"; --';
    const table = await createPartitionedEvents(client, {
      schema,
      table: 'Game"Event\'); DROP TABLE x; --',
      column: 'created "at"',
    });
    const name = `"${schema.replace(/"/g, '""')}"."${table.table.replace(/"/g, '""')}"`;
    const { rows } = await client.query(`SELECT partition_maintenance.create_monthly_partition($1, date '2026-12-01') AS name`, [name]);
    expect(rows[0].name).toBe(`${table.table}_p2026_12`);
    expect(await partitionMonths(client, table)).toEqual(['2026-12']);
  });

  test('partition names stay within 63 bytes, distinct per table', async () => {
    const long = 'E'.repeat(60);
    const table = await createPartitionedEvents(client, { table: long });
    const { rows } = await client.query(`SELECT partition_maintenance.create_monthly_partition($1, date '2026-12-01') AS name`, [
      `"${long}"`,
    ]);
    expect(Buffer.byteLength(rows[0].name)).toBeLessThanOrEqual(63);
    expect(rows[0].name).toMatch(/_p2026_12$/);
    expect(await partitionMonths(client, table)).toEqual(['2026-12']);
  });

  test('bounds of timestamptz and date columns are UTC month starts whatever the session time zone', async () => {
    const session = await db.connect({ timeZone: 'Pacific/Kiritimati' });
    try {
      const tz = await createPartitionedEvents(session, { table: 'TzEvent', columnType: 'timestamptz' });
      const day = await createPartitionedEvents(session, { table: 'DayEvent', columnType: 'date' });
      for (const table of [tz, day]) {
        await session.query(`SELECT partition_maintenance.create_monthly_partition($1, date '2026-11-01')`, [table.qualified]);
        await session.query(`SELECT partition_maintenance.create_monthly_partition($1, date '2026-12-01')`, [table.qualified]);
      }
      // 2026-12-01 05:00 in Kiritimati (UTC+14) is 2026-11-30 15:00 UTC: November's partition.
      await session.query(`INSERT INTO "TzEvent" ("matchId", "type", "createdAt") VALUES ('m', 'kill', '2026-12-01 05:00:00+14')`);
      const { rows } = await session.query(`SELECT tableoid::regclass::text AS partition FROM "TzEvent"`);
      expect(rows[0].partition).toBe('"TzEvent_p2026_11"');
      const { rows: bounds } = await session.query(
        `SELECT to_char(range_start, 'YYYY-MM-DD HH24:MI') AS start FROM partition_maintenance.partitions('"TzEvent"'::regclass)`,
      );
      expect(bounds.map((row) => row.start)).toEqual(['2026-11-01 00:00', '2026-12-01 00:00']);
    } finally {
      await session.end();
    }
  });

  test.each(['Postgres, MDY', 'SQL, DMY', 'German'])(
    'bounds read the same in a session with DateStyle %s and an abbreviation that means two zones (IST)',
    async (style) => {
      const session = await db.connect({ timeZone: 'Asia/Kolkata' });
      try {
        const table = `IstEvent_${style.replace(/\W/g, '')}`;
        const events = await createPartitionedEvents(client, { table, columnType: 'timestamptz' });
        await client.query(`SELECT partition_maintenance.create_monthly_partition($1, date '2026-11-01')`, [events.qualified]);
        await session.query(`SET DateStyle = '${style}'`);
        const { rows } = await session.query(
          `SELECT to_char(range_start, 'YYYY-MM-DD HH24:MI') AS start FROM partition_maintenance.partitions($1::regclass)`,
          [events.qualified],
        );
        expect(rows).toEqual([{ start: '2026-11-01 00:00' }]);
        // The month exists: creating it again from this session is a no-op, not an overlap.
        await expect(
          session.query(`SELECT partition_maintenance.create_monthly_partition($1, date '2026-11-15') AS created`, [events.qualified]),
        ).resolves.toMatchObject({ rows: [{ created: null }] });
      } finally {
        await session.end();
      }
    },
  );
});
