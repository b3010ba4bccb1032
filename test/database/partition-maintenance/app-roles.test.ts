/**
 * The application's database roles on real PostgreSQL, as RDS sets them up: a master user that is
 * not a superuser (CREATEROLE only, like RDS's master), which installs sql/ and runs the job; an
 * owner role; a runtime role; two logins the app serves requests as, members of the runtime role
 * alone; a migration login that becomes the owner role. The app's migrations run as the migration
 * login, and the job still rotates the partitions of the tables they create. What each role may and
 * may not do with those tables: test/database/partition-maintenance/least-privilege.test.ts.
 */
import { Client } from 'pg';
import { ensureAppRoles, syncLoginPasswords } from '../../../lambda/partition-maintenance/app-roles';
import { LOGIN_PASSWORDS_LOCK_KEY } from '../../../lib/contract';
import { installSql } from '../../../lambda/partition-maintenance/install';
import { convertToPartitioned } from '../../../lambda/partition-maintenance/convert';
import { runPass } from '../../../lambda/partition-maintenance/pass';
import { installAwsS3StandIn } from '../../support/aws-s3-standin';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
const MASTER = `master_${suffix}`;
const OWNER = `cs2_owner_${suffix}`;
const RUNTIME = `cs2_runtime_${suffix}`;
const APP = `cs2app_${suffix}`;
const CLONE = `cs2app_${suffix}_clone`;
const MIGRATOR = `cs2_migrator_${suffix}`;
const PASSWORDS = { master: 'master-pw', app: 'app\'pw\\"1', clone: 'clone-pw-2', migrator: 'migrator-pw-3' };
const NOW = new Date('2026-11-15T10:00:00Z');

let db: TestDatabase;
let admin: Client;
let master: Client;

const connectAs = async (user: string, password: string) => {
  const url = new URL(db.connectionString);
  url.username = user;
  url.password = password;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  return client;
};

const roles = (connectionLimit = 20, migrationConnectionLimit = 3) => ({
  owner: OWNER,
  runtimeRole: RUNTIME,
  logins: [
    { username: APP, password: PASSWORDS.app },
    { username: CLONE, password: PASSWORDS.clone },
  ],
  migrationLogin: { username: MIGRATOR, password: PASSWORDS.migrator, connectionLimit: migrationConnectionLimit },
  connectionLimit,
});

/** The tables the app's Prisma migration creates, run by the migration login. */
async function migrate(migrator: Client): Promise<void> {
  await migrator.query(`
    CREATE TABLE "Match" ("id" text PRIMARY KEY);
    CREATE TABLE "GameEvent" (
      "id" SERIAL NOT NULL,
      "matchId" TEXT NOT NULL REFERENCES "Match"("id"),
      "type" TEXT NOT NULL,
      "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
      CONSTRAINT "GameEvent_pkey" PRIMARY KEY ("id")
    );
    CREATE INDEX "GameEvent_matchId_idx" ON "GameEvent"("matchId");
    INSERT INTO "Match" VALUES ('m1');
    INSERT INTO "GameEvent" ("matchId", "type", "createdAt")
      SELECT 'm1', 'kill', timestamp '2026-01-10' + make_interval(months => g) FROM generate_series(0, 9) g;`);
}

const ownerOf = async (relation: string) =>
  (await admin.query(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = $1::regclass`, [relation])).rows[0].owner;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await db.connect();
  // RDS's master user: not a superuser, may create roles and (as the database's creator) schemas.
  await admin.query(`CREATE ROLE ${MASTER} LOGIN PASSWORD '${PASSWORDS.master}' CREATEROLE`);
  // It creates the database, so it owns it and, through pg_database_owner, its public schema.
  await admin.query(`ALTER DATABASE ${new URL(db.connectionString).pathname.slice(1)} OWNER TO ${MASTER}`);
  master = await connectAs(MASTER, PASSWORDS.master);
  await installSql(master);
  await ensureAppRoles(master, roles());
});

afterAll(async () => {
  await master?.end();
  await admin?.end();
  await db?.drop();
  const cleanup = await createTestDatabase();
  const client = await cleanup.connect();
  for (const role of [APP, CLONE, MIGRATOR, RUNTIME, OWNER, MASTER]) await client.query(`DROP ROLE IF EXISTS "${role}"`);
  await client.end();
  await cleanup.drop();
});

describe('after install', () => {
  /** Each role's attributes and the roles it is a member of. */
  const roleRows = async () => {
    const { rows } = await admin.query(
      `SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolconnlimit, rolconfig,
              ARRAY(SELECT pg_get_userbyid(roleid)::text FROM pg_auth_members WHERE member = r.oid ORDER BY 1) AS member_of
       FROM pg_roles r WHERE rolname IN ($1, $2, $3, $4, $5) ORDER BY rolname`,
      [OWNER, RUNTIME, APP, CLONE, MIGRATOR],
    );
    return Object.fromEntries(rows.map((row) => [row.rolname, row]));
  };
  /** The roles (no superuser) that have the privileges of `role`, through any membership. */
  const withPrivilegesOf = async (role: string) =>
    (
      await admin.query(`SELECT rolname FROM pg_roles WHERE rolname <> $1 AND NOT rolsuper AND pg_has_role(rolname, $1, 'USAGE')`, [role])
    ).rows
      .map((row) => row.rolname as string)
      .sort();

  test('the logins log in, as no superuser, with a connection limit, members of the runtime role alone; the migration login is the owner', async () => {
    const byName = await roleRows();
    const noAdministration = { rolsuper: false, rolcreaterole: false, rolcreatedb: false };
    expect(byName[OWNER]).toMatchObject({ rolcanlogin: false, ...noAdministration, member_of: [], rolconfig: null });
    expect(byName[RUNTIME]).toMatchObject({ rolcanlogin: false, ...noAdministration, member_of: [], rolconfig: null });
    for (const login of [APP, CLONE]) {
      expect(byName[login]).toMatchObject({
        rolcanlogin: true,
        ...noAdministration,
        rolconnlimit: 20,
        member_of: [RUNTIME],
        rolconfig: null,
      });
    }
    expect(byName[MIGRATOR]).toMatchObject({
      rolcanlogin: true,
      ...noAdministration,
      rolconnlimit: 3,
      member_of: [OWNER],
      rolconfig: [`role=${OWNER}`],
    });
    // Who has the owner's privileges: the job's login (it attaches and detaches the app's partitions)
    // and the migration login; never the app's logins.
    expect(await withPrivilegesOf(OWNER)).toEqual([MIGRATOR, MASTER].sort());
    expect(await withPrivilegesOf(RUNTIME)).toEqual([APP, CLONE].sort());
  });

  test('each login logs in with the password of its secret: the app as itself, the migration login as the owner role', async () => {
    for (const [user, password, acting] of [
      [APP, PASSWORDS.app, APP],
      [CLONE, PASSWORDS.clone, CLONE],
      [MIGRATOR, PASSWORDS.migrator, OWNER],
    ]) {
      const client = await connectAs(user, password);
      const { rows } = await client.query('SELECT session_user AS login, current_user AS acting');
      expect(rows[0]).toEqual({ login: user, acting });
      await client.end();
    }
    await expect(connectAs(APP, 'wrong')).rejects.toThrow(/password authentication failed/);
    await expect(connectAs(MIGRATOR, PASSWORDS.app)).rejects.toThrow(/password authentication failed/);
  });

  test('running the install again changes nothing, and new connection limits are applied', async () => {
    const before = await roleRows();
    await installSql(master);
    await ensureAppRoles(master, roles(20, 3));
    expect(await roleRows()).toEqual(before);
    await ensureAppRoles(master, roles(35, 5));
    const after = await roleRows();
    expect([after[APP].rolconnlimit, after[CLONE].rolconnlimit, after[MIGRATOR].rolconnlimit]).toEqual([35, 35, 5]);
    expect(await withPrivilegesOf(OWNER)).toEqual([MIGRATOR, MASTER].sort());
    expect(await withPrivilegesOf(RUNTIME)).toEqual([APP, CLONE].sort());
  });

  test('a login made a member of the owner role, or set to become it, by hand is taken back; so is an owner membership of the runtime role', async () => {
    await master.query(`GRANT "${OWNER}" TO "${APP}"; ALTER ROLE "${CLONE}" SET role = "${OWNER}"; GRANT "${OWNER}" TO "${RUNTIME}"`);
    expect(await withPrivilegesOf(OWNER)).toEqual([APP, CLONE, MIGRATOR, MASTER, RUNTIME].sort());
    await ensureAppRoles(master, roles());
    expect(await withPrivilegesOf(OWNER)).toEqual([MIGRATOR, MASTER].sort());
    const byName = await roleRows();
    expect([byName[APP].member_of, byName[CLONE].rolconfig, byName[RUNTIME].member_of]).toEqual([[RUNTIME], null, []]);
    const clone = await connectAs(CLONE, PASSWORDS.clone);
    expect((await clone.query('SELECT current_user AS acting')).rows[0].acting).toBe(CLONE);
    await clone.end();
  });

  test("the roles must be distinct, and version 2's signature no longer makes anyone a member of the owner", async () => {
    await expect(ensureAppRoles(master, { ...roles(), runtimeRole: OWNER })).rejects.toThrow(/must be distinct roles/);
    await expect(ensureAppRoles(master, { ...roles(), migrationLogin: { username: APP, connectionLimit: 3 } })).rejects.toThrow(
      /must be distinct roles/,
    );
    await expect(ensureAppRoles(master, { ...roles(), owner: MASTER })).rejects.toThrow(/must be distinct roles/);
    await expect(ensureAppRoles(master, { ...roles(), migrationLogin: { username: MIGRATOR, connectionLimit: 0 } })).rejects.toThrow(
      /migration login's connection limit must be at least 1 \(got 0\)/,
    );
    await expect(
      master.query('SELECT partition_maintenance.ensure_app_roles($1::name, $2::name[], 20)', [OWNER, [APP, CLONE]]),
    ).rejects.toMatchObject({ code: '0A000', message: expect.stringMatching(/no longer supported/) });
    expect(await withPrivilegesOf(OWNER)).toEqual([MIGRATOR, MASTER].sort());
  });

  test('setting the passwords from the secrets waits for a rotation that holds the lock, and keeps what it wrote', async () => {
    const secretsNow = new Map([
      [APP, PASSWORDS.app],
      [CLONE, PASSWORDS.clone],
    ]);
    // A rotation in its setSecret step: it holds the lock, changes the clone's password and its secret.
    const rotation = await connectAs(MASTER, PASSWORDS.master);
    await rotation.query('SELECT pg_advisory_lock($1::bigint)', [LOGIN_PASSWORDS_LOCK_KEY]);
    let rotated!: () => void;
    const rotationDone = new Promise<void>((resolve) => (rotated = resolve));
    // A secret read before the rotation finished would be stale by the time it is set.
    const sync = syncLoginPasswords(master, [CLONE, APP], async (username) => {
      const value = secretsNow.get(username)!;
      await rotationDone;
      return value;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await rotation.query(`ALTER ROLE "${CLONE}" PASSWORD 'rotated-pw'`);
    secretsNow.set(CLONE, 'rotated-pw');
    await rotation.end();
    rotated();
    await sync;
    const clone = await connectAs(CLONE, 'rotated-pw');
    await clone.end();
    await syncLoginPasswords(master, [CLONE], async () => PASSWORDS.clone);
  });

  test('a membership granted by hand (an administrative role) is taken away again', async () => {
    const extra = `extra_${suffix}`;
    await master.query(`CREATE ROLE ${extra} NOLOGIN`);
    await master.query(`GRANT ${extra} TO "${APP}"`);
    await ensureAppRoles(master, roles());
    const { rows } = await admin.query(`SELECT pg_has_role($1, $2, 'MEMBER') AS member`, [APP, extra]);
    expect(rows[0].member).toBe(false);
    await master.query(`DROP ROLE ${extra}`);
  });
});

describe('the app login, the migration login and the job, on the tables the migrations create', () => {
  let app: Client;
  let migrator: Client;
  beforeAll(async () => {
    app = await connectAs(APP, PASSWORDS.app);
    migrator = await connectAs(MIGRATOR, PASSWORDS.migrator);
    await migrate(migrator);
  });
  afterAll(async () => {
    await app?.end();
    await migrator?.end();
  });

  test("the migration's objects belong to the owner role, not to the login that ran it", async () => {
    for (const relation of ['"Match"', '"GameEvent"', '"GameEvent_id_seq"', '"GameEvent_pkey"'])
      expect(await ownerOf(relation)).toBe(OWNER);
  });

  test("the job converts the app's table and rotates its partitions; everything stays the owner role's", async () => {
    const report = await convertToPartitioned(master, { schema: 'public', table: 'GameEvent', column: 'createdAt', now: NOW });
    expect(report.rowsInLegacy).toBe(10);
    expect(await ownerOf('"GameEvent"')).toBe(OWNER);
    const summary = await runPass(master, {
      tables: [{ schema: 'public', table: 'GameEvent', column: 'createdAt', futureMonths: 4, retentionMonths: 1, archive: false }],
      now: new Date('2027-03-15T10:00:00Z'),
    });
    expect(summary.tables[0].errors).toEqual([]);
    expect(summary.tables[0].created.length).toBeGreaterThan(0);
    expect(summary.tables[0].retired.map((retired) => retired.partition)).toContainEqual(expect.stringMatching(/"GameEvent_legacy"$/));
    const { rows } = await admin.query(
      `SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = '"GameEvent"'::regclass`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.owner).toBe(OWNER);
  });

  test('the app writes and reads through the partitioned table, and the next migrations alter every partition', async () => {
    await app.query(
      `INSERT INTO "GameEvent" ("matchId", "type", "createdAt") VALUES ('m1', 'kill', '2027-04-15'), ('m1', 'kill', '2027-04-16')`,
    );
    const { rows } = await app.query(`SELECT count(*)::int AS n FROM "GameEvent" WHERE "createdAt" >= '2027-04-01'`);
    expect(rows[0].n).toBe(2);
    await migrator.query('ALTER TABLE "GameEvent" ADD COLUMN "round" integer');
    await migrator.query('CREATE INDEX "GameEvent_round_idx" ON "GameEvent" ("round")');
    await app.query('UPDATE "GameEvent" SET "round" = 1');
    // The app itself alters nothing.
    await expect(app.query('ALTER TABLE "GameEvent" ADD COLUMN "tick" integer')).rejects.toMatchObject({
      code: '42501',
      message: 'must be owner of table GameEvent',
    });
  });

  test('the other login (after a rotation) works on the same rows', async () => {
    const clone = await connectAs(CLONE, PASSWORDS.clone);
    expect((await clone.query(`UPDATE "GameEvent" SET "round" = 2 WHERE "createdAt" >= '2027-04-01'`)).rowCount).toBe(2);
    const { rows } = await clone.query('SELECT count(*)::int AS n FROM "GameEvent" WHERE "round" = 2');
    expect(rows[0].n).toBe(2);
    await clone.end();
  });

  test("and it cannot do what it must not: administer, read the job's schema, act as the job", async () => {
    const refused = (sql: string) =>
      app.query(sql).then(
        () => 'allowed',
        (caught: Error) => caught.message,
      );
    // PostgreSQL 15 words it "must be superuser to create superusers", 16 and later "permission denied".
    expect(await refused(`CREATE ROLE intruder_${suffix} LOGIN SUPERUSER`)).toMatch(/permission denied|must be superuser/);
    expect(await refused('ALTER SYSTEM SET log_statement = none')).toMatch(/permission denied|must be superuser/);
    expect(await refused('SELECT * FROM partition_maintenance.retirement')).toMatch(/permission denied for schema partition_maintenance/);
    expect(await refused(`SELECT partition_maintenance.create_monthly_partition('"GameEvent"', date '2030-01-01')`)).toMatch(
      /permission denied for schema partition_maintenance/,
    );
    expect(await refused(`SET ROLE ${MASTER}`)).toMatch(/permission denied/);
    expect(await refused(`ALTER ROLE "${APP}" CONNECTION LIMIT -1`)).toMatch(/permission denied/);
  });

  test('a month under FORCE ROW LEVEL SECURITY is never archived short: the job, no superuser, keeps it attached and says why', async () => {
    await installAwsS3StandIn(admin, 'ok');
    await admin.query(`GRANT USAGE ON SCHEMA aws_s3, aws_commons TO ${MASTER}; GRANT ALL ON ALL TABLES IN SCHEMA aws_s3 TO ${MASTER}`);
    await migrator.query(`CREATE TABLE "AuditEvent" ("id" serial, "kind" text NOT NULL, "createdAt" timestamp NOT NULL, PRIMARY KEY ("id", "createdAt"))
                     PARTITION BY RANGE ("createdAt")`);
    await master.query(`SELECT partition_maintenance.create_month('"AuditEvent"', '2025-09-01')`);
    await app.query(
      `INSERT INTO "AuditEvent" ("kind", "createdAt") VALUES ('public', '2025-09-29'), ('secret', '2025-09-30'), ('secret', '2025-09-30')`,
    );
    // An operator hides part of the month from everyone but a superuser, its owner included.
    await migrator.query(`ALTER TABLE "AuditEvent_p2025_09" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    await migrator.query(`CREATE POLICY hide_secret ON "AuditEvent_p2025_09" USING ("kind" <> 'secret')`);
    const summary = await runPass(master, {
      tables: [{ schema: 'public', table: 'AuditEvent', column: 'createdAt', futureMonths: 1, retentionMonths: 12, archive: true }],
      now: NOW,
      archiveTarget: { bucket: 'cs2-archive', region: 'eu-west-1' },
    });
    expect(summary.tables[0].errors).toEqual([expect.stringMatching(/export of .*"AuditEvent_p2025_09".* failed: .*row-level security/)]);
    expect(summary.tables[0].retired).toEqual([]);
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n, (SELECT count(*)::int FROM pg_inherits WHERE inhrelid = '"AuditEvent_p2025_09"'::regclass) AS attached
       FROM "AuditEvent_p2025_09"`,
    );
    expect(rows[0]).toEqual({ n: 3, attached: 1 });
  });
});

describe('an existing database, from before the app had its own roles', () => {
  test('tables the master user created in public are handed to the owner role: the migrations alter them, the app uses them', async () => {
    await master.query(`CREATE TABLE "Legacy" ("id" serial PRIMARY KEY, "name" text); CREATE TYPE "Side" AS ENUM ('CT', 'T')`);
    expect(await ownerOf('"Legacy"')).toBe(MASTER);
    await ensureAppRoles(master, roles());
    expect(await ownerOf('"Legacy"')).toBe(OWNER);
    expect(await ownerOf('"Legacy_id_seq"')).toBe(OWNER);
    const { rows } = await admin.query(`SELECT pg_get_userbyid(typowner) AS owner FROM pg_type WHERE typname = 'Side'`);
    expect(rows[0].owner).toBe(OWNER);
    const migrator = await connectAs(MIGRATOR, PASSWORDS.migrator);
    await migrator.query('ALTER TABLE "Legacy" ADD COLUMN "side" "Side"');
    await migrator.end();
    const app = await connectAs(APP, PASSWORDS.app);
    const { rows: inserted } = await app.query(`INSERT INTO "Legacy" ("name", "side") VALUES ('s1mple', 'CT') RETURNING "id", "side"`);
    expect(inserted).toEqual([{ id: 1, side: 'CT' }]);
    await app.end();
  });

  test('a partitioned table the job had partitioned as the master user (version 1) is handed over with its partitions; identity columns too', async () => {
    await master.query(`
      CREATE TABLE "OldEvent" ("id" integer GENERATED ALWAYS AS IDENTITY, "at" timestamp NOT NULL, PRIMARY KEY ("id", "at")) PARTITION BY RANGE ("at");
      CREATE TABLE "OldEvent_2026_01" PARTITION OF "OldEvent" FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
      CREATE TABLE "Counter" ("id" integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);`);
    await ensureAppRoles(master, roles());
    for (const relation of ['"OldEvent"', '"OldEvent_2026_01"', '"Counter"']) expect(await ownerOf(relation)).toBe(OWNER);
    const migrator = await connectAs(MIGRATOR, PASSWORDS.migrator);
    await migrator.query('ALTER TABLE "OldEvent" ADD COLUMN "kind" text');
    await migrator.end();
    const app = await connectAs(APP, PASSWORDS.app);
    await app.query(`INSERT INTO "OldEvent" ("at", "kind") VALUES ('2026-01-05', 'kill'); INSERT INTO "Counter" DEFAULT VALUES`);
    const { rows } = await app.query(`SELECT "kind" FROM "OldEvent_2026_01"`);
    expect(rows).toEqual([{ kind: 'kill' }]);
    await app.end();
    // And again: nothing left to hand over, nothing fails.
    await ensureAppRoles(master, roles());
  });

  test('a membership granted by another role is taken away where the master may, or the run says who must revoke it', async () => {
    const extra = `extra2_${suffix}`;
    const granter = `granter_${suffix}`;
    await admin.query(`CREATE ROLE ${extra} NOLOGIN; CREATE ROLE ${granter} NOLOGIN; GRANT ${extra} TO ${granter} WITH ADMIN OPTION`);
    await admin.query(`GRANT ${extra} TO "${APP}" GRANTED BY ${granter}`);
    const version = (await admin.query('SHOW server_version_num')).rows[0].server_version_num as string;
    if (Number(version) >= 160000) {
      // From 16, only the grantor (or a role with its privileges) may revoke its grant: the error says who.
      await expect(ensureAppRoles(master, roles())).rejects.toThrow(
        new RegExp(`role ${APP} is a member of ${extra} \\(granted by ${granter}\\).*revoke it as ${granter}`),
      );
      await admin.query(`REVOKE ${extra} FROM "${APP}" GRANTED BY ${granter}`);
    }
    await ensureAppRoles(master, roles());
    const { rows } = await admin.query(`SELECT pg_has_role($1, $2, 'MEMBER') AS member`, [APP, extra]);
    expect(rows[0].member).toBe(false);
    await admin.query(`DROP ROLE ${extra}; DROP ROLE ${granter}`);
  });
});
