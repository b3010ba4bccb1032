import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { handler as sourceHandler } from '../../../lambda/partition-maintenance/index';
import { loadSqlFiles } from '../../../lambda/partition-maintenance/sql-files';
import { readJobEnvironment } from '../../../lambda/partition-maintenance/job';
import { createPartitionedEvents, createPrismaGameEvents, partitionMonths } from '../../support/game-events';
import { responseEndpoint } from '../../support/cloudformation-response';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { synthesized, templateOf } from '../../support/synthesized';

const rds = mockClient(RDSClient);
const secrets = mockClient(SecretsManagerClient);
const cloudFormation = mockClient(CloudFormationClient);

let db: TestDatabase;
let client: Client;
let stdout: string[];
let restoreStdout: () => void;

function databaseEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  const url = new URL(db.connectionString);
  return {
    ENVIRONMENT: 'dev',
    DB_HOST: url.hostname,
    DB_PORT: url.port,
    DB_NAME: url.pathname.slice(1),
    DB_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db',
    DB_ENGINE: 'aurora',
    DB_IDENTIFIER: 'cs2analytics-dev',
    // The embedded server speaks no TLS; the stack sets verify-full (test/maintenance.test.ts).
    DB_TLS: 'disable',
    TABLES: JSON.stringify([
      { schema: 'public', table: 'GameEvent', column: 'createdAt', futureMonths: 3, retentionMonths: 6, archive: false },
    ]),
    ...overrides,
  };
}

beforeEach(async () => {
  db = await createTestDatabase();
  client = await db.connect();
  await createPartitionedEvents(client);
  rds.reset();
  secrets.reset();
  cloudFormation.reset();
  cloudFormation
    .on(DescribeStacksCommand)
    .resolves({ Stacks: [{ StackName: 'Cs2Analytics-dev-maintenance', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }] });
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Status: 'available' }] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: 'postgres' }) });
  Object.assign(process.env, databaseEnvironment());
  stdout = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    stdout.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  restoreStdout = () => {
    process.stdout.write = write;
  };
});

afterEach(async () => {
  restoreStdout();
  await client.end();
  await db.drop();
});

function records(): Record<string, any>[] {
  return stdout
    .flatMap((chunk) => chunk.split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function customResourceEvent(url: string, requestType: 'Create' | 'Update' | 'Delete') {
  return {
    RequestType: requestType,
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/Cs2Analytics-dev-maintenance/1',
    RequestId: 'request-1',
    LogicalResourceId: 'DeploymentRun',
    ResourceType: 'Custom::PartitionMaintenance',
  };
}

/** The database as the pre-flight sees it, in either engine mode. */
function databaseIs(status: string): void {
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Status: status }] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: status }] });
}

/** Sends the handler a deployment's Update; returns what it answered CloudFormation. */
async function answerToUpdate(handler: (event: unknown) => Promise<unknown>): Promise<Record<string, any>> {
  const endpoint = await responseEndpoint();
  try {
    await handler(customResourceEvent(endpoint.url, 'Update'));
    return await endpoint.received;
  } finally {
    endpoint.close();
  }
}

const handlerModules: [string, () => Promise<(event: unknown) => Promise<unknown>>][] = [
  ['the source', async () => sourceHandler],
  [
    'the built bundle',
    async () => {
      // The very bundle the stack deploys: the dev synth's asset, with sql/ inside.
      const template = templateOf('dev', 'Maintenance').toJSON();
      const fn = Object.values(template.Resources as Record<string, any>).find((r) => r.Type === 'AWS::Lambda::Function');
      const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
      const bundle = path.join(synthesized('dev').outdir, `asset.${hash}`, 'index.js');
      expect(fs.existsSync(path.join(path.dirname(bundle), 'sql', '001_partition_maintenance.sql'))).toBe(true);
      return require(bundle).handler;
    },
  ],
];

describe.each(handlerModules)('the Lambda handler (%s)', (_name, load) => {
  test('a scheduled run: pre-flight, secret, one pass, structured logs and metrics', async () => {
    const handler = await load();
    const result = (await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' })) as { status: string };
    expect(result.status).toBe('succeeded');
    expect(rds.commandCalls(DescribeDBClustersCommand)[0].args[0].input).toEqual({ DBClusterIdentifier: 'cs2analytics-dev' });
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({
      SecretId: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db',
      VersionStage: 'AWSCURRENT',
    });
    expect(
      (await partitionMonths(client, { schema: 'public', table: 'GameEvent', column: 'createdAt', qualified: '"public"."GameEvent"' }))
        .length,
    ).toBe(4);
    const lines = records();
    const metric = lines.find((line) => line._aws && line.Table === 'public.GameEvent');
    expect(metric).toMatchObject({ Environment: 'dev', PartitionsCreated: 4, MonthsAhead: 3, LockRetries: 0, Errors: 0 });
    expect(metric!._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'CS2Analytics/PartitionMaintenance',
      Dimensions: [['Environment', 'Table']],
    });
    expect(lines.find((line) => line._aws && line.Succeeded !== undefined)).toMatchObject({ Succeeded: 1 });
    expect(lines.find((line) => line.event === 'summary')).toMatchObject({ source: 'partition-maintenance', environment: 'dev' });
  });

  test('skips and reports when the database is not serving, without connecting', async () => {
    const handler = await load();
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Status: 'rebooting' }] });
    Object.assign(process.env, { DB_PORT: '1' }); // nothing listens there: a connection attempt would fail
    const result = await handler({});
    expect(result).toEqual({ status: 'skipped', reason: 'database cs2analytics-dev is rebooting, not serving' });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(records().find((line) => line._aws)).toMatchObject({ Skipped: 1 });
  });

  test('asks the instance, not a cluster, in instance mode', async () => {
    const handler = await load();
    Object.assign(process.env, { DB_ENGINE: 'instance' });
    await handler({});
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0].args[0].input).toEqual({ DBInstanceIdentifier: 'cs2analytics-dev' });
    expect(rds.commandCalls(DescribeDBClustersCommand)).toHaveLength(0);
  });

  test('fails the invocation when the pass reports errors, so that Lambda retries and dead-letters it', async () => {
    const handler = await load();
    await client.query('CREATE TABLE "Plain" ("createdAt" timestamp NOT NULL)');
    Object.assign(process.env, {
      TABLES: JSON.stringify([
        { schema: 'public', table: 'Plain', column: 'createdAt', futureMonths: 3, retentionMonths: 6, archive: false },
      ]),
    });
    await expect(handler({})).rejects.toThrow('is not partitioned: convert it first');
  });

  test.each([
    ['the empty table the first migrations create: converted at once, then a pass', 0, '"public"."GameEvent": converted; pass succeeded'],
    [
      'a table that holds rows, convertPlainTables off: kept plain for npm run convert (the pass says so, the deploy goes on)',
      3,
      '"public"."GameEvent": kept plain; pass failed',
    ],
  ])('right after the deploy-time migrations, %s', async (_name, rowsPerMonth, reason) => {
    const handler = await load();
    await client.query('DROP TABLE "GameEvent"');
    await createPrismaGameEvents(client, rowsPerMonth);
    const endpoint = await responseEndpoint();
    try {
      await handler({
        ...customResourceEvent(endpoint.url, 'Create'),
        LogicalResourceId: 'TableConversion',
        ResourceType: 'Custom::TableConversion',
      });
      expect(await endpoint.received).toMatchObject({ Status: 'SUCCESS', Reason: reason });
    } finally {
      endpoint.close();
    }
    const { rows } = await client.query(`SELECT relkind::text AS kind FROM pg_class WHERE relname = 'GameEvent'`);
    expect(rows[0].kind).toBe(rowsPerMonth === 0 ? 'p' : 'r');
    // The months ahead are published now, before the monitoring stack's alarms first look at them.
    const monthsAhead = records().find((line) => line._aws && line.Table === 'public.GameEvent');
    if (rowsPerMonth === 0) expect(monthsAhead).toMatchObject({ MonthsAhead: 3, Converted: 0 });
  });

  test('right after the deploy-time migrations, a table they did not create is no failure', async () => {
    const handler = await load();
    await client.query('DROP TABLE "GameEvent"');
    const endpoint = await responseEndpoint();
    try {
      await handler({
        ...customResourceEvent(endpoint.url, 'Update'),
        LogicalResourceId: 'TableConversion',
        ResourceType: 'Custom::TableConversion',
      });
      expect(await endpoint.received).toMatchObject({ Status: 'SUCCESS', Reason: '"public"."GameEvent": absent; pass succeeded' });
    } finally {
      endpoint.close();
    }
  });

  test('a table the app has not created yet is waiting: a metric, not an error', async () => {
    const handler = await load();
    Object.assign(process.env, {
      TABLES: JSON.stringify([
        { schema: 'public', table: 'NotYetMigrated', column: 'createdAt', futureMonths: 3, retentionMonths: 6, archive: false },
      ]),
    });
    const result = (await handler({})) as { status: string; tables: { waiting?: boolean; errors: string[] }[] };
    expect(result.status).toBe('succeeded');
    expect(result.tables[0]).toMatchObject({ waiting: true, errors: [] });
    const lines = records();
    expect(lines.find((line) => line._aws && line.Table === 'public.NotYetMigrated')).toMatchObject({ Waiting: 1, Errors: 0 });
    expect(lines.find((line) => line._aws && line.TablesWaiting !== undefined)).toMatchObject({ TablesWaiting: 1, Succeeded: 1 });
  });

  test('with convertIfPlain, the scheduled pass converts the plain table the migrations created, then maintains it', async () => {
    const handler = await load();
    await client.query('DROP TABLE "GameEvent"');
    await createPrismaGameEvents(client, 5);
    Object.assign(process.env, {
      TABLES: JSON.stringify([
        {
          schema: 'public',
          table: 'GameEvent',
          column: 'createdAt',
          futureMonths: 3,
          retentionMonths: 6,
          archive: false,
          convertIfPlain: true,
        },
      ]),
    });
    const result = (await handler({})) as { status: string; tables: { converted?: { rowsInLegacy: number }; monthsAhead: number }[] };
    expect(result.status).toBe('succeeded');
    expect(result.tables[0].converted?.rowsInLegacy).toBe(14 * 5);
    expect(result.tables[0].monthsAhead).toBeGreaterThanOrEqual(3);
    const { rows } = await client.query(`SELECT relkind::text AS kind FROM pg_class WHERE relname = 'GameEvent'`);
    expect(rows[0].kind).toBe('p');
    expect(records().find((line) => line._aws && line.Table === 'public.GameEvent')).toMatchObject({ Converted: 1 });
  });

  test('a convert request converts every maintained table once, where the database is; a repeat is harmless', async () => {
    const handler = await load();
    await client.query('DROP TABLE "GameEvent"');
    await createPrismaGameEvents(client, 5);
    const first = (await handler({ action: 'convert' })) as {
      status: string;
      tables: { table: string; status: string; report?: { rowsInLegacy: number } }[];
    };
    expect(first.status).toBe('succeeded');
    expect(first.tables).toEqual([
      expect.objectContaining({
        table: '"public"."GameEvent"',
        status: 'converted',
        report: expect.objectContaining({ rowsInLegacy: 70 }),
      }),
    ]);
    const again = (await handler({ action: 'convert', table: 'public.GameEvent' })) as { tables: { status: string }[] };
    expect(again.tables).toEqual([{ table: '"public"."GameEvent"', status: 'already partitioned' }]);
  });

  test('a convert request fails on a table that does not exist, and on one that is not maintained', async () => {
    const handler = await load();
    await client.query('DROP TABLE "GameEvent"');
    await expect(handler({ action: 'convert' })).rejects.toThrow('table \\"public\\".\\"GameEvent\\" does not exist');
    await expect(handler({ action: 'convert', table: 'public.Other' })).rejects.toThrow(
      'public.Other is not a maintained table (configured: public.GameEvent)',
    );
  });

  test('a convert request waits for nobody: it is refused while a pass holds the lock', async () => {
    const handler = await load();
    const holder = await db.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(hashtextextended('cs2analytics.partition_maintenance', 0))");
      await expect(handler({ action: 'convert' })).rejects.toThrow('a maintenance pass is running on this database');
    } finally {
      await holder.end();
    }
  });

  test('at deploy time installs sql/, runs a pass and answers CloudFormation SUCCESS', async () => {
    const handler = await load();
    const endpoint = await responseEndpoint();
    try {
      await handler(customResourceEvent(endpoint.url, 'Create'));
      expect(await endpoint.received).toMatchObject({
        method: 'PUT',
        Status: 'SUCCESS',
        RequestId: 'request-1',
        LogicalResourceId: 'DeploymentRun',
        Data: { Status: 'succeeded' },
      });
    } finally {
      endpoint.close();
    }
    const { rows } = await client.query('SELECT max(version) AS version FROM partition_maintenance.schema_version');
    expect(rows[0].version).toBe(Math.max(...loadSqlFiles().map((file) => file.version)));
  });

  test.each(['backing-up', 'storage-optimization'])(
    'connects while the database is %s (busy, but serving): at deploy time and in the daily run',
    async (status) => {
      const handler = await load();
      databaseIs(status);
      expect(await answerToUpdate(handler)).toMatchObject({ Status: 'SUCCESS', Data: { Status: 'succeeded' } });
      await expect(handler({ source: 'aws.events' })).resolves.toMatchObject({ status: 'succeeded' });
    },
  );

  test("at deploy time also sets up the app's roles, each login (the migration login too) with the password of its own secret", async () => {
    const handler = await load();
    const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
    const owner = `cs2_owner_${suffix}`;
    const runtimeRole = `cs2_runtime_${suffix}`;
    const logins = [`cs2app_${suffix}`, `cs2app_${suffix}_clone`];
    const migrator = `cs2_migrator_${suffix}`;
    const secretArn = (username: string) => `arn:aws:secretsmanager:eu-west-1:111111111111:secret:${username}`;
    Object.assign(process.env, {
      APP_ROLES: JSON.stringify({
        owner,
        runtimeRole,
        logins: logins.map((username) => ({ username, secretArn: secretArn(username) })),
        migrationLogin: { username: migrator, secretArn: secretArn(migrator), connectionLimit: 4 },
        connectionLimit: 30,
      }),
    });
    for (const username of [...logins, migrator]) {
      secrets.on(GetSecretValueCommand, { SecretId: secretArn(username) }).resolves({
        SecretString: JSON.stringify({ username, password: `pw-of-${username}` }),
      });
    }
    const endpoint = await responseEndpoint();
    try {
      await handler(customResourceEvent(endpoint.url, 'Create'));
      expect(await endpoint.received).toMatchObject({ Status: 'SUCCESS', Data: { AppRoles: 'synced' } });
      // The app's logins act as themselves (members of the runtime role); the migration login as the owner.
      for (const [username, acting, connectionLimit] of [
        [logins[0], logins[0], 30],
        [logins[1], logins[1], 30],
        [migrator, owner, 4],
      ] as const) {
        const url = new URL(db.connectionString);
        url.username = username;
        url.password = `pw-of-${username}`;
        const login = new Client({ connectionString: url.toString() });
        await login.connect();
        expect((await login.query('SELECT current_user AS acting')).rows[0].acting).toBe(acting);
        await login.end();
        const { rows } = await client.query(
          `SELECT rolconnlimit, ARRAY(SELECT pg_get_userbyid(roleid)::text FROM pg_auth_members WHERE member = r.oid) AS member_of
           FROM pg_roles r WHERE rolname = $1`,
          [username],
        );
        expect(rows[0]).toEqual({ rolconnlimit: connectionLimit, member_of: [username === migrator ? owner : runtimeRole] });
      }
      expect(records()).toContainEqual(
        expect.objectContaining({ event: 'app-roles-synced', owner, runtimeRole, logins, migrationLogin: migrator }),
      );
    } finally {
      endpoint.close();
      delete process.env.APP_ROLES;
      const roles = [...logins, migrator, runtimeRole, owner];
      await client.query(`DROP OWNED BY ${roles.map((role) => `"${role}"`).join(', ')}`);
      for (const role of roles) await client.query(`DROP ROLE "${role}"`);
    }
  });

  test("fails the deployment when the app's roles cannot be set up because the writer is not available", async () => {
    const handler = await load();
    process.env.APP_ROLES = JSON.stringify({
      owner: 'cs2_owner_x',
      runtimeRole: 'cs2_runtime_x',
      logins: [{ username: 'cs2app_x', secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:x' }],
      migrationLogin: {
        username: 'cs2_migrator_x',
        secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:m',
        connectionLimit: 3,
      },
      connectionLimit: 30,
    });
    databaseIs('modifying');
    try {
      expect(await answerToUpdate(handler)).toMatchObject({
        Status: 'FAILED',
        Reason: expect.stringMatching(/app's database roles were not set up: .*modifying/),
      });
    } finally {
      delete process.env.APP_ROLES;
    }
  });

  test('a rollback (the stack UPDATE_ROLLBACK_IN_PROGRESS) succeeds without touching a busy database, so the stack rolls back cleanly', async () => {
    const handler = await load();
    cloudFormation.on(DescribeStacksCommand, { StackName: customResourceEvent('', 'Update').StackId }).resolves({
      Stacks: [{ StackName: 'Cs2Analytics-dev-maintenance', StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS', CreationTime: new Date() }],
    });
    databaseIs('modifying');
    expect(await answerToUpdate(handler)).toMatchObject({
      Status: 'SUCCESS',
      Reason: 'the stack is rolling back: the database keeps what it has',
    });
    expect(rds.calls()).toHaveLength(0);
  });

  test("logs in while the master user's own rotation is half-way: the pending password, when the current one is refused", async () => {
    const handler = await load();
    const master = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db';
    // The value the secret holds as current (and as plain GetSecretValue returns it) is refused.
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ username: 'postgres', password: 'the-password-being-replaced' }) });
    secrets.on(GetSecretValueCommand, { SecretId: master, VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: JSON.stringify({ username: 'postgres', password: 'the-password-being-replaced' }),
    });
    secrets.on(GetSecretValueCommand, { SecretId: master, VersionStage: 'AWSPENDING' }).resolves({
      SecretString: JSON.stringify({ username: 'postgres', password: 'postgres' }),
    });
    await expect(handler({ source: 'aws.events' })).resolves.toMatchObject({ status: 'succeeded' });
  });

  test('answers CloudFormation FAILED when it cannot reach the database, and SUCCESS on delete', async () => {
    const handler = await load();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: 'wrong' }) });
    secrets.on(ListSecretVersionIdsCommand).resolves({ Versions: [] });
    const failed = await responseEndpoint();
    try {
      await handler(customResourceEvent(failed.url, 'Update'));
      expect(await failed.received).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('password authentication failed') });
    } finally {
      failed.close();
    }
    const deleted = await responseEndpoint();
    try {
      await handler(customResourceEvent(deleted.url, 'Delete'));
      expect(await deleted.received).toMatchObject({ Status: 'SUCCESS' });
    } finally {
      deleted.close();
    }
  });
});

test('a configuration error names the variable', async () => {
  expect(() => readJobEnvironment({ ...databaseEnvironment(), DB_ENGINE: 'mysql' })).toThrow(
    'DB_ENGINE must be aurora or instance (got mysql)',
  );
  expect(() => readJobEnvironment({ ...databaseEnvironment(), TABLES: 'GameEvent' })).toThrow('TABLES must be a JSON list of tables');
  const { DB_HOST: _omitted, ...withoutHost } = databaseEnvironment();
  expect(() => readJobEnvironment(withoutHost)).toThrow('environment variable DB_HOST is required');
});

test('APP_ROLES is read in its shape, and an error names that shape and what is wrong', () => {
  const shape =
    'APP_ROLES must be { owner, runtimeRole, logins: [{ username, secretArn }], migrationLogin: { username, secretArn, connectionLimit }, connectionLimit }';
  const appRoles = {
    owner: 'cs2_owner',
    runtimeRole: 'cs2_runtime',
    logins: [
      { username: 'cs2app', secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:app' },
      { username: 'cs2app_clone', secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:clone' },
    ],
    migrationLogin: {
      username: 'cs2_migrator',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:migrator',
      connectionLimit: 3,
    },
    connectionLimit: 30,
  };
  const read = (value: unknown) =>
    readJobEnvironment({ ...databaseEnvironment(), APP_ROLES: typeof value === 'string' ? value : JSON.stringify(value) }).appRoles;
  expect(read(appRoles)).toEqual(appRoles);
  expect(readJobEnvironment(databaseEnvironment()).appRoles).toBeUndefined();
  // The shape before version 5: no runtime role, no migration login.
  expect(() => read({ owner: 'cs2_owner', logins: appRoles.logins, connectionLimit: 30 })).toThrow(
    `${shape}: runtimeRole must be a non-empty string; migrationLogin must be an object`,
  );
  expect(() => read({ ...appRoles, migrationLogin: { username: 'cs2_migrator', connectionLimit: 0 } })).toThrow(
    `${shape}: migrationLogin.secretArn must be a non-empty string; migrationLogin.connectionLimit must be an integer of at least 1`,
  );
  expect(() => read({ ...appRoles, logins: [{ username: 'cs2app' }], connectionLimit: '30' })).toThrow(
    `${shape}: logins[0].secretArn must be a non-empty string; connectionLimit must be an integer of at least 1`,
  );
  expect(() => read({ ...appRoles, runtimeRole: 'cs2_owner' })).toThrow(
    `${shape}: owner, runtimeRole, migrationLogin.username and the logins must be distinct (got cs2_owner, cs2_owner, cs2_migrator, cs2app, cs2app_clone)`,
  );
  expect(() => read('[]')).toThrow(`${shape}: it must be an object`);
  expect(() => read('{ owner')).toThrow(/^APP_ROLES must be JSON \{ owner, runtimeRole, .*\}: .*JSON/);
});
