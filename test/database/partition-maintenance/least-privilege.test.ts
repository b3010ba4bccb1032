/**
 * Least privilege on real PostgreSQL (sql/005_least_privilege_roles.sql): what the app's logins (the
 * runtime role) and the migration login (the owner role) may and may not do with the tables the
 * migrations create, their sequences, and the partitions the job creates; and a database set up by
 * version 2 (the logins members of the owner role) corrected at the next deployment. The master user
 * is not a superuser (CREATEROLE, the database's owner), like RDS's.
 */
import { Client, type DatabaseError } from 'pg';
import { ensureAppRoles, type AppRoles } from '../../../lambda/partition-maintenance/app-roles';
import { convertToPartitioned } from '../../../lambda/partition-maintenance/convert';
import { installSql } from '../../../lambda/partition-maintenance/install';
import { runPass } from '../../../lambda/partition-maintenance/pass';
import { loadSqlFiles } from '../../../lambda/partition-maintenance/sql-files';
import { createTestDatabase, dropRoles, type TestDatabase } from '../../support/postgres';

const NOW = new Date('2026-11-15T10:00:00Z');

/** One database with its own master user and app roles (roles belong to the whole server). */
class Setup {
  readonly suffix = `${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
  readonly master = `master_${this.suffix}`;
  readonly owner = `cs2_owner_${this.suffix}`;
  readonly runtime = `cs2_runtime_${this.suffix}`;
  readonly app = `cs2app_${this.suffix}`;
  readonly clone = `cs2app_${this.suffix}_clone`;
  readonly migrator = `cs2_migrator_${this.suffix}`;
  db!: TestDatabase;
  admin!: Client;
  masterClient!: Client;
  private readonly clients: Client[] = [];

  roles(): AppRoles {
    return {
      owner: this.owner,
      runtimeRole: this.runtime,
      logins: [
        { username: this.app, password: 'app-pw' },
        { username: this.clone, password: 'clone-pw' },
      ],
      migrationLogin: { username: this.migrator, password: 'migrator-pw', connectionLimit: 3 },
      connectionLimit: 20,
    };
  }

  /** A database whose owner is the master user, as RDS's master creates it; sql/ not installed yet. */
  async start(): Promise<void> {
    this.db = await createTestDatabase();
    this.admin = await this.db.connect();
    await this.admin.query(`CREATE ROLE ${this.master} LOGIN PASSWORD 'master-pw' CREATEROLE`);
    // As RDS's master user, through rds_superuser: it may end other roles' sessions.
    await this.admin.query(`GRANT pg_signal_backend TO ${this.master}`);
    await this.admin.query(`ALTER DATABASE ${this.databaseName} OWNER TO ${this.master}`);
    this.masterClient = await this.connectAs(this.master, 'master-pw');
  }

  get databaseName(): string {
    return new URL(this.db.connectionString).pathname.slice(1);
  }

  async connectAs(user: string, password: string): Promise<Client> {
    const url = new URL(this.db.connectionString);
    url.username = user;
    url.password = password;
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    this.clients.push(client);
    return client;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) await client.end().catch(() => undefined);
    await this.admin?.end();
    await this.db?.drop();
    await dropRoles([this.app, this.clone, this.migrator, this.runtime, this.owner, this.master]);
  }

  /** Who owns a relation. */
  async ownerOf(relation: string): Promise<string> {
    return (await this.admin.query(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = $1::regclass`, [relation])).rows[0]
      .owner;
  }

  /** The privileges `role` (or PUBLIC) holds on a relation itself (not through a membership), sorted; `*` marks a grant option. */
  async privilegesOf(role: string, relation: string): Promise<string[]> {
    const { rows } = await this.admin.query(
      `SELECT a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END AS privilege
       FROM pg_class c, aclexplode(c.relacl) a
       WHERE c.oid = $1::regclass AND a.grantee = CASE WHEN $2 = 'PUBLIC' THEN 0 ELSE (SELECT oid FROM pg_roles WHERE rolname = $2) END`,
      [relation, role],
    );
    return rows.map((row) => row.privilege as string).sort();
  }

  /** Every role of this setup: its login, connection limit, settings and the roles it is a member of. */
  async roleState(): Promise<Record<string, unknown>> {
    const { rows } = await this.admin.query(
      `SELECT rolname, rolcanlogin, rolconnlimit, rolconfig,
              ARRAY(SELECT pg_get_userbyid(roleid)::text FROM pg_auth_members WHERE member = r.oid ORDER BY 1) AS member_of
       FROM pg_roles r WHERE rolname = ANY ($1)`,
      [[this.owner, this.runtime, this.app, this.clone, this.migrator]],
    );
    return Object.fromEntries(rows.map(({ rolname, ...rest }) => [rolname, rest]));
  }

  /** The roles (no superuser) with the privileges of `role`, through any membership, sorted. */
  async withPrivilegesOf(role: string): Promise<string[]> {
    const { rows } = await this.admin.query(
      `SELECT rolname FROM pg_roles WHERE rolname <> $1 AND NOT rolsuper AND pg_has_role(rolname, $1, 'USAGE')`,
      [role],
    );
    return rows.map((row) => row.rolname as string).sort();
  }

  /**
   * Everything the setup decides, as the catalogs hold it: the roles, every ACL of public's relations
   * (with the catalog row's version: an unchanged row was not written at all), the schema's and the
   * database's ACLs, the default privileges.
   */
  async catalogState(): Promise<unknown> {
    const relations = await this.admin.query(
      `SELECT c.relname, c.relacl::text, c.xmin::text AS row_version, pg_get_userbyid(c.relowner) AS owner
       FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v') ORDER BY c.relname`,
    );
    const schema = await this.admin.query(`SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'`);
    const database = await this.admin.query(`SELECT datacl::text FROM pg_database WHERE datname = current_database()`);
    const defaults = await this.admin.query(
      `SELECT pg_get_userbyid(defaclrole) AS role, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2`,
    );
    return {
      roles: await this.roleState(),
      relations: relations.rows,
      schema: schema.rows,
      database: database.rows,
      defaults: defaults.rows,
    };
  }
}

/** What a statement does: 'ok', or the error's SQLSTATE and message. */
async function attempt(client: Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (caught) {
    const error = caught as DatabaseError;
    return `${error.code}: ${error.message}`;
  }
}

/** The warnings and notices a statement raised, and that it did not fail. */
async function notices(client: Client, sql: string): Promise<string[]> {
  const seen: string[] = [];
  const listener = (notice: { message?: string }) => seen.push(String(notice.message));
  client.on('notice', listener);
  try {
    await client.query(sql);
  } finally {
    client.off('notice', listener);
  }
  return seen;
}

describe('the runtime logins and the migration login, on the tables the migrations create', () => {
  const setup = new Setup();
  let app: Client;
  let migrator: Client;

  beforeAll(async () => {
    await setup.start();
    await installSql(setup.masterClient);
    await ensureAppRoles(setup.masterClient, setup.roles());
    migrator = await setup.connectAs(setup.migrator, 'migrator-pw');
    app = await setup.connectAs(setup.app, 'app-pw');
    // The app's migration: a plain table with a serial key, one with an identity column, and a
    // partitioned table whose months the job creates.
    await migrator.query(`
      CREATE TABLE "Match" ("id" serial PRIMARY KEY, "map" text NOT NULL);
      CREATE TABLE "Player" ("id" integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "name" text NOT NULL);
      CREATE TABLE "GameEvent" (
        "id" serial NOT NULL,
        "matchId" integer NOT NULL REFERENCES "Match"("id"),
        "type" text NOT NULL,
        "createdAt" timestamp(3) NOT NULL,
        PRIMARY KEY ("id", "createdAt")
      ) PARTITION BY RANGE ("createdAt");
      CREATE INDEX "GameEvent_matchId_idx" ON "GameEvent" ("matchId");`);
    // The job's pass (as the master user) creates this month and the next two.
    const summary = await runPass(setup.masterClient, {
      tables: [{ schema: 'public', table: 'GameEvent', column: 'createdAt', futureMonths: 2, retentionMonths: 12, archive: false }],
      now: NOW,
    });
    expect(summary.tables[0]).toMatchObject({ errors: [], created: ['2026-11', '2026-12', '2027-01'] });
  });

  afterAll(async () => setup.stop());

  test("the runtime login acts as itself; the migration login as the owner, and what it creates is the owner's", async () => {
    expect((await app.query('SELECT session_user AS login, current_user AS acting')).rows[0]).toEqual({
      login: setup.app,
      acting: setup.app,
    });
    expect((await migrator.query('SELECT session_user AS login, current_user AS acting')).rows[0]).toEqual({
      login: setup.migrator,
      acting: setup.owner,
    });
    for (const relation of ['"Match"', '"Match_id_seq"', '"Player"', '"Player_id_seq"', '"GameEvent"', '"GameEvent_matchId_idx"'])
      expect(await setup.ownerOf(relation)).toBe(setup.owner);
    // The job's partitions belong to the table's owner too.
    for (const partition of ['"GameEvent_p2026_11"', '"GameEvent_p2026_12"', '"GameEvent_p2027_01"'])
      expect(await setup.ownerOf(partition)).toBe(setup.owner);
  });

  test('the runtime role holds exactly DML on every table and partition, and USAGE, SELECT, UPDATE on the sequences', async () => {
    const dml = ['DELETE', 'INSERT', 'SELECT', 'UPDATE'];
    for (const table of ['"Match"', '"Player"', '"GameEvent"', '"GameEvent_p2026_11"', '"GameEvent_p2026_12"', '"GameEvent_p2027_01"'])
      expect([table, await setup.privilegesOf(setup.runtime, table)]).toEqual([table, dml]);
    for (const sequence of ['"Match_id_seq"', '"Player_id_seq"', '"GameEvent_id_seq"'])
      expect([sequence, await setup.privilegesOf(setup.runtime, sequence)]).toEqual([sequence, ['SELECT', 'UPDATE', 'USAGE']]);
    // And the logins hold nothing of their own: all comes from the runtime role.
    expect(await setup.privilegesOf(setup.app, '"Match"')).toEqual([]);
  });

  test('the runtime login reads, inserts, updates and deletes rows, and uses the sequences', async () => {
    const inserted = await app.query(`INSERT INTO "Match" ("map") VALUES ('de_dust2'), ('de_inferno'), ('de_nuke') RETURNING "id", "map"`);
    expect(inserted.rows).toEqual([
      { id: 1, map: 'de_dust2' },
      { id: 2, map: 'de_inferno' },
      { id: 3, map: 'de_nuke' },
    ]);
    expect((await app.query(`UPDATE "Match" SET "map" = 'de_mirage' WHERE "id" = 2`)).rowCount).toBe(1);
    expect((await app.query(`DELETE FROM "Match" WHERE "id" = 3`)).rowCount).toBe(1);
    expect((await app.query(`SELECT "id", "map" FROM "Match" ORDER BY "id"`)).rows).toEqual([
      { id: 1, map: 'de_dust2' },
      { id: 2, map: 'de_mirage' },
    ]);
    // The sequence directly: nextval and currval (USAGE), setval (UPDATE), its state (SELECT).
    expect((await app.query(`SELECT nextval('"Match_id_seq"')::int AS id, currval('"Match_id_seq"')::int AS again`)).rows[0]).toEqual({
      id: 4,
      again: 4,
    });
    await app.query(`SELECT setval('"Match_id_seq"', 10)`);
    expect((await app.query(`SELECT last_value::int AS last FROM "Match_id_seq"`)).rows[0].last).toBe(10);
    expect((await app.query(`INSERT INTO "Match" ("map") VALUES ('de_ancient') RETURNING "id"`)).rows).toEqual([{ id: 11 }]);
    // An identity column.
    expect((await app.query(`INSERT INTO "Player" ("name") VALUES ('s1mple'), ('ZywOo') RETURNING "id"`)).rows).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
  });

  test('the runtime login reads and writes the partitions the job created, through the table and directly', async () => {
    await app.query(`
      INSERT INTO "GameEvent" ("matchId", "type", "createdAt")
      VALUES (1, 'kill', '2026-11-20'), (1, 'death', '2026-11-21'), (2, 'kill', '2026-12-05')`);
    expect((await app.query(`SELECT "id", "type" FROM "GameEvent_p2026_11" ORDER BY "id"`)).rows).toEqual([
      { id: 1, type: 'kill' },
      { id: 2, type: 'death' },
    ]);
    // Directly into a partition: its default takes the table's sequence.
    expect(
      (
        await app.query(
          `INSERT INTO "GameEvent_p2026_12" ("matchId", "type", "createdAt") VALUES (2, 'plant', '2026-12-06') RETURNING "id"`,
        )
      ).rows,
    ).toEqual([{ id: 4 }]);
    expect((await app.query(`UPDATE "GameEvent_p2026_12" SET "type" = 'defuse' WHERE "id" = 4`)).rowCount).toBe(1);
    expect((await app.query(`DELETE FROM "GameEvent_p2026_11" WHERE "type" = 'death'`)).rowCount).toBe(1);
    expect((await app.query(`UPDATE "GameEvent" SET "type" = 'headshot' WHERE "id" = 1`)).rowCount).toBe(1);
    expect((await app.query(`SELECT "id", "type", to_char("createdAt", 'YYYY-MM-DD') AS day FROM "GameEvent" ORDER BY "id"`)).rows).toEqual(
      [
        { id: 1, type: 'headshot', day: '2026-11-20' },
        { id: 3, type: 'kill', day: '2026-12-05' },
        { id: 4, type: 'defuse', day: '2026-12-06' },
      ],
    );
    expect((await app.query(`DELETE FROM "GameEvent" WHERE "id" = 3`)).rowCount).toBe(1);
  });

  test('the runtime login cannot drop, truncate, alter, index, add triggers, create or grant', async () => {
    const db = setup.databaseName;
    const refused: [string, string][] = [
      ['DROP TABLE "Match"', '42501: must be owner of table Match'],
      ['DROP TABLE "GameEvent_p2026_11"', '42501: must be owner of table GameEvent_p2026_11'],
      ['TRUNCATE "Match"', '42501: permission denied for table Match'],
      ['TRUNCATE "GameEvent"', '42501: permission denied for table GameEvent'],
      ['TRUNCATE "GameEvent_p2026_12"', '42501: permission denied for table GameEvent_p2026_12'],
      ['ALTER TABLE "Match" ADD COLUMN "score" integer', '42501: must be owner of table Match'],
      ['ALTER TABLE "GameEvent" DETACH PARTITION "GameEvent_p2026_11"', '42501: must be owner of table GameEvent'],
      ['ALTER SEQUENCE "Match_id_seq" RESTART', '42501: must be owner of sequence Match_id_seq'],
      ['CREATE INDEX "Match_map_idx" ON "Match" ("map")', '42501: must be owner of table Match'],
      [
        'CREATE TRIGGER "t" BEFORE INSERT ON "Match" FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()',
        '42501: permission denied for table Match',
      ],
      ['CREATE TABLE "Intruder" ("id" integer)', '42501: permission denied for schema public'],
      ['CREATE TABLE public."Intruder" ("id" integer)', '42501: permission denied for schema public'],
      ['CREATE VIEW "Intruder" AS SELECT 1', '42501: permission denied for schema public'],
      ['CREATE SCHEMA "intruder"', `42501: permission denied for database ${db}`],
      [`GRANT "${setup.runtime}" TO "${setup.clone}"`, `42501: permission denied to grant role "${setup.runtime}"`],
      [`GRANT "${setup.owner}" TO "${setup.app}"`, `42501: permission denied to grant role "${setup.owner}"`],
      [`SET ROLE "${setup.owner}"`, `42501: permission denied to set role "${setup.owner}"`],
      [
        `SELECT partition_maintenance.create_month('"GameEvent"', '2030-01-01')`,
        '42501: permission denied for schema partition_maintenance',
      ],
    ];
    const outcomes: [string, string][] = [];
    for (const [sql] of refused) outcomes.push([sql, await attempt(app, sql)]);
    expect(outcomes).toEqual(refused);
    // A GRANT on a table it may use is no error, but grants nothing: it holds no grant option.
    expect(await notices(app, `GRANT SELECT, DELETE ON "Match" TO "${setup.clone}"`)).toEqual(['no privileges were granted for "Match"']);
    expect(await notices(app, `GRANT SELECT ON "GameEvent_p2026_11" TO PUBLIC`)).toEqual([
      'no privileges were granted for "GameEvent_p2026_11"',
    ]);
    expect(await setup.privilegesOf(setup.clone, '"Match"')).toEqual([]);
    expect(await setup.privilegesOf('PUBLIC', '"GameEvent_p2026_11"')).toEqual([]);
    // Nothing changed: the rows are all there.
    expect((await app.query(`SELECT count(*)::int AS n FROM "Match"`)).rows[0].n).toBe(3);
  });

  test('a table the migrations create after the setup is usable at once (default privileges), and no more than that', async () => {
    await migrator.query(
      `CREATE TABLE "Round" ("id" bigserial PRIMARY KEY, "matchId" integer NOT NULL REFERENCES "Match"("id"), "winner" text)`,
    );
    expect(await setup.ownerOf('"Round"')).toBe(setup.owner);
    expect(await setup.privilegesOf(setup.runtime, '"Round"')).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
    expect(await setup.privilegesOf(setup.runtime, '"Round_id_seq"')).toEqual(['SELECT', 'UPDATE', 'USAGE']);
    expect((await app.query(`INSERT INTO "Round" ("matchId", "winner") VALUES (1, 'CT'), (1, 'T') RETURNING "id"::int`)).rows).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
    expect((await app.query(`UPDATE "Round" SET "winner" = 'CT' WHERE "id" = 2`)).rowCount).toBe(1);
    expect((await app.query(`DELETE FROM "Round" WHERE "id" = 1`)).rowCount).toBe(1);
    expect((await app.query(`SELECT "id"::int, "winner" FROM "Round"`)).rows).toEqual([{ id: 2, winner: 'CT' }]);
    expect(await attempt(app, 'TRUNCATE "Round"')).toBe('42501: permission denied for table Round');
    expect(await attempt(app, 'DROP TABLE "Round"')).toBe('42501: must be owner of table Round');

    // A partitioned table created after the setup: the job's months take its grants.
    await migrator.query(
      `CREATE TABLE "Kill" ("id" serial, "at" timestamptz NOT NULL, PRIMARY KEY ("id", "at")) PARTITION BY RANGE ("at")`,
    );
    expect((await setup.masterClient.query(`SELECT partition_maintenance.create_month('"Kill"', '2026-11-01') AS name`)).rows[0].name).toBe(
      'Kill_p2026_11',
    );
    expect(await setup.privilegesOf(setup.runtime, '"Kill_p2026_11"')).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
    await app.query(`INSERT INTO "Kill" ("at") VALUES ('2026-11-02 10:00+00')`);
    expect((await app.query(`SELECT "id" FROM "Kill_p2026_11"`)).rows).toEqual([{ id: 1 }]);
    expect(await attempt(app, 'TRUNCATE "Kill_p2026_11"')).toBe('42501: permission denied for table Kill_p2026_11');
  });

  test('the migration login creates, alters, indexes, truncates and drops; the owner owns all of it', async () => {
    await migrator.query(`CREATE TABLE "Scratch" ("id" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "note" text)`);
    await migrator.query(`INSERT INTO "Scratch" ("note") VALUES ('a'), ('b')`);
    await migrator.query(`ALTER TABLE "Scratch" ADD COLUMN "at" timestamptz`);
    await migrator.query(`CREATE INDEX "Scratch_note_idx" ON "Scratch" ("note")`);
    await migrator.query(`CREATE TYPE "Side" AS ENUM ('CT', 'T')`);
    for (const relation of ['"Scratch"', '"Scratch_id_seq"', '"Scratch_note_idx"']) expect(await setup.ownerOf(relation)).toBe(setup.owner);
    const type = await setup.admin.query(`SELECT pg_get_userbyid(typowner) AS owner FROM pg_type WHERE typname = 'Side'`);
    expect(type.rows[0].owner).toBe(setup.owner);
    await migrator.query(`TRUNCATE "Scratch"`);
    expect((await migrator.query(`SELECT count(*)::int AS n FROM "Scratch"`)).rows[0].n).toBe(0);
    // The job's partitions (created by the master user, given to the owner) are the migrations' to alter too.
    await migrator.query(`ALTER TABLE "GameEvent" ADD COLUMN "round" integer`);
    await migrator.query(`CREATE INDEX "GameEvent_round_idx" ON "GameEvent" ("round")`);
    await migrator.query(`TRUNCATE "GameEvent_p2027_01"`);
    await migrator.query(`DROP TABLE "Scratch"`);
    await migrator.query(`DROP TYPE "Side"`);
    expect((await setup.admin.query(`SELECT to_regclass('"Scratch"') AS gone`)).rows[0].gone).toBeNull();
    // And the app uses the new column.
    expect((await app.query(`UPDATE "GameEvent" SET "round" = 7 WHERE "id" = 1`)).rowCount).toBe(1);
  });

  test("a table the job converts to partitions keeps the runtime role's grants, on the table and on every partition", async () => {
    await migrator.query(`
      CREATE TABLE "Chat" ("id" serial PRIMARY KEY, "text" text NOT NULL, "createdAt" timestamp(3) NOT NULL);
      INSERT INTO "Chat" ("text", "createdAt") VALUES ('gl hf', '2026-09-03'), ('gg', '2026-10-04');`);
    const report = await convertToPartitioned(setup.masterClient, {
      schema: 'public',
      table: 'Chat',
      column: 'createdAt',
      futureMonths: 3,
      now: NOW,
    });
    expect(report.rowsInLegacy).toBe(2);
    const { rows: partitions } = await setup.admin.query<{ name: string }>(
      `SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = '"Chat"'::regclass ORDER BY 1`,
    );
    expect(partitions.map((partition) => partition.name)).toEqual(['"Chat_legacy"', '"Chat_p2027_01"', '"Chat_p2027_02"']);
    for (const relation of ['"Chat"', ...partitions.map((partition) => partition.name)]) {
      expect(await setup.ownerOf(relation)).toBe(setup.owner);
      expect([relation, await setup.privilegesOf(setup.runtime, relation)]).toEqual([relation, ['DELETE', 'INSERT', 'SELECT', 'UPDATE']]);
    }
    // The legacy partition holds up to the month after next; the job's months follow.
    await app.query(`INSERT INTO "Chat" ("text", "createdAt") VALUES ('nt', '2026-11-16'), ('wp', '2027-01-05'), ('ez', '2027-02-01')`);
    expect((await app.query(`SELECT "id", "text" FROM "Chat_legacy" ORDER BY "id"`)).rows).toEqual([
      { id: 1, text: 'gl hf' },
      { id: 2, text: 'gg' },
      { id: 3, text: 'nt' },
    ]);
    expect((await app.query(`SELECT "id", "text" FROM "Chat_p2027_01"`)).rows).toEqual([{ id: 4, text: 'wp' }]);
    expect((await app.query(`UPDATE "Chat_p2027_02" SET "text" = 'well played'`)).rowCount).toBe(1);
    expect((await app.query(`INSERT INTO "Chat_p2027_02" ("text", "createdAt") VALUES ('ns', '2027-02-02') RETURNING "id"`)).rows).toEqual([
      { id: 6 },
    ]);
    expect((await app.query(`DELETE FROM "Chat_legacy" WHERE "text" = 'gg'`)).rowCount).toBe(1);
    expect((await app.query(`SELECT "text" FROM "Chat" ORDER BY "id"`)).rows).toEqual([
      { text: 'gl hf' },
      { text: 'nt' },
      { text: 'wp' },
      { text: 'well played' },
      { text: 'ns' },
    ]);
    expect(await attempt(app, 'TRUNCATE "Chat_legacy"')).toBe('42501: permission denied for table Chat_legacy');
  });

  test('a privilege granted to the runtime role by hand, or a grant option, is taken away at the next deployment', async () => {
    await migrator.query(
      `GRANT TRUNCATE, REFERENCES ON "Match" TO "${setup.runtime}"; GRANT SELECT ON "Player" TO "${setup.runtime}" WITH GRANT OPTION`,
    );
    expect(await setup.privilegesOf(setup.runtime, '"Match"')).toEqual(['DELETE', 'INSERT', 'REFERENCES', 'SELECT', 'TRUNCATE', 'UPDATE']);
    // With the grant option, the runtime login passes SELECT on: taken away with it (CASCADE).
    await app.query(`GRANT SELECT ON "Player" TO "${setup.clone}"`);
    expect(await setup.privilegesOf(setup.clone, '"Player"')).toEqual(['SELECT']);
    await ensureAppRoles(setup.masterClient, setup.roles());
    expect(await setup.privilegesOf(setup.runtime, '"Match"')).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
    expect(await setup.privilegesOf(setup.runtime, '"Player"')).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
    expect(await setup.privilegesOf(setup.clone, '"Player"')).toEqual([]);
    expect(await attempt(app, 'TRUNCATE "Match"')).toBe('42501: permission denied for table Match');
  });

  test('running the setup again changes nothing', async () => {
    const before = await setup.catalogState();
    await installSql(setup.masterClient);
    await ensureAppRoles(setup.masterClient, setup.roles());
    expect(await setup.catalogState()).toEqual(before);
  });
});

describe('a database set up by version 2: the app logins members of the owner role, becoming it at login', () => {
  const setup = new Setup();
  let oldApp: Client;

  beforeAll(async () => {
    await setup.start();
    // PostgreSQL before 15 let every role create in public.
    await setup.admin.query('GRANT CREATE ON SCHEMA public TO PUBLIC');
    // Versions 1 to 4 installed, the roles set up as version 2 did, with the passwords of the secrets.
    await installSql(setup.masterClient, { files: loadSqlFiles().filter((file) => file.version <= 4) });
    await setup.masterClient.query('SELECT partition_maintenance.ensure_app_roles($1::name, $2::name[], $3::integer)', [
      setup.owner,
      [setup.app, setup.clone],
      20,
    ]);
    await setup.masterClient.query(`ALTER ROLE "${setup.app}" PASSWORD 'app-pw'; ALTER ROLE "${setup.clone}" PASSWORD 'clone-pw'`);
    // The app ran its migrations as its own login, and the job created a month.
    oldApp = await setup.connectAs(setup.app, 'app-pw');
    // Its session is ended by the upgrade (below): the client reports that as an error event.
    oldApp.on('error', () => undefined);
    await oldApp.query(`
      CREATE TABLE "Match" ("id" serial PRIMARY KEY, "map" text NOT NULL);
      CREATE TABLE "GameEvent" ("id" serial, "type" text NOT NULL, "createdAt" timestamp(3) NOT NULL, PRIMARY KEY ("id", "createdAt"))
        PARTITION BY RANGE ("createdAt");
      INSERT INTO "Match" ("map") VALUES ('de_dust2');`);
    await setup.masterClient.query(`SELECT partition_maintenance.create_month('"GameEvent"', '2026-11-01')`);
  });

  afterAll(async () => setup.stop());

  test('before the upgrade, the app could do anything the owner can (what this version takes back)', async () => {
    expect(await setup.roleState()).toEqual({
      [setup.owner]: { rolcanlogin: false, rolconnlimit: -1, rolconfig: null, member_of: [] },
      [setup.app]: { rolcanlogin: true, rolconnlimit: 20, rolconfig: [`role=${setup.owner}`], member_of: [setup.owner] },
      [setup.clone]: { rolcanlogin: true, rolconnlimit: 20, rolconfig: [`role=${setup.owner}`], member_of: [setup.owner] },
    });
    expect((await oldApp.query('SELECT current_user AS acting')).rows[0].acting).toBe(setup.owner);
    await oldApp.query('BEGIN');
    expect(await attempt(oldApp, 'TRUNCATE "Match"')).toBe('ok');
    await oldApp.query('ROLLBACK');
    expect(await setup.ownerOf('"GameEvent_p2026_11"')).toBe(setup.owner);
  });

  test('the upgrade takes the logins out of the owner role, makes them runtime logins, and adds the migration login', async () => {
    const installed = await installSql(setup.masterClient);
    expect(installed).toMatchObject({ from: 4, applied: ['005_least_privilege_roles.sql'] });
    expect((await ensureAppRoles(setup.masterClient, setup.roles())).sessionsEnded.slice().sort()).toEqual([setup.app, setup.clone].sort());
    // The session the app opened as the owner is gone (RDS Proxy would have kept it open for new clients).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await attempt(oldApp, 'SELECT 1')).not.toBe('ok');
    expect(await setup.roleState()).toEqual({
      [setup.owner]: { rolcanlogin: false, rolconnlimit: -1, rolconfig: null, member_of: [] },
      [setup.runtime]: { rolcanlogin: false, rolconnlimit: -1, rolconfig: null, member_of: [] },
      [setup.app]: { rolcanlogin: true, rolconnlimit: 20, rolconfig: null, member_of: [setup.runtime] },
      [setup.clone]: { rolcanlogin: true, rolconnlimit: 20, rolconfig: null, member_of: [setup.runtime] },
      [setup.migrator]: { rolcanlogin: true, rolconnlimit: 3, rolconfig: [`role=${setup.owner}`], member_of: [setup.owner] },
    });
    expect(await setup.withPrivilegesOf(setup.owner)).toEqual([setup.master, setup.migrator].sort());
    expect(await setup.withPrivilegesOf(setup.runtime)).toEqual([setup.app, setup.clone].sort());
    // Nobody but the owner creates in public any more.
    const schema = await setup.admin.query(
      `SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END AS grantee, string_agg(a.privilege_type, ',' ORDER BY a.privilege_type) AS privileges
       FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'public' GROUP BY 1`,
    );
    expect(Object.fromEntries(schema.rows.map((row) => [row.grantee, row.privileges]))).toEqual({
      pg_database_owner: 'CREATE,USAGE',
      PUBLIC: 'USAGE',
      [setup.owner]: 'CREATE,USAGE',
      [setup.runtime]: 'USAGE',
    });
  });

  test("after the upgrade, the app's new sessions use the old tables and partitions, and can no longer drop, truncate or create", async () => {
    for (const [login, password] of [
      [setup.app, 'app-pw'],
      [setup.clone, 'clone-pw'],
    ]) {
      const app = await setup.connectAs(login, password);
      expect((await app.query('SELECT current_user AS acting')).rows[0].acting).toBe(login);
      expect((await app.query(`SELECT "id", "map" FROM "Match"`)).rows).toEqual([{ id: 1, map: 'de_dust2' }]);
      await app.query(`INSERT INTO "GameEvent" ("type", "createdAt") VALUES ('kill', '2026-11-20')`);
      expect((await app.query(`UPDATE "GameEvent_p2026_11" SET "type" = 'headshot'`)).rowCount).toBe(1);
      expect((await app.query(`DELETE FROM "GameEvent_p2026_11"`)).rowCount).toBe(1);
      expect(await attempt(app, 'TRUNCATE "Match"')).toBe('42501: permission denied for table Match');
      expect(await attempt(app, 'DROP TABLE "GameEvent"')).toBe('42501: must be owner of table GameEvent');
      expect(await attempt(app, 'CREATE TABLE "Intruder" ("id" integer)')).toBe('42501: permission denied for schema public');
      expect(await attempt(app, `SET ROLE "${setup.owner}"`)).toBe(`42501: permission denied to set role "${setup.owner}"`);
    }
    // The migration login, with the password of its secret, carries on as the owner.
    const migrator = await setup.connectAs(setup.migrator, 'migrator-pw');
    await migrator.query(`ALTER TABLE "Match" ADD COLUMN "score" integer`);
    await migrator.query(`CREATE TABLE "Round" ("id" serial PRIMARY KEY)`);
    expect(await setup.ownerOf('"Round"')).toBe(setup.owner);
    expect(await setup.privilegesOf(setup.runtime, '"Round"')).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
  });

  test('running the setup again changes nothing', async () => {
    const before = await setup.catalogState();
    // The logins are the owner no more: no session is ended again.
    expect(await ensureAppRoles(setup.masterClient, setup.roles())).toEqual({ sessionsEnded: [] });
    await ensureAppRoles(setup.masterClient, setup.roles());
    expect(await setup.catalogState()).toEqual(before);
  });
});
