import { spawnSync } from 'child_process';
import * as path from 'path';
import type { Client } from 'pg';
import { main, parseArguments } from '../../../lambda/partition-maintenance/cli';
import { convertToPartitioned } from '../../../lambda/partition-maintenance/convert';
import { runPass } from '../../../lambda/partition-maintenance/pass';
import { runInProcess } from '../../support/command';
import { createPrismaGameEvents } from '../../support/game-events';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const NOW = new Date('2026-11-15T10:00:00Z');
const root = path.join(__dirname, '..', '..', '..');

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

/** A plain table as the app's migration makes it, a row per match. */
const PLAIN = `CREATE TABLE "GameEvent" (id serial PRIMARY KEY, "matchId" text NOT NULL, "type" text NOT NULL, "createdAt" timestamp(3) NOT NULL);
  INSERT INTO "GameEvent" ("matchId", "type", "createdAt") SELECT 'm' || g, 'kill', timestamp '2026-06-01' + make_interval(days => g) FROM generate_series(1, 5) g`;

/** What a failed conversion must leave as it found: the table's kind, constraints and indexes. */
async function catalogOf(relation: string): Promise<unknown> {
  const { rows } = await client.query(
    `SELECT c.relkind, (SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint WHERE conrelid = c.oid) AS constraints,
            (SELECT array_agg(indexrelid::regclass::text ORDER BY 1) FROM pg_index WHERE indrelid = c.oid) AS indexes
     FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [relation],
  );
  return rows;
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
    ['row-level security', `${PLAIN}; ALTER TABLE "GameEvent" ENABLE ROW LEVEL SECURITY`, 'row-level security is on or it has policies'],
    [
      'a trigger',
      `${PLAIN}; CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
       CREATE TRIGGER stamp BEFORE INSERT ON "GameEvent" FOR EACH ROW EXECUTE FUNCTION stamp()`,
      'it has triggers (stamp)',
    ],
    ['a publication', `${PLAIN}; CREATE PUBLICATION events FOR TABLE "GameEvent"`, 'it is in publications (events)'],
    [
      'an inheritance child',
      `${PLAIN}; CREATE TABLE "GameEventArchive" () INHERITS ("GameEvent")`,
      'it has inheritance parents or children',
    ],
    ['column privileges', `${PLAIN}; GRANT SELECT ("type") ON "GameEvent" TO PUBLIC`, 'it has column privileges'],
    [
      'a NOT VALID constraint',
      `${PLAIN}; ALTER TABLE "GameEvent" ADD CONSTRAINT type_set CHECK ("type" <> '') NOT VALID`,
      'its constraints type_set are NOT VALID: validate them first',
    ],
    [
      'a NO INHERIT constraint',
      `${PLAIN}; ALTER TABLE "GameEvent" ADD CONSTRAINT positive CHECK (id > 0) NO INHERIT`,
      'its CHECK constraints positive are NO INHERIT',
    ],
    [
      'a unique expression index',
      `${PLAIN}; CREATE UNIQUE INDEX "GameEvent_match" ON "GameEvent" (lower("matchId"))`,
      'its unique index "GameEvent_match" has an expression',
    ],
    [
      'a partial unique index',
      `${PLAIN}; CREATE UNIQUE INDEX "GameEvent_first" ON "GameEvent" ("matchId") WHERE "type" = 'first'`,
      'its unique index "GameEvent_first" has a WHERE clause',
    ],
    [
      'a unique index with INCLUDE columns',
      `${PLAIN}; CREATE UNIQUE INDEX "GameEvent_match" ON "GameEvent" ("matchId") INCLUDE ("type")`,
      'its unique index "GameEvent_match" has INCLUDE columns',
    ],
    [
      'a deferrable unique constraint',
      `${PLAIN}; ALTER TABLE "GameEvent" ADD CONSTRAINT "GameEvent_match" UNIQUE ("matchId") DEFERRABLE`,
      'its unique index "GameEvent_match" has a deferrable constraint',
    ],
    [
      'a unique index with a collation',
      `${PLAIN}; CREATE UNIQUE INDEX "GameEvent_match" ON "GameEvent" ("matchId" COLLATE "C")`,
      'its unique index "GameEvent_match" has a collation, an operator class, a sort order, NULLS NOT DISTINCT or storage options',
    ],
    [
      "an 'infinity' date",
      `${PLAIN}; INSERT INTO "GameEvent" ("matchId", "type", "createdAt") VALUES ('m9', 'kill', 'infinity')`,
      `has 1 row(s) with "createdAt" = 'infinity': no month holds them`,
    ],
    [
      'rows dated years ahead',
      `${PLAIN}; INSERT INTO "GameEvent" ("matchId", "type", "createdAt") VALUES ('m9', 'kill', '2036-05-01')`,
      'has rows dated up to 2036-05 in "createdAt", after the last month this conversion partitions (2027-02)',
    ],
  ])('refuses a table %s, changing nothing', async (_case, setup, message) => {
    await client.query(setup);
    const before = await catalogOf('"GameEvent"');
    await expect(convertToPartitioned(client, { schema: 'public', table: 'GameEvent', column: 'createdAt', now: NOW })).rejects.toThrow(
      message,
    );
    expect(await catalogOf('"GameEvent"')).toEqual(before);
  });

  test('carries the table privileges over to the partitioned table', async () => {
    await createPrismaTables();
    await client.query(`GRANT SELECT, INSERT ON "GameEvent" TO PUBLIC`);
    await convertToPartitioned(client, { schema: 'public', table: 'GameEvent', column: 'createdAt', now: NOW });
    const { rows } = await client.query(
      `SELECT privilege_type FROM aclexplode((SELECT relacl FROM pg_class WHERE oid = '"GameEvent"'::regclass)) WHERE grantee = 0 ORDER BY 1`,
    );
    expect(rows.map((row) => row.privilege_type)).toEqual(['INSERT', 'SELECT']);
  });

  test('carries over an index whose name reads like SQL', async () => {
    await createPrismaTables();
    await client.query(`CREATE INDEX "GameEvent ON type USING x" ON "GameEvent" ("type")`);
    await convertToPartitioned(client, { schema: 'public', table: 'GameEvent', column: 'createdAt', now: NOW });
    const { rows } = await client.query(`SELECT pg_get_indexdef('"GameEvent ON type USING x"'::regclass) AS definition`);
    expect(rows[0].definition).toBe('CREATE INDEX "GameEvent ON type USING x" ON ONLY public."GameEvent" USING btree (type)');
  });

  test('a unique index build held up by an old snapshot past the retry budget is taken back with the range check', async () => {
    await createPrismaTables();
    const before = await catalogOf('"GameEvent"');
    const reader = await db.connect();
    try {
      await reader.query(`BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM "Match"`);
      await expect(
        convertToPartitioned(client, {
          schema: 'public',
          table: 'GameEvent',
          column: 'createdAt',
          now: NOW,
          retry: { lockTimeoutMs: 100, initialBackoffMs: 20, maxBackoffMs: 100, maxWaitMs: 600 },
        }),
      ).rejects.toThrow(/build GameEvent_pkey_createdAt.*\(conversion of "public"."GameEvent" stopped; the table is as it was\)/);
    } finally {
      await reader.end();
    }
    expect(await catalogOf('"GameEvent"')).toEqual(before); // no INVALID index, no range check
  });

  test('refuses a table with an INVALID index (a concurrent build that did not finish), changing nothing', async () => {
    await createPrismaTables();
    const reader = await db.connect();
    try {
      await reader.query(`BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM "Match"`);
      await client.query(`SET lock_timeout = 100`);
      await expect(client.query(`CREATE INDEX CONCURRENTLY "GameEvent_type_idx" ON "GameEvent" ("type")`)).rejects.toThrow(/lock timeout/);
    } finally {
      await reader.end();
    }
    const before = await catalogOf('"GameEvent"');
    await expect(convertToPartitioned(client, { schema: 'public', table: 'GameEvent', column: 'createdAt', now: NOW })).rejects.toThrow(
      'its indexes "GameEvent_type_idx" are INVALID (a concurrent build that did not finish): drop or rebuild them first',
    );
    expect(await catalogOf('"GameEvent"')).toEqual(before);
  });

  test('a conversion stopped after its first change takes it back: the table is as it was', async () => {
    await createPrismaTables();
    // The legacy partition's name is taken: the swap fails after the range check and the unique index were built.
    await client.query(`CREATE TABLE "GameEvent_legacy" (x int)`);
    const before = await catalogOf('"GameEvent"');
    await expect(convertToPartitioned(client, { schema: 'public', table: 'GameEvent', column: 'createdAt', now: NOW })).rejects.toThrow(
      /relation "GameEvent_legacy" already exists \(conversion of "public"."GameEvent" stopped; the table is as it was\)/,
    );
    expect(await catalogOf('"GameEvent"')).toEqual(before);
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
