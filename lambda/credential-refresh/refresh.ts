import { DescribeServicesCommand, UpdateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { DescribeReplicationGroupsCommand, ModifyReplicationGroupCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ListSecretVersionIdsCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AppCredentials } from '../shared/app-credentials';
import { redisAcceptsToken } from '../shared/redis-auth';
import { secretJson } from '../shared/secrets';
import { waitFor } from '../shared/wait-for';
import { REFRESH_ENVIRONMENT as REFRESH } from '../../lib/contract';

/**
 * Keeps the clients' connection values in step with the rotated credentials, and restarts exactly
 * the services that use what changed. Each kind of client has a secret of its own values, under the
 * names the original apps read (DATABASE_URL with the credentials inside, REDIS_URL with the token),
 * so that unmodified images work; ECS injects them as secrets when a task starts.
 */

export type CredentialKind = 'database' | 'redis';
/** The kinds of client, each with a secret of its own values (lib/constructs/connection-secret.ts). */
export type ClientKind = CredentialKind | 'migrations';

export interface RefreshEnvironment {
  readonly appSecretArn: string;
  readonly redisSecretArn: string;
  readonly databaseName: string;
  readonly proxyHost: string;
  readonly proxyPort: number;
  readonly readerHost: string;
  readonly readerPort: number;
  readonly redisHost: string;
  readonly redisPort: number;
  readonly replicationGroupId: string;
  readonly cluster: string;
  /** The services that use each kind of credential. */
  readonly services: Readonly<Record<CredentialKind, readonly string[]>>;
  /** The secret each kind of client reads its values from. */
  readonly valuesSecretArns: Readonly<Record<ClientKind, string>>;
  readonly migrationLoginSecretArn: string;
}

export interface RefreshDependencies {
  readonly env: RefreshEnvironment;
  readonly secrets: Pick<SecretsManagerClient, 'send'>;
  readonly ecs: Pick<ECSClient, 'send'>;
  readonly elasticache: Pick<ElastiCacheClient, 'send'>;
  /** Redis reached over TLS (ElastiCache); tests use a plain socket. @default true */
  readonly redisTls?: boolean;
  readonly log: (entry: Record<string, unknown>) => void;
  /** How long restarted services may take to become stable. @default 12 minutes */
  readonly stableWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export function readRefreshEnvironment(variables: NodeJS.ProcessEnv): RefreshEnvironment {
  const required = (name: string): string => {
    const value = variables[name];
    if (!value) throw new Error(`environment variable ${name} is required`);
    return value;
  };
  return {
    appSecretArn: required(REFRESH.appSecretArn),
    redisSecretArn: required(REFRESH.redisSecretArn),
    databaseName: required(REFRESH.databaseName),
    proxyHost: required(REFRESH.proxyHost),
    proxyPort: Number(required(REFRESH.proxyPort)),
    readerHost: required(REFRESH.readerHost),
    readerPort: Number(required(REFRESH.readerPort)),
    redisHost: required(REFRESH.redisHost),
    redisPort: Number(required(REFRESH.redisPort)),
    replicationGroupId: required(REFRESH.replicationGroupId),
    cluster: required(REFRESH.cluster),
    services: JSON.parse(required(REFRESH.services)),
    valuesSecretArns: JSON.parse(required(REFRESH.valuesSecretArns)),
    migrationLoginSecretArn: required(REFRESH.migrationLoginSecretArn),
  };
}

interface Login {
  readonly username: string;
  readonly password: string;
}

/** A login's URL through the proxy (or the readers); credentials URL-encoded inside. */
function databaseUrl(env: RefreshEnvironment, login: Login, host: string, port: number): string {
  const credentials = `${encodeURIComponent(login.username)}:${encodeURIComponent(login.password)}`;
  return `postgresql://${credentials}@${host}:${port}/${env.databaseName}?sslmode=require`;
}

/** The connection values of each kind of client, under the names the apps read. */
export function connectionValues(
  env: RefreshEnvironment,
  app: Login,
  token: string,
  migration: Login,
): Record<ClientKind, Record<string, string>> {
  return {
    database: {
      DATABASE_URL: databaseUrl(env, app, env.proxyHost, env.proxyPort),
      DATABASE_READ_URL: databaseUrl(env, app, env.readerHost, env.readerPort),
      DATABASE_USER: app.username,
      DATABASE_PASSWORD: app.password,
    },
    redis: {
      REDIS_URL: `rediss://:${encodeURIComponent(token)}@${env.redisHost}:${env.redisPort}/0`,
      REDIS_PASSWORD: token,
    },
    migrations: {
      DATABASE_URL: databaseUrl(env, migration, env.proxyHost, env.proxyPort),
      DATABASE_USER: migration.username,
      DATABASE_PASSWORD: migration.password,
    },
  };
}

/** Which credential an ARN or name from an event is, if either. */
export function kindOf(env: RefreshEnvironment, secret: string): CredentialKind | undefined {
  // Events name a secret by its full ARN, or by a partial one (without the random suffix).
  const matches = (arn: string) => secret === arn || arn.startsWith(`${secret}-`);
  if (matches(env.appSecretArn)) return 'database';
  if (matches(env.redisSecretArn)) return 'redis';
  return undefined;
}

const CLIENT_KINDS: readonly ClientKind[] = ['database', 'redis', 'migrations'];
/** The key CloudFormation generates in a values secret before its first write (lib/constructs/connection-secret.ts). */
const UNWRITTEN = 'unwritten';

/** The connection values the current credentials make. */
async function currentValues(deps: RefreshDependencies): Promise<Record<ClientKind, Record<string, string>>> {
  const { env, secrets } = deps;
  const app = await secretJson<AppCredentials>(secrets, env.appSecretArn);
  // The login's own secret holds its password (the one RDS Proxy knows it by).
  const login = await secretJson<{ username: string; password: string }>(secrets, app.logins[app.username]);
  if (login.username !== app.username || !login.password) throw new Error(`the secret of ${app.username} holds no password for it`);
  const { token } = await secretJson<{ token: string }>(secrets, env.redisSecretArn);
  const migration = await secretJson<{ username: string; password: string }>(secrets, env.migrationLoginSecretArn);
  if (!migration.username || !migration.password) throw new Error('the migration login secret holds no username and password');
  return connectionValues(env, { username: app.username, password: login.password }, token, migration);
}

/**
 * Writes each kind of client's secret whose values differ from what the current credentials make;
 * returns the credentials whose values changed (a kind's first write, over what CloudFormation
 * generated, is none: the services running then use the same credentials, from before; and the
 * migration login's values restart nothing). Each write is a new current version: its creation time
 * is when that kind's values last changed, which a rotation of that credential and the restarts go by.
 * Two refreshes may run at once (a database and a Redis rotation, or the two events of one): each
 * reads the credentials again after its writes and writes again if they moved on meanwhile, so the
 * last write is always checked against the latest credentials (credentials only move forward).
 */
export async function writeConnectionValues(deps: RefreshDependencies): Promise<CredentialKind[]> {
  const { env, secrets } = deps;
  const changed = new Set<CredentialKind>();
  for (let attempt = 0; attempt < 5; attempt++) {
    // What is written first, the credentials then: a refresh that wrote meanwhile wrote credentials at
    // least as new as those read before it, so this one's view is never older than what it compares with.
    const current = new Map<ClientKind, Record<string, string>>();
    for (const kind of CLIENT_KINDS) {
      // A secret with no value yet reads as none; any other failure (throttling, the key) stops the refresh.
      const read = secretJson<Record<string, string>>(secrets, env.valuesSecretArns[kind]);
      current.set(kind, await read.catch((error: Error) => (error.name === 'ResourceNotFoundException' ? {} : Promise.reject(error))));
    }
    const next = await currentValues(deps);
    const differing = CLIENT_KINDS.filter((kind) => JSON.stringify(current.get(kind)) !== JSON.stringify(next[kind]));
    if (differing.length === 0) return [...changed];
    for (const kind of differing) {
      await secrets.send(new PutSecretValueCommand({ SecretId: env.valuesSecretArns[kind], SecretString: JSON.stringify(next[kind]) }));
      if (kind !== 'migrations' && !(UNWRITTEN in current.get(kind)!)) changed.add(kind);
    }
    deps.log({ event: 'connection-values-written', user: next.database.DATABASE_USER, written: differing });
  }
  throw new Error('the credentials kept changing while the connection values were written; run the refresh again');
}

/** When the connection values of each credential last changed: the creation time of its secret's current version. */
export async function valuesChangedAt(deps: RefreshDependencies): Promise<Record<CredentialKind, number>> {
  const kinds = Object.keys(deps.env.services) as CredentialKind[];
  const entries = await Promise.all(
    kinds.map(async (kind) => {
      const { Versions = [] } = await deps.secrets.send(new ListSecretVersionIdsCommand({ SecretId: deps.env.valuesSecretArns[kind] }));
      const current = Versions.find((version) => version.VersionStages?.includes('AWSCURRENT'));
      return [kind, current?.CreatedDate?.getTime() ?? Date.now()] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<CredentialKind, number>;
}

/**
 * Forces a new deployment of each service of `kinds` whose newest deployment is older than the last
 * change of the connection values it uses (of any kind it uses): a state check, not a memory of what
 * this function did, so a duplicate event restarts nothing twice and a run that failed half-way
 * restarts what it had not. Services that do not exist yet (the first deployment) start on the
 * current values anyway. A service is never restarted for another credential's change.
 */
export async function restartStale(deps: RefreshDependencies, kinds: readonly CredentialKind[], because: string): Promise<string[]> {
  const { env } = deps;
  const services = [...new Set(kinds.flatMap((kind) => env.services[kind]))];
  if (services.length === 0) return [];
  const changedAt = await valuesChangedAt(deps);
  const valuesSince = (service: string) =>
    Math.max(
      ...(Object.keys(env.services) as CredentialKind[])
        .filter((kind) => env.services[kind].includes(service))
        .map((kind) => changedAt[kind]),
    );
  const { services: described = [] } = await deps.ecs
    .send(new DescribeServicesCommand({ cluster: env.cluster, services: [...services] }))
    // No cluster yet is no service yet.
    .catch((error: Error) => (error.name === 'ClusterNotFoundException' ? { services: [] } : Promise.reject(error)));
  const restarted: string[] = [];
  for (const service of services) {
    const found = described.find((candidate) => candidate.serviceName === service && candidate.status === 'ACTIVE');
    if (!found) continue;
    const newest = Math.max(0, ...(found.deployments ?? []).map((deployment) => deployment.createdAt?.getTime() ?? 0));
    if (newest >= valuesSince(service)) continue;
    await deps.ecs.send(new UpdateServiceCommand({ cluster: env.cluster, service, forceNewDeployment: true }));
    deps.log({ event: 'restarted', service, because });
    restarted.push(service);
  }
  return restarted;
}

/** At a deployment: the values written, and the running services that use changed ones restarted. */
export async function atDeployment(deps: RefreshDependencies): Promise<{ changed: CredentialKind[]; restarted: string[] }> {
  const changed = await writeConnectionValues(deps);
  return { changed, restarted: await restartStale(deps, changed, 'connection values changed at deployment') };
}

/**
 * After a rotation: new connection values, a rolling restart of the services that use the rotated
 * credential (new tasks read the new values; running ones keep working on the previous ones, which
 * rotation left valid), and, for the Redis token, once they run on the new one, SET: the old token
 * stops working.
 */
export async function afterRotation(deps: RefreshDependencies, kind: CredentialKind): Promise<{ restarted: string[]; tokenSet?: boolean }> {
  // Another refresh may have moved another credential's label meanwhile (a write that raced it): the
  // services of every kind this one wrote are checked too, so none is left older than its values.
  const changed = await writeConnectionValues(deps);
  const restarted = await restartStale(deps, [...new Set([kind, ...changed])], `${kind} credentials rotated`);
  if (kind !== 'redis') return { restarted };
  return { restarted, tokenSet: await setTokenOnceStable(deps, deps.env.services.redis) };
}

async function setTokenOnceStable(deps: RefreshDependencies, services: readonly string[]): Promise<boolean> {
  const { env } = deps;
  const previous = await secretJson<{ token: string }>(deps.secrets, env.redisSecretArn, { VersionStage: 'AWSPREVIOUS' }).catch(
    () => undefined,
  );
  const accepts = (token: string) => redisAcceptsToken({ host: env.redisHost, port: env.redisPort, token, tls: deps.redisTls ?? true });
  // Nothing to take away: the previous token is refused already (an earlier run set it).
  if (!previous || !(await accepts(previous.token))) return false;
  if (!(await servicesAndRedisStable(deps, services))) return false;
  const token = await tokenTheParserRunsOn(deps, services);
  if (token === undefined) return false;
  // Another run may have set it meanwhile.
  if (!(await accepts(previous.token))) return false;
  return setToken(deps, token);
}

/** Whether the services finished rolling onto the new token and the replication group can take a change. */
async function servicesAndRedisStable(deps: RefreshDependencies, services: readonly string[]): Promise<boolean> {
  const { env } = deps;
  // One budget for both waits, within the function's 15 minutes.
  const options = { timeoutMs: deps.stableWaitMs ?? 720_000, intervalMs: 15_000, sleep: deps.sleep };
  const deadline = Date.now() + options.timeoutMs;
  try {
    await waitFor(
      `${services.join(', ')} to run on the new token`,
      async () => {
        const { services: described = [] } = await deps.ecs.send(
          new DescribeServicesCommand({ cluster: env.cluster, services: [...services] }),
        );
        return (
          described.length === services.length &&
          described.every(
            (service) =>
              (service.deployments ?? []).length === 1 &&
              service.deployments![0].rolloutState === 'COMPLETED' &&
              service.runningCount === service.desiredCount,
          )
        );
      },
      options,
    );
    await waitFor(
      `replication group ${env.replicationGroupId} to be available`,
      async () => {
        const { ReplicationGroups = [] } = await deps.elasticache.send(
          new DescribeReplicationGroupsCommand({ ReplicationGroupId: env.replicationGroupId }),
        );
        return ReplicationGroups[0]?.Status === 'available';
      },
      { ...options, timeoutMs: Math.max(0, deadline - Date.now()) },
    );
    return true;
  } catch (error) {
    // The old token stays valid until the next rotation's ROTATE drops it: nothing breaks meanwhile.
    deps.log({ event: 'token-set-deferred', reason: (error as Error).message });
    return false;
  }
}

/**
 * The current token, only if the parser runs on exactly it: another refresh may have written the
 * Redis values meanwhile (then it restarts the parser and decides for itself).
 */
async function tokenTheParserRunsOn(deps: RefreshDependencies, services: readonly string[]): Promise<string | undefined> {
  const { env } = deps;
  const { token } = await secretJson<{ token: string }>(deps.secrets, env.redisSecretArn);
  const values = await secretJson<Record<string, string>>(deps.secrets, env.valuesSecretArns.redis);
  // Since the Redis values last changed: a later write for the database leaves the parser as it is.
  const redisValuesSince = (await valuesChangedAt(deps)).redis;
  const { services: described = [] } = await deps.ecs.send(new DescribeServicesCommand({ cluster: env.cluster, services: [...services] }));
  const startedAfter = described.every((service) =>
    (service.deployments ?? []).every((deployment) => (deployment.createdAt?.getTime() ?? 0) >= redisValuesSince),
  );
  if (values.REDIS_PASSWORD !== token || !startedAfter) {
    deps.log({ event: 'token-set-deferred', reason: 'the parser may not run on the current token yet' });
    return undefined;
  }
  return token;
}

async function setToken(deps: RefreshDependencies, token: string): Promise<boolean> {
  const { env } = deps;
  try {
    await deps.elasticache.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: env.replicationGroupId,
        AuthToken: token,
        AuthTokenUpdateStrategy: 'SET',
        ApplyImmediately: true,
      }),
    );
  } catch (error) {
    // The other event of the same rotation, setting it at the same moment.
    if ((error as Error).name !== 'InvalidReplicationGroupStateFault') throw error;
    deps.log({ event: 'token-set-deferred', reason: (error as Error).message });
    return false;
  }
  deps.log({ event: 'token-set', replicationGroupId: env.replicationGroupId });
  return true;
}
