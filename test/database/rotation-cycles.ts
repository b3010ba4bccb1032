/**
 * Rotations over months: the app's database logins and the Redis token rotate on schedules of their
 * own, in either order on the same day (Secrets Manager picks the hour at random within the window),
 * and after each the refresh rewrites the connection values and restarts the services that use them.
 * This runs the real rotation and refresh modules (lambda/credential-rotation, lambda/credential-refresh)
 * against real PostgreSQL logins and a Redis stand-in, with Secrets Manager, ECS and ElastiCache faked
 * at the SDK client boundary, and checks what must hold at every step: a rotation may always start
 * once its own services have caught up, and every running task holds a credential that works.
 */
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { afterRotation, atDeployment, type CredentialKind, type RefreshDependencies } from '../../lambda/credential-refresh/refresh';
import { assertServicesCaughtUp } from '../../lambda/credential-rotation/caught-up';
import { postgresAppRotator } from '../../lambda/credential-rotation/postgres-app';
import type { AppCredentials } from '../../lambda/shared/app-credentials';
import { redisAcceptsToken } from '../../lambda/shared/redis-auth';
import { redisTokenRotator } from '../../lambda/credential-rotation/redis-token';
import { rotate, type Rotator, type RotationStep } from '../../lambda/credential-rotation/rotation';
import { FakeSecretsManager } from '../support/fake-secrets-manager';
import { ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { loginWorks } from '../support/postgres';
import { fakeElastiCache, type RedisStandIn } from '../support/redis-standin';

const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const ARN = (name: string) => `arn:aws:secretsmanager:eu-west-1:111111111111:secret:${name}-AbCdEf`;
const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

/** A task: the connection values it read from the secret when it started (ECS injects them then). */
interface Task {
  readonly values: Record<string, string>;
}

interface FakeService {
  readonly kinds: readonly CredentialKind[];
  tasks: Task[];
  deployments: { status: string; rolloutState: string; createdAt: Date }[];
}

export interface WorldOptions {
  readonly databaseUrl: string;
  readonly logins: readonly [string, string];
  readonly redis: RedisStandIn;
  /**
   * How a rotation decides its services caught up: by its own credential's values (the product),
   * by the connection secret's newest write whatever changed (the fault before the fix), or not at all.
   */
  readonly guard?: 'per-credential' | 'newest-write' | 'none';
}

/** One environment's credentials, services and tasks, driven one event at a time. */
export class RotationWorld {
  readonly secrets = new FakeSecretsManager();
  readonly ecs = mockClient(ECSClient);
  readonly elasticache: ReturnType<typeof fakeElastiCache>;
  readonly services = new Map<string, FakeService>();
  readonly log: string[] = [];
  private readonly master: { username: string; password: string };
  private readonly url: URL;

  constructor(private readonly options: WorldOptions) {
    this.url = new URL(options.databaseUrl);
    this.master = { username: decodeURIComponent(this.url.username), password: decodeURIComponent(this.url.password) };
    this.elasticache = fakeElastiCache(options.redis);
    this.services.set('api', { kinds: ['database'], tasks: [], deployments: [] });
    this.services.set('parser', { kinds: ['redis'], tasks: [], deployments: [] });
    this.ecs.on(DescribeServicesCommand).callsFake(async ({ services }) => ({
      services: (services as string[]).map((name) => {
        const service = this.services.get(name)!;
        return {
          serviceName: name,
          status: 'ACTIVE',
          desiredCount: 2,
          runningCount: service.tasks.length,
          deployments: service.deployments.map((deployment) => ({ ...deployment })),
        };
      }),
    }));
    this.ecs.on(UpdateServiceCommand).callsFake(async ({ service }) => {
      const found = this.services.get(service)!;
      for (const deployment of found.deployments) deployment.status = 'ACTIVE';
      found.deployments.unshift({ status: 'PRIMARY', rolloutState: 'IN_PROGRESS', createdAt: new Date() });
      return {};
    });
  }

  refreshDependencies(): RefreshDependencies {
    return {
      env: {
        appSecretArn: ARN('app'),
        redisSecretArn: ARN('redis'),
        databaseName: this.url.pathname.slice(1),
        proxyHost: this.url.hostname,
        proxyPort: Number(this.url.port),
        readerHost: this.url.hostname,
        readerPort: Number(this.url.port),
        redisHost: '127.0.0.1',
        redisPort: this.options.redis.port,
        replicationGroupId: 'jobs',
        cluster: 'cs2analytics-dev',
        services: { database: ['api'], redis: ['parser'] },
        valuesSecretArns: { database: ARN('values-database'), redis: ARN('values-redis'), migrations: ARN('values-migrations') },
        migrationLoginSecretArn: ARN('cs2_migrator'),
      },
      secrets: this.secrets.client,
      ecs: new ECSClient({}),
      elasticache: new ElastiCacheClient({}),
      redisTls: false,
      log: (entry) => this.log.push(JSON.stringify(entry)),
      stableWaitMs: 60_000,
      // Waiting is time passing: the rollouts in progress finish meanwhile.
      sleep: async () => this.settle(),
    };
  }

  /** The environment as a deployment leaves it: credentials, the connection values written, every service running on them. */
  async deploy(): Promise<void> {
    const [current, clone] = this.options.logins;
    this.secrets.create(ARN('master'), this.master);
    this.secrets.create(ARN(current), { username: current, password: `initial-${current}` });
    this.secrets.create(ARN(clone), { username: clone, password: `initial-${clone}` });
    const app: AppCredentials = {
      engine: 'postgres',
      username: current,
      dbname: this.url.pathname.slice(1),
      host: this.url.hostname,
      port: Number(this.url.port),
      proxyHost: this.url.hostname,
      proxyPort: Number(this.url.port),
      masterarn: ARN('master'),
      logins: { [current]: ARN(current), [clone]: ARN(clone) },
    };
    this.secrets.create(ARN('app'), app);
    this.secrets.create(ARN('redis'), { token: 'first-token-0123456789abcdef' });
    this.options.redis.tokens = ['first-token-0123456789abcdef'];
    this.secrets.create(ARN('cs2_migrator'), { username: 'cs2_migrator', password: 'initial-cs2_migrator' });
    // Created empty by CloudFormation (a generated placeholder), written by the refresh.
    for (const kind of ['database', 'redis', 'migrations']) this.secrets.create(ARN(`values-${kind}`), { unwritten: 'placeholder' });
    await atDeployment(this.refreshDependencies());
    for (const name of this.services.keys()) {
      await new ECSClient({}).send(new UpdateServiceCommand({ cluster: 'cs2analytics-dev', service: name }));
      await this.settle(name);
    }
    await tick();
  }

  /** Rollouts finish: the new deployment's tasks start on the current values of their kind (ECS reads the service's own secret), the old ones stop. */
  async settle(name?: string): Promise<void> {
    for (const [serviceName, service] of this.services) {
      if (name && serviceName !== name) continue;
      if (service.deployments.length === 1 && service.deployments[0].rolloutState === 'COMPLETED') continue;
      const values = this.secrets.current<Record<string, string>>(ARN(`values-${service.kinds[0]}`));
      service.tasks = [{ values }, { values }];
      service.deployments = [{ ...service.deployments[0], rolloutState: 'COMPLETED' }];
    }
    await tick();
  }

  private rotator(kind: CredentialKind): Rotator<unknown> {
    const secrets = this.secrets.client;
    if (kind === 'database')
      return postgresAppRotator({ secrets, tls: 'disable', proxyWaitMs: 0, sleep: async () => undefined }) as Rotator<unknown>;
    return redisTokenRotator({
      secrets,
      elasticache: new ElastiCacheClient({}),
      replicationGroupId: 'jobs',
      host: '127.0.0.1',
      port: this.options.redis.port,
      tls: false,
      modifyWaitMs: 0,
      sleep: async () => undefined,
    }) as Rotator<unknown>;
  }

  /** The values secret written last, of either credential. */
  private async newestValues(): Promise<string> {
    const writtenAt = async (arn: string) => {
      const { Versions = [] } = await this.secrets.client.send(new ListSecretVersionIdsCommand({ SecretId: arn }));
      return Versions.find((version) => version.VersionStages?.includes('AWSCURRENT'))?.CreatedDate?.getTime() ?? 0;
    };
    const [database, redis] = [ARN('values-database'), ARN('values-redis')];
    return (await writtenAt(database)) >= (await writtenAt(redis)) ? database : redis;
  }

  /** A scheduled rotation of one credential, all four steps, with the invariant checked after each. */
  async rotate(kind: CredentialKind): Promise<void> {
    const secretId = ARN(kind === 'database' ? 'app' : 'redis');
    const guard = this.options.guard ?? 'per-credential';
    const caughtUp =
      guard === 'none'
        ? undefined
        : async () =>
            assertServicesCaughtUp({
              secrets: this.secrets.client,
              ecs: new ECSClient({}),
              rotatedSecretId: secretId,
              kind,
              // The fault: the newest write of any credential's values, whatever it changed.
              connectionValuesSecretId: guard === 'per-credential' ? ARN(`values-${kind}`) : await this.newestValues(),
              cluster: 'cs2analytics-dev',
              services: [...this.services].filter(([, service]) => service.kinds.includes(kind)).map(([name]) => name),
            });
    const token = this.secrets.startRotation(secretId);
    for (const step of STEPS) {
      await rotate(
        { SecretId: secretId, ClientRequestToken: token, Step: step },
        this.secrets.client,
        this.rotator(kind),
        () => undefined,
        caughtUp,
      );
      await this.assertTasksLogIn(`${kind} rotation, ${step}`);
    }
    await tick();
  }

  /** The refresh EventBridge runs after a rotation of `kind`. */
  async refresh(kind: CredentialKind): Promise<void> {
    await afterRotation(this.refreshDependencies(), kind);
    await this.assertTasksLogIn(`refresh after the ${kind} rotation`);
    await tick();
  }

  /** Every running task's credentials work: its database login, its Redis token. */
  async assertTasksLogIn(when: string): Promise<void> {
    for (const [name, service] of this.services) {
      for (const task of service.tasks) {
        if (
          service.kinds.includes('database') &&
          !(await loginWorks(this.options.databaseUrl, task.values.DATABASE_USER, task.values.DATABASE_PASSWORD))
        )
          throw new Error(`after the ${when}, a running ${name} task's database login ${task.values.DATABASE_USER} is refused`);
        if (
          service.kinds.includes('redis') &&
          !(await redisAcceptsToken({ host: '127.0.0.1', port: this.options.redis.port, token: task.values.REDIS_PASSWORD, tls: false }))
        )
          throw new Error(`after the ${when}, a running ${name} task's Redis token is refused`);
      }
    }
  }

  dispose(): void {
    this.secrets.reset();
    this.ecs.restore();
    this.elasticache.mock.restore();
  }
}
