/**
 * Credential rotation without an outage: the app's database logins on real PostgreSQL, the Redis
 * AUTH token against a server that speaks Redis's AUTH, and the connection secret with its rolling
 * restarts; Secrets Manager, ElastiCache and ECS faked at the SDK client boundary.
 */
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeSecretCommand, ListSecretVersionIdsCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Client } from 'pg';
import { handler as refreshHandler, requestedKind, rotatedSecret } from '../../lambda/credential-refresh/index';
import {
  afterRotation,
  atDeployment,
  connectionValues,
  kindOf,
  writeConnectionValues,
  type RefreshDependencies,
  type RefreshEnvironment,
} from '../../lambda/credential-refresh/refresh';
import { postgresAppRotator } from '../../lambda/credential-rotation/postgres-app';
import type { AppCredentials } from '../../lambda/shared/app-credentials';
import { assertServicesCaughtUp } from '../../lambda/credential-rotation/caught-up';
import { redisAcceptsToken } from '../../lambda/shared/redis-auth';
import { redisTokenRotator } from '../../lambda/credential-rotation/redis-token';
import { rotate, type RotationStep } from '../../lambda/credential-rotation/rotation';
import { responseEndpoint } from '../support/cloudformation-response';
import { FakeSecretsManager } from '../support/fake-secrets-manager';
import { fakeElastiCache, RedisStandIn } from '../support/redis-standin';
import { createTestDatabase, dropRoles, loginWorks as canLogIn, type TestDatabase } from '../support/postgres';

const ARN = (name: string) => `arn:aws:secretsmanager:eu-west-1:111111111111:secret:${name}-AbCdEf`;
const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const noSleep = async () => undefined;

/** The Redis token rotator against the Redis stand-in, through the faked ElastiCache (stubbed per describe), without waits. */
function localRedisRotator(secrets: FakeSecretsManager, redis: RedisStandIn) {
  return redisTokenRotator({
    secrets: secrets.client,
    elasticache: new ElastiCacheClient({}),
    replicationGroupId: 'jobs',
    host: '127.0.0.1',
    port: redis.port,
    tls: false,
    modifyWaitMs: 0,
    sleep: noSleep,
  });
}
const quiet = () => undefined;

describe("the app's database logins, rotated one at a time", () => {
  const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
  const LOGINS = [`cs2app_${suffix}`, `cs2app_${suffix}_clone`];
  let db: TestDatabase;
  let admin: Client;
  let secrets: FakeSecretsManager;
  const APP = ARN('app');
  const MASTER = ARN('master');

  const loginWorks = (user: string, password: string) => canLogIn(db.connectionString, user, password);

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = await db.connect();
    for (const login of LOGINS) await admin.query(`CREATE ROLE "${login}" LOGIN PASSWORD 'initial-${login}'`);
  });

  beforeEach(async () => {
    for (const login of LOGINS) await admin.query(`ALTER ROLE "${login}" PASSWORD 'initial-${login}'`);
    secrets = new FakeSecretsManager();
    const url = new URL(db.connectionString);
    secrets.create(MASTER, { username: url.username, password: url.password });
    for (const login of LOGINS) secrets.create(ARN(login), { username: login, password: `initial-${login}` });
    const credentials: AppCredentials = {
      engine: 'postgres',
      username: LOGINS[0],
      dbname: url.pathname.slice(1),
      host: url.hostname,
      port: Number(url.port),
      // The proxy's stand-in is the server itself: a login it accepts is a login that works.
      proxyHost: url.hostname,
      proxyPort: Number(url.port),
      masterarn: MASTER,
      logins: Object.fromEntries(LOGINS.map((login) => [login, ARN(login)])),
    };
    secrets.create(APP, credentials);
  });

  afterEach(() => secrets.reset());

  afterAll(async () => {
    await admin.end();
    await db.drop();
    await dropRoles(LOGINS);
  });

  const rotator = () => postgresAppRotator({ secrets: secrets.client, tls: 'disable', proxyWaitMs: 0, sleep: noSleep });
  const step = (token: string, name: RotationStep) =>
    rotate({ SecretId: APP, ClientRequestToken: token, Step: name }, secrets.client, rotator(), quiet);

  test('a rotation gives the idle login a new password, in the database and in its proxy secret, and makes it current', async () => {
    const token = secrets.startRotation(APP);
    for (const name of STEPS) await step(token, name);
    const current = secrets.current<AppCredentials>(APP);
    expect(current.username).toBe(LOGINS[1]);
    expect(current.password).toMatch(/^[A-Za-z0-9._-]{32}$/);
    expect(secrets.current(ARN(LOGINS[1]))).toEqual({ username: LOGINS[1], password: current.password });
    expect(await loginWorks(LOGINS[1], current.password!)).toBe(true);
    expect(await loginWorks(LOGINS[1], `initial-${LOGINS[1]}`)).toBe(false);
    // The login the running tasks use was not touched.
    expect(await loginWorks(LOGINS[0], `initial-${LOGINS[0]}`)).toBe(true);
    expect(secrets.current(ARN(LOGINS[0]))).toEqual({ username: LOGINS[0], password: `initial-${LOGINS[0]}` });
  });

  test('the next rotation goes back to the first login; the second keeps its password until then', async () => {
    const first = secrets.startRotation(APP);
    for (const name of STEPS) await step(first, name);
    const afterFirst = secrets.current<AppCredentials>(APP);
    const second = secrets.startRotation(APP);
    for (const name of STEPS) await step(second, name);
    const afterSecond = secrets.current<AppCredentials>(APP);
    expect(afterSecond.username).toBe(LOGINS[0]);
    expect(await loginWorks(LOGINS[0], afterSecond.password!)).toBe(true);
    expect(await loginWorks(LOGINS[1], afterFirst.password!)).toBe(true);
  });

  test('a rotation that fails half-way, then runs again, finishes; nobody is locked out meanwhile', async () => {
    const token = secrets.startRotation(APP);
    await step(token, 'createSecret');
    // The password changes in the database, then writing the login's proxy secret fails.
    secrets.failOnce.add(`PutSecretValue:${ARN(LOGINS[1])}`);
    await expect(step(token, 'setSecret')).rejects.toThrow('injected failure');
    const pending = secrets.stage<AppCredentials>(APP, 'AWSPENDING')!;
    expect(await loginWorks(LOGINS[0], `initial-${LOGINS[0]}`)).toBe(true);
    expect(secrets.current<AppCredentials>(APP).username).toBe(LOGINS[0]);
    // Secrets Manager runs the whole rotation again with the same token.
    for (const name of STEPS) await step(token, name);
    expect(secrets.current<AppCredentials>(APP)).toMatchObject({ username: LOGINS[1], password: pending.password });
    expect(secrets.current(ARN(LOGINS[1]))).toEqual({ username: LOGINS[1], password: pending.password });
    expect(await loginWorks(LOGINS[1], pending.password!)).toBe(true);
  });

  test("runs while the master user's own rotation is half-way: its new password set in the database, not yet current", async () => {
    const url = new URL(db.connectionString);
    secrets.create(MASTER, { username: url.username, password: 'the-password-being-replaced' });
    const masterToken = secrets.startRotation(MASTER);
    await secrets.client.send(
      new PutSecretValueCommand({
        SecretId: MASTER,
        ClientRequestToken: masterToken,
        SecretString: JSON.stringify({ username: url.username, password: url.password }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    const token = secrets.startRotation(APP);
    for (const name of STEPS) await step(token, name);
    const current = secrets.current<AppCredentials>(APP);
    expect(current.username).toBe(LOGINS[1]);
    expect(await loginWorks(LOGINS[1], current.password!)).toBe(true);
  });

  test('a login the proxy does not accept yet fails the test step, and the current login stays current', async () => {
    secrets.create(APP, { ...secrets.current<AppCredentials>(APP), proxyPort: 1 });
    const rotation = secrets.startRotation(APP);
    await step(rotation, 'createSecret');
    await step(rotation, 'setSecret');
    await expect(step(rotation, 'testSecret')).rejects.toThrow(/timed out waiting for RDS Proxy to accept the new password/);
    expect(secrets.current<AppCredentials>(APP).username).toBe(LOGINS[0]);
    expect(await loginWorks(LOGINS[0], `initial-${LOGINS[0]}`)).toBe(true);
  });

  test('refuses to start, before anything changes, while the API may still run on the login it would change', async () => {
    const CONNECTIONS = ARN('values-database');
    // This client only: the refresh tests below mock the class.
    const ecsClient = new ECSClient({});
    const ecs = mockClient(ecsClient);
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    let deployments: { status: string; rolloutState: string; createdAt: Date }[] = [];
    ecs
      .on(DescribeServicesCommand)
      .callsFake(async () => ({ services: [{ serviceName: 'cs2analytics-dev-api', status: 'ACTIVE', deployments }] }));
    const guard = () =>
      assertServicesCaughtUp({
        secrets: secrets.client,
        ecs: ecsClient,
        rotatedSecretId: APP,
        kind: 'database',
        connectionValuesSecretId: CONNECTIONS,
        cluster: 'cs2analytics-dev',
        services: ['cs2analytics-dev-api'],
      });
    try {
      // No values secret yet: no service uses the logins.
      await expect(guard()).resolves.toBeUndefined();
      // The refresh after the last rotation has not run: the connection values are older than the login in use.
      secrets.create(CONNECTIONS, { DATABASE_USER: LOGINS[1] });
      await tick();
      secrets.create(APP, { ...secrets.current<AppCredentials>(APP) });
      const token = secrets.startRotation(APP);
      const refused = rotate({ SecretId: APP, ClientRequestToken: token, Step: 'createSecret' }, secrets.client, rotator(), quiet, guard);
      await expect(refused).rejects.toThrow(/database connection values were not rewritten after the last rotation.*nothing was changed/);
      // Refused before anything changed, it leaves no pending version: the next rotation may start.
      const { VersionIdsToStages } = await secrets.client.send(new DescribeSecretCommand({ SecretId: APP }));
      expect(Object.values(VersionIdsToStages ?? {}).flat()).not.toContain('AWSPENDING');
      const retry = secrets.startRotation(APP);
      // Rewritten, but the API is still rolling out: old tasks may hold the previous login.
      await tick();
      secrets.create(CONNECTIONS, { DATABASE_USER: LOGINS[0] });
      await tick();
      deployments = [
        { status: 'PRIMARY', rolloutState: 'IN_PROGRESS', createdAt: new Date() },
        { status: 'ACTIVE', rolloutState: 'COMPLETED', createdAt: new Date(0) },
      ];
      await expect(guard()).rejects.toThrow(
        /service cs2analytics-dev-api may still run tasks started before its current database connection values/,
      );
      // Rolled out: the rotation goes ahead.
      deployments = [deployments[0]].map((deployment) => ({ ...deployment, rolloutState: 'COMPLETED' }));
      for (const name of STEPS)
        await rotate({ SecretId: APP, ClientRequestToken: retry, Step: name }, secrets.client, rotator(), quiet, guard);
      expect(secrets.current<AppCredentials>(APP).username).toBe(LOGINS[1]);
    } finally {
      ecs.restore();
    }
  });

  test('refuses a version that is not pending, and never changes the password of the login in use', async () => {
    await expect(step('not-a-version', 'createSecret')).rejects.toThrow(/has no stage/);
    const current = secrets.current<AppCredentials>(APP);
    await expect(rotator().set({ ...current, password: 'x' }, current)).rejects.toThrow(
      /refusing to change the password of .*the login in use/,
    );
  });
});

describe('the Redis AUTH token', () => {
  const redis = new RedisStandIn();
  const TOKEN = ARN('redis');
  let secrets: FakeSecretsManager;
  let elasticache: ReturnType<typeof fakeElastiCache>;

  beforeAll(() => redis.start());
  afterAll(() => redis.stop());
  beforeEach(() => {
    secrets = new FakeSecretsManager();
    secrets.create(TOKEN, { token: 'first-token-0123456789' });
    redis.tokens = ['first-token-0123456789'];
    elasticache = fakeElastiCache(redis);
  });
  afterEach(() => {
    secrets.reset();
    elasticache.mock.restore();
  });

  const rotator = () => localRedisRotator(secrets, redis);
  const step = (token: string, name: RotationStep) =>
    rotate({ SecretId: TOKEN, ClientRequestToken: token, Step: name }, secrets.client, rotator(), quiet);

  test('a rotation adds the new token beside the old one (ROTATE): running tasks keep working', async () => {
    const token = secrets.startRotation(TOKEN);
    for (const name of STEPS) await step(token, name);
    const current = secrets.current<{ token: string }>(TOKEN).token;
    expect(current).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(elasticache.state.modifications).toEqual(['ROTATE']);
    expect(await redisAcceptsToken({ host: '127.0.0.1', port: redis.port, token: current, tls: false })).toBe(true);
    expect(await redisAcceptsToken({ host: '127.0.0.1', port: redis.port, token: 'first-token-0123456789', tls: false })).toBe(true);
  });

  test('a rerun after a failure does not rotate twice; a group still modifying fails the step, to be retried', async () => {
    const token = secrets.startRotation(TOKEN);
    await step(token, 'createSecret');
    await step(token, 'setSecret');
    await step(token, 'setSecret');
    expect(elasticache.state.modifications).toEqual(['ROTATE']);
    elasticache.state.status = 'modifying';
    await expect(step(token, 'testSecret')).rejects.toThrow(/timed out waiting for replication group jobs to be available/);
    elasticache.state.status = 'available';
    for (const name of STEPS) await step(token, name);
    expect(await redisAcceptsToken({ host: '127.0.0.1', port: redis.port, token: 'first-token-0123456789', tls: false })).toBe(true);
  });
});

describe('the connection secret and the restarts', () => {
  const redis = new RedisStandIn();
  const env: RefreshEnvironment = {
    appSecretArn: ARN('app'),
    redisSecretArn: ARN('redis'),
    databaseName: 'cs2analytics',
    proxyHost: 'proxy.example.internal',
    proxyPort: 5432,
    readerHost: 'reader.example.internal',
    readerPort: 5432,
    redisHost: '127.0.0.1',
    redisPort: 0,
    replicationGroupId: 'jobs',
    cluster: 'cs2analytics-dev',
    services: { database: ['cs2analytics-dev-api'], redis: ['cs2analytics-dev-parser'] },
    valuesSecretArns: { database: ARN('values-database'), redis: ARN('values-redis'), migrations: ARN('values-migrations') },
    migrationLoginSecretArn: ARN('cs2_migrator'),
  };
  let secrets: FakeSecretsManager;
  let elasticache: ReturnType<typeof fakeElastiCache>;
  const ecs = mockClient(ECSClient);
  let stable = true;
  let deployedAt: Map<string, Date>;
  let log: Record<string, unknown>[];

  beforeAll(() => redis.start());
  afterAll(() => redis.stop());
  beforeEach(() => {
    secrets = new FakeSecretsManager();
    secrets.create(env.appSecretArn, { username: 'cs2app', logins: { cs2app: ARN('cs2app'), cs2app_clone: ARN('cs2app_clone') } });
    secrets.create(ARN('cs2app'), { username: 'cs2app', password: 'p@ss/w:rd' });
    secrets.create(ARN('cs2app_clone'), { username: 'cs2app_clone', password: 'other' });
    secrets.create(env.redisSecretArn, { token: 'token-one-0123456789' });
    secrets.create(env.migrationLoginSecretArn, { username: 'cs2_migrator', password: 'migr@te' });
    // As CloudFormation creates them: a generated placeholder.
    for (const arn of Object.values(env.valuesSecretArns)) secrets.create(arn, { unwritten: 'x' });
    redis.tokens = ['token-one-0123456789'];
    elasticache = fakeElastiCache(redis);
    ecs.reset();
    stable = true;
    // The services run, deployed an hour ago; a forced deployment is a new one, now.
    deployedAt = new Map(
      Object.values(env.services)
        .flat()
        .map((name) => [name, new Date(Date.now() - 3_600_000)]),
    );
    ecs.on(UpdateServiceCommand).callsFake(async ({ service }) => {
      deployedAt.set(service, new Date());
      return {};
    });
    ecs.on(DescribeServicesCommand).callsFake(async ({ services }) => ({
      services: services
        .filter((name: string) => deployedAt.has(name))
        .map((name: string) => ({
          serviceName: name,
          status: 'ACTIVE',
          runningCount: 2,
          desiredCount: 2,
          deployments: stable
            ? [{ status: 'PRIMARY', rolloutState: 'COMPLETED', createdAt: deployedAt.get(name) }]
            : [
                { status: 'PRIMARY', rolloutState: 'IN_PROGRESS', createdAt: deployedAt.get(name) },
                { status: 'ACTIVE', rolloutState: 'COMPLETED', createdAt: new Date(0) },
              ],
        })),
      failures: services.filter((name: string) => !deployedAt.has(name)).map((name: string) => ({ arn: name, reason: 'MISSING' })),
    }));
    log = [];
  });
  afterEach(() => {
    secrets.reset();
    elasticache.mock.restore();
  });

  const deps = (): RefreshDependencies => ({
    env: { ...env, redisPort: redis.port },
    secrets: secrets.client,
    ecs: new ECSClient({}),
    elasticache: new ElastiCacheClient({}),
    redisTls: false,
    log: (entry) => log.push(entry),
    stableWaitMs: 0,
    sleep: noSleep,
  });

  test('holds the values under the names the apps read, credentials URL-encoded inside the URLs', () => {
    expect(
      connectionValues(env, { username: 'cs2app', password: 'p@ss/w:rd' }, 'tok', { username: 'cs2_migrator', password: 'm:1' }),
    ).toEqual({
      database: {
        DATABASE_URL: 'postgresql://cs2app:p%40ss%2Fw%3Ard@proxy.example.internal:5432/cs2analytics?sslmode=require',
        DATABASE_READ_URL: 'postgresql://cs2app:p%40ss%2Fw%3Ard@reader.example.internal:5432/cs2analytics?sslmode=require',
        DATABASE_USER: 'cs2app',
        DATABASE_PASSWORD: 'p@ss/w:rd',
      },
      redis: { REDIS_URL: 'rediss://:tok@127.0.0.1:0/0', REDIS_PASSWORD: 'tok' },
      migrations: {
        DATABASE_URL: 'postgresql://cs2_migrator:m%3A1@proxy.example.internal:5432/cs2analytics?sslmode=require',
        DATABASE_USER: 'cs2_migrator',
        DATABASE_PASSWORD: 'm:1',
      },
    });
  });

  test("each kind of client's secret holds its own values and nothing of another's", async () => {
    await writeConnectionValues(deps());
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.database)).toEqual({
      DATABASE_URL: 'postgresql://cs2app:p%40ss%2Fw%3Ard@proxy.example.internal:5432/cs2analytics?sslmode=require',
      DATABASE_READ_URL: 'postgresql://cs2app:p%40ss%2Fw%3Ard@reader.example.internal:5432/cs2analytics?sslmode=require',
      DATABASE_USER: 'cs2app',
      DATABASE_PASSWORD: 'p@ss/w:rd',
    });
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.redis)).toEqual({
      REDIS_URL: `rediss://:token-one-0123456789@127.0.0.1:${redis.port}/0`,
      REDIS_PASSWORD: 'token-one-0123456789',
    });
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.migrations)).toEqual({
      DATABASE_URL: 'postgresql://cs2_migrator:migr%40te@proxy.example.internal:5432/cs2analytics?sslmode=require',
      DATABASE_USER: 'cs2_migrator',
      DATABASE_PASSWORD: 'migr@te',
    });
  });

  test("is written from the current login's own secret; the first write (over CloudFormation's placeholder) and writing again change nothing", async () => {
    expect(await writeConnectionValues(deps())).toEqual([]);
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.database)).toMatchObject({
      DATABASE_USER: 'cs2app',
      DATABASE_PASSWORD: 'p@ss/w:rd',
    });
    const versions = async () =>
      (await secrets.client.send(new ListSecretVersionIdsCommand({ SecretId: env.valuesSecretArns.database }))).Versions?.length;
    const written = await versions();
    expect(await writeConnectionValues(deps())).toEqual([]);
    expect(await versions()).toBe(written);
  });

  test('a values secret that cannot be read stops the refresh: nothing is written or restarted for it', async () => {
    await writeConnectionValues(deps());
    secrets.create(env.appSecretArn, { username: 'cs2app_clone', logins: { cs2app: ARN('cs2app'), cs2app_clone: ARN('cs2app_clone') } });
    secrets.failOnce.add(`GetSecretValue:${env.valuesSecretArns.redis}`);
    await expect(afterRotation(deps(), 'database')).rejects.toThrow(/injected failure of GetSecretValue/);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.database).DATABASE_USER).toBe('cs2app');
  });

  test('values that held real values and change are a change of that credential, and restart its services only', async () => {
    secrets.create(env.valuesSecretArns.database, { DATABASE_USER: 'cs2app_clone' });
    secrets.create(env.valuesSecretArns.redis, { REDIS_PASSWORD: 'old' });
    expect(await atDeployment(deps())).toEqual({
      changed: ['database', 'redis'],
      restarted: ['cs2analytics-dev-api', 'cs2analytics-dev-parser'],
    });
    secrets.create(env.migrationLoginSecretArn, { username: 'cs2_migrator', password: 'changed' });
    expect(await atDeployment(deps())).toEqual({ changed: [], restarted: [] });
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.migrations).DATABASE_PASSWORD).toBe('changed');
  });

  test('at the first deployment the services (or even the cluster) do not exist yet: written, nothing restarted', async () => {
    deployedAt.clear();
    expect(await atDeployment(deps())).toEqual({ changed: [], restarted: [] });
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.redis).REDIS_PASSWORD).toBe('token-one-0123456789');
    for (const arn of Object.values(env.valuesSecretArns)) secrets.create(arn, { unwritten: 'x' });
    ecs.on(DescribeServicesCommand).rejects(Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' }));
    expect(await atDeployment(deps())).toEqual({ changed: [], restarted: [] });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  test('at a later deployment that changes a value (a new endpoint), the services that use it restart; the others do not', async () => {
    await writeConnectionValues(deps());
    const moved = { ...deps(), env: { ...deps().env, redisHost: 'jobs-new.example.internal' } };
    expect(await atDeployment(moved)).toEqual({ changed: ['redis'], restarted: ['cs2analytics-dev-parser'] });
    expect(await atDeployment(moved)).toEqual({ changed: [], restarted: [] });
  });

  test('a refresh that failed after writing the values restarts the API when it runs again', async () => {
    await writeConnectionValues(deps());
    secrets.create(env.appSecretArn, { username: 'cs2app_clone', logins: { cs2app: ARN('cs2app'), cs2app_clone: ARN('cs2app_clone') } });
    ecs.on(UpdateServiceCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(afterRotation(deps(), 'database')).rejects.toThrow('Rate exceeded');
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.database).DATABASE_USER).toBe('cs2app_clone');
    ecs.on(UpdateServiceCommand).callsFake(async ({ service }) => {
      deployedAt.set(service, new Date());
      return {};
    });
    expect(await afterRotation(deps(), 'database')).toEqual({ restarted: ['cs2analytics-dev-api'] });
  });

  test('after a database rotation: new values, then a rolling restart of the API alone', async () => {
    await writeConnectionValues(deps());
    secrets.create(env.appSecretArn, { username: 'cs2app_clone', logins: { cs2app: ARN('cs2app'), cs2app_clone: ARN('cs2app_clone') } });
    expect(await afterRotation(deps(), 'database')).toEqual({ restarted: ['cs2analytics-dev-api'] });
    expect(ecs.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input)).toEqual([
      { cluster: 'cs2analytics-dev', service: 'cs2analytics-dev-api', forceNewDeployment: true },
    ]);
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.database).DATABASE_URL).toContain('cs2app_clone:other@');
    // The same event again (EventBridge delivers at least once): nothing to restart.
    expect(await afterRotation(deps(), 'database')).toEqual({ restarted: [] });
  });

  test('after a Redis rotation: the parser restarts, and once it runs on the new token the old one is dropped (SET)', async () => {
    await writeConnectionValues(deps());
    const rotator = localRedisRotator(secrets, redis);
    const token = secrets.startRotation(env.redisSecretArn);
    for (const name of STEPS)
      await rotate({ SecretId: env.redisSecretArn, ClientRequestToken: token, Step: name }, secrets.client, rotator, quiet);
    const result = await afterRotation(deps(), 'redis');
    expect(result).toEqual({ restarted: ['cs2analytics-dev-parser'], tokenSet: true });
    expect(elasticache.state.modifications).toEqual(['ROTATE', 'SET']);
    expect(redis.tokens).toEqual([secrets.current<{ token: string }>(env.redisSecretArn).token]);
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.redis).REDIS_PASSWORD).toBe(redis.tokens[0]);
  });

  test('two refreshes at once: a write made from credentials that moved on meanwhile is written again', async () => {
    await writeConnectionValues(deps());
    // A Redis rotation finishes while a database refresh is about to write what it read before.
    secrets.create(env.appSecretArn, { username: 'cs2app_clone', logins: { cs2app: ARN('cs2app'), cs2app_clone: ARN('cs2app_clone') } });
    secrets.beforeOnce.set(`PutSecretValue:${env.valuesSecretArns.database}`, () =>
      secrets.create(env.redisSecretArn, { token: 'token-two-0123456789' }),
    );
    expect(await writeConnectionValues(deps())).toEqual(['database', 'redis']);
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.database).DATABASE_USER).toBe('cs2app_clone');
    expect(secrets.current<Record<string, string>>(env.valuesSecretArns.redis).REDIS_PASSWORD).toBe('token-two-0123456789');
  });

  test('the old token is not dropped when the parser may run on other values than the current token', async () => {
    await writeConnectionValues(deps());
    const rotator = localRedisRotator(secrets, redis);
    const token = secrets.startRotation(env.redisSecretArn);
    for (const name of STEPS)
      await rotate({ SecretId: env.redisSecretArn, ClientRequestToken: token, Step: name }, secrets.client, rotator, quiet);
    // While the parser rolls out, another refresh writes values with the old token (read before the rotation).
    let stale = true;
    ecs.on(DescribeServicesCommand).callsFake(async ({ services }) => {
      if (stale) {
        stale = false;
        secrets.create(env.valuesSecretArns.redis, {
          ...secrets.current<Record<string, string>>(env.valuesSecretArns.redis),
          REDIS_PASSWORD: 'token-one-0123456789',
        });
      }
      return {
        services: services.map((name: string) => ({
          serviceName: name,
          status: 'ACTIVE',
          runningCount: 2,
          desiredCount: 2,
          deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED', createdAt: deployedAt.get(name) }],
        })),
      };
    });
    expect(await afterRotation(deps(), 'redis')).toMatchObject({ tokenSet: false });
    expect(redis.tokens).toHaveLength(2);
    expect(log).toContainEqual(
      expect.objectContaining({ event: 'token-set-deferred', reason: expect.stringContaining('may not run on the current token') }),
    );
  });

  test('a parser that does not become stable in time keeps both tokens working (SET deferred)', async () => {
    await writeConnectionValues(deps());
    secrets.create(env.redisSecretArn, { token: 'token-one-0123456789' });
    const token = secrets.startRotation(env.redisSecretArn);
    const rotator = localRedisRotator(secrets, redis);
    for (const name of STEPS)
      await rotate({ SecretId: env.redisSecretArn, ClientRequestToken: token, Step: name }, secrets.client, rotator, quiet);
    stable = false;
    expect(await afterRotation(deps(), 'redis')).toEqual({ restarted: ['cs2analytics-dev-parser'], tokenSet: false });
    expect(redis.tokens).toHaveLength(2);
    expect(log).toContainEqual(expect.objectContaining({ event: 'token-set-deferred' }));
  });

  test("knows which secret an event is about, in both of EventBridge's forms", () => {
    expect(
      rotatedSecret({ 'detail-type': 'Secret Label Updated', resources: [env.appSecretArn], detail: { labelUpdated: 'AWSCURRENT' } }),
    ).toBe(env.appSecretArn);
    expect(rotatedSecret({ detail: { eventName: 'RotationSucceeded', additionalEventData: { SecretId: env.redisSecretArn } } })).toBe(
      env.redisSecretArn,
    );
    expect(
      rotatedSecret({ 'detail-type': 'Secret Label Updated', resources: [env.appSecretArn], detail: { labelUpdated: 'AWSPREVIOUS' } }),
    ).toBeUndefined();
    expect(kindOf(env, env.appSecretArn)).toBe('database');
    expect(kindOf(env, env.redisSecretArn.replace(/-AbCdEf$/, ''))).toBe('redis');
    expect(kindOf(env, ARN('master'))).toBeUndefined();
    expect(
      requestedKind(env, {
        'detail-type': 'Secret Label Updated',
        resources: [env.redisSecretArn],
        detail: { labelUpdated: 'AWSCURRENT' },
      }),
    ).toBe('redis');
    expect(
      requestedKind(env, { 'detail-type': 'Secret Label Updated', resources: [ARN('master')], detail: { labelUpdated: 'AWSCURRENT' } }),
    ).toBeUndefined();
    // By hand, after a refresh that failed every retry (README).
    expect(requestedKind(env, { refresh: 'database' })).toBe('database');
    expect(requestedKind(env, { refresh: 'everything' })).toBeUndefined();
  });
});

describe('the connection-secret custom resource', () => {
  test('answers a Delete SUCCESS before reading anything, even with its settings missing, so that a stack delete never hangs', async () => {
    // The first try meets a 503, as S3 sometimes answers: the answer is sent again.
    const endpoint = await responseEndpoint([503]);
    try {
      await refreshHandler({
        RequestType: 'Delete',
        ResponseURL: endpoint.url,
        StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/Cs2Analytics-dev-services/1',
        RequestId: 'request-1',
        LogicalResourceId: 'ConnectionsWritten',
        PhysicalResourceId: 'connection-secret',
      });
      expect(await endpoint.received).toMatchObject({ method: 'PUT', Status: 'SUCCESS', PhysicalResourceId: 'connection-secret' });
      expect(endpoint.attempts()).toBe(2);
    } finally {
      endpoint.close();
    }
  });
});
