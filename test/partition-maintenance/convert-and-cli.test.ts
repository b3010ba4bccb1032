import { spawnSync } from 'child_process';
import * as path from 'path';
import type { Client } from 'pg';
import { main, parseArguments } from '../../lambda/partition-maintenance/cli';
import { convertToPartitioned } from '../../lambda/partition-maintenance/convert';
import { runPass } from '../../lambda/partition-maintenance/pass';
import { runInProcess } from '../support/command';
import { createPrismaGameEvents } from '../support/game-events';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const NOW = new Date('2026-11-15T10:00:00Z');
const root = path.join(__dirname, '..', '..');

let db: TestDatabase;
let client: Client;

beforeEach(async () => {
  db = await createTestDatabase();
  client = await db.connect();
});

afterEach(async () => {
  await client.end().catch(() => undefined);
  await db.drop();
});

async function createPrismaTables(rowsPerMonth = 50): Promise<void> {
  await createPrismaGameEvents(client, rowsPerMonth);
}

async function fingerprint(): Promise<{ rows: number; ids: string; checksum: string }> {
  const { rows } = await client.query(
    `SELECT count(*)::int AS rows, sum(id)::text AS ids, md5(string_agg(id || '|' || "matchId" || '|' || "createdAt", ',' ORDER BY id)) AS checksum FROM "GameEvent"`,
  );
  return rows[0];
}

describe('conversion of a plain table into a monthly partitioned one', () => {
  test('keeps every row once, and reports what it did', async () => {
    await createPrismaTables();
    const before = await fingerprint();
    const report = await convertToPartitioned(client, { schema: 'public', table: 'GameEvent', column: 'createdAt', now: NOW });
    expect(await fingerprint()).toEqual(before);
    expect(report).toMatchObject({
      table: '"public"."GameEvent"',
      legacyPartition: '"public"."GameEvent_legacy"',
      legacyUntil: '2027-01-01',
      rowsInLegacy: 14 * 50,
      partitionsCreated: ['GameEvent_p2027_01', 'GameEvent_p2027_02'],
    });
    expect(report.exclusiveLockMs).toBeLessThan(2000);
    expect(report.steps.map((step) => step.step)).toEqual([
      'add NOT VALID range check',
      'validate range check (no lock on reads or writes)',
      'build unique index GameEvent_pkey_createdAt concurrently',
      'swap: rename, create the partitioned table, attach (ACCESS EXCLUSIVE)',
    ]);
    const { rows } = await client.query(`SELECT relkind::text FROM pg_class WHERE oid = '"GameEvent"'::regclass`);
    expect(rows[0].relkind).toBe('p');
  });

  test('the application keeps working: serial ids continue, keys and foreign keys hold, the pass maintains it', async () => {
    await createPrismaTables();
    await convertToPartitioned(client, { schema: 'public', table: 'GameEvent', column: 'createdAt', now: NOW });
    const { rows } = await client.query(
      `INSERT INTO "GameEvent" ("matchId", "type") VALUES ('match-1', 'kill') RETURNING id, tableoid::regclass::text AS partition`,
    );
    expect(rows[0].id).toBe(14 * 50 + 1);
    await expect(client.query(`INSERT INTO "GameEvent" ("matchId", "type") VALUES ('no-such-match', 'kill')`)).rejects.toThrow(
      /violates foreign key constraint "GameEvent_matchId_fkey"/,
    );
    // PostgreSQL 18 lists NOT NULL constraints in pg_constraint too (contype 'n'): checked below
    // through pg_attribute, as every version records them.
    const { rows: constraints } = await client.query(
      `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '"GameEvent"'::regclass AND contype <> 'n' ORDER BY 1`,
    );
    expect(constraints.map((row) => row.conname)).toEqual(['GameEvent_matchId_fkey', 'GameEvent_pkey']);
    expect(constraints[1].def).toBe('PRIMARY KEY (id, "createdAt")');
    const { rows: notNull } = await client.query(
      `SELECT attname FROM pg_attribute WHERE attrelid = '"GameEvent"'::regclass AND attnum > 0 AND NOT attisdropped AND attnotnull ORDER BY 1`,
    );
    expect(notNull.map((row) => row.attname)).toEqual(['createdAt', 'id', 'matchId', 'type']);
    const { rows: indexes } = await client.query(
      `SELECT indexrelid::regclass::text AS name, indisvalid FROM pg_index WHERE indrelid = '"GameEvent"'::regclass ORDER BY 1`,
    );
    expect(indexes).toEqual([
      { name: '"GameEvent_matchId_createdAt_idx"', indisvalid: true },
      { name: '"GameEvent_pkey"', indisvalid: true },
    ]);
    const summary = await runPass(client, {
      now: NOW,
      tables: [{ schema: 'public', table: 'GameEvent', column: 'createdAt', futureMonths: 3, retentionMonths: 6, archive: false }],
    });
    expect(summary.status).toBe('succeeded');
    expect(summary.tables[0].monthsAhead).toBe(3);
    // The legacy partition holds recent rows, so it is not retired yet.
    expect(summary.tables[0].retired).toEqual([]);
  });

  test('rows written while the conversion runs are all kept', async () => {
    await createPrismaTables(2000);
    const before = (await fingerprint()).rows;
    const writer = await db.connect();
    let stop = false;
    let written = 0;
    const failures: string[] = [];
    const writing = (async () => {
      while (!stop) {
        try {
          await writer.query(`INSERT INTO "GameEvent" ("matchId", "type") VALUES ('match-2', 'live')`);
          written++;
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    })();
    try {
      await convertToPartitioned(client, { schema: 'public', table: 'GameEvent', column: 'createdAt', now: new Date() });
    } finally {
      stop = true;
      await writing;
      await writer.end();
    }
    expect(failures).toEqual([]);
    expect(written).toBeGreaterThan(0);
    const { rows } = await client.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM "GameEvent"`);
    expect(rows[0]).toEqual({ n: before + written, ids: before + written });
  });

  test.each<[string, string, string]>([
    [
      'already partitioned',
      `CREATE TABLE "GameEvent" ("createdAt" timestamp NOT NULL) PARTITION BY RANGE ("createdAt")`,
      'is already partitioned',
    ],
    ['missing', `SELECT 1`, 'table "public"."GameEvent" does not exist'],
    [
      'NULLs in the column',
      `CREATE TABLE "GameEvent" ("createdAt" timestamp); INSERT INTO "GameEvent" VALUES (NULL)`,
      'has 1 row(s) with a NULL "createdAt"',
    ],
    [
      'referenced by another table',
      `CREATE TABLE "GameEvent" (id int PRIMARY KEY, "createdAt" timestamp NOT NULL); CREATE TABLE "Kill" (e int REFERENCES "GameEvent")`,
      'is referenced by foreign keys (Kill_e_fkey from "Kill")',
    ],
    [
      'an identity column',
      `CREATE TABLE "GameEvent" (id int GENERATED ALWAYS AS IDENTITY, "createdAt" timestamp NOT NULL)`,
      'has identity column(s) "id"',
    ],
    ['a column of another type', `CREATE TABLE "GameEvent" ("createdAt" text)`, 'is text: monthly partitions need a timestamp'],
  ])('refuses a table %s, changing nothing', async (_case, setup, message) => {
    await client.query(setup);
    await expect(convertToPartitioned(client, { schema: 'public', table: 'GameEvent', column: 'createdAt', now: NOW })).rejects.toThrow(
      message,
    );
  });
});

describe('npm run maintenance', () => {
  // The command's main function in-process, as npm runs it (one test goes through npm itself).
  const run = (args: string[]) => runInProcess(main, args);

  test('through npm, --help prints the usage and exits 0', () => {
    const help = spawnSync('npm', ['run', '-s', 'maintenance', '--', '--help'], { cwd: root, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('npm run maintenance -- --database-url URL');
  });

  test('-h prints the usage too; an unknown option exits 2 with the usage', async () => {
    const help = await run(['-h']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('npm run maintenance -- --database-url URL');
    const wrong = await run(['--tabel', 'x']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('unknown option --tabel');
    expect(wrong.stderr).toContain('usage:');
  });

  test('runs the pass against any PostgreSQL and prints the JSON summary', async () => {
    await client.query(`CREATE TABLE "GameEvent" ("createdAt" timestamp(3) NOT NULL) PARTITION BY RANGE ("createdAt")`);
    const result = await run([
      '--database-url',
      db.connectionString,
      '--table',
      'GameEvent',
      '--column',
      'createdAt',
      '--future-months',
      '2',
      '--retention-months',
      '6',
    ]);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.status).toBe('succeeded');
    expect(summary.tables[0]).toMatchObject({ schema: 'public', table: 'GameEvent', monthsAhead: 2 });
    expect(summary.tables[0].created).toHaveLength(3);
  });

  test('--dry-run changes nothing and prints the plan', async () => {
    await client.query(`CREATE TABLE "GameEvent" ("createdAt" timestamp(3) NOT NULL) PARTITION BY RANGE ("createdAt")`);
    const result = await run([
      '--database-url',
      db.connectionString,
      '--table',
      'GameEvent',
      '--column',
      'createdAt',
      '--future-months',
      '1',
      '--retention-months',
      '6',
      '--dry-run',
    ]);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.dryRun).toBe(true);
    expect(summary.tables[0].planned.create).toHaveLength(2);
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_inherits`);
    expect(rows[0].n).toBe(0);
  });

  test('convert runs the conversion and prints its report', async () => {
    await client.query(
      `CREATE TABLE "GameEvent" (id serial PRIMARY KEY, "createdAt" timestamp(3) NOT NULL DEFAULT now()); INSERT INTO "GameEvent" DEFAULT VALUES`,
    );
    const result = await run(['convert', '--database-url', db.connectionString, '--table', 'GameEvent', '--column', 'createdAt']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ table: '"public"."GameEvent"', rowsInLegacy: 1 });
  });

  test('exits 1 with the error in the summary when the table is wrong', async () => {
    const result = await run([
      '--database-url',
      db.connectionString,
      '--table',
      'gameevent',
      '--column',
      'createdAt',
      '--future-months',
      '1',
      '--retention-months',
      '6',
    ]);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout).tables[0].errors).toEqual(['table "public"."gameevent" does not exist']);
  });

  test.each<[string[], string]>([
    [['--table', 'T', '--column', 'c', '--future-months', '1', '--retention-months', '6'], '--database-url is required'],
    [
      ['--database-url', 'u', '--table', 'T', '--column', 'c', '--future-months', 'x', '--retention-months', '6'],
      '--future-months must be a whole number (got x)',
    ],
    [
      ['--database-url', 'u', '--table', 'T', '--column', 'c', '--future-months', '1', '--retention-months', '0'],
      '--retention-months must be at least 1',
    ],
    [
      ['--database-url', 'u', '--table', 'T', '--column', 'c', '--future-months', '1', '--retention-months', '6', '--archive-bucket', 'b'],
      '--archive-bucket needs --archive-region',
    ],
    [['--database-url', 'u', '--tabel', 'T'], 'unknown option --tabel'],
  ])('rejects bad arguments: %j', (args, message) => {
    expect(() => parseArguments(args)).toThrow(message);
  });
});
