import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, type ClientConfig } from 'pg';
import { connectAsMaster } from '../shared/master-login';
import { ensureAppRoles, syncLoginPasswords, type AppRolesOutcome } from './app-roles';
import { installSql } from './install';
import { logEvent, runConversion, runMaintenance, type ConversionOutcome } from './maintain';
import type { PassSummary, TableSettings } from './pass';
import { ARCHIVE_PREFIX, MAINTENANCE_ENVIRONMENT as ENV, MAINTENANCE_METRICS_NAMESPACE, type MaintenanceMetric } from '../../lib/contract';

/** The job's settings, as the stack hands them to the function's environment. */
export interface JobEnvironment {
  readonly environment: string;
  /** The writer's own address (not the proxy): the pass needs a real session. */
  readonly databaseHost: string;
  readonly databasePort: number;
  readonly databaseName: string;
  readonly databaseSecretArn: string;
  readonly databaseEngine: 'aurora' | 'instance';
  /** DBClusterIdentifier (aurora) or DBInstanceIdentifier (instance), for the pre-flight. */
  readonly databaseIdentifier: string;
  /** `verify-full`: TLS, certificate checked against the RDS CA bundle the runtime ships. */
  readonly databaseTls: 'verify-full' | 'disable';
  readonly tables: readonly TableSettings[];
  readonly archiveBucket?: string;
  readonly archiveRegion?: string;
  readonly lockTimeoutMs?: number;
  readonly metricsNamespace: string;
  /** The app's database roles, kept up to date at every deployment. @default - none */
  readonly appRoles?: AppRolesSettings;
}

/** The app's database roles as APP_ROLES names them (see sql/005_least_privilege_roles.sql). */
export interface AppRolesSettings {
  /** The NOLOGIN role that owns the app's objects. */
  readonly owner: string;
  /** The NOLOGIN role with what serving requests needs (DML, no DDL). */
  readonly runtimeRole: string;
  /** The logins the app serves requests as, each with the secret that holds its password. */
  readonly logins: readonly { readonly username: string; readonly secretArn: string }[];
  /** The login the app's migrations run as (a member of the owner role), its secret and connection limit. */
  readonly migrationLogin: { readonly username: string; readonly secretArn: string; readonly connectionLimit: number };
  /** Connections each of `logins` may hold at once. */
  readonly connectionLimit: number;
}

export interface JobDependencies {
  readonly env: JobEnvironment;
  readonly rds: Pick<RDSClient, 'send'>;
  readonly secrets: Pick<SecretsManagerClient, 'send'>;
  readonly now?: Date;
  /** Where log lines and metric records go. @default console.log */
  readonly write?: (line: string) => void;
}

/**
 * Statuses in which RDS keeps the database serving connections, besides `available`: backing up (AWS
 * Backup's daily recovery point may still run when the pass starts), optimizing its storage (hours,
 * after a storage change), changing its monitoring or log exports. Every run connects then; only a
 * database that is not serving (rebooting, upgrading, modifying) skips the pass.
 */
const SERVING_STATUSES = /^(backing-up|storage-optimization|configuring-[a-z-]+)$/;

export type JobResult = PassSummary | { status: 'skipped'; reason: string };

/** Reads and checks the function's environment variables. */
export function readJobEnvironment(variables: NodeJS.ProcessEnv): JobEnvironment {
  const required = (name: string): string => {
    const value = variables[name];
    if (!value) throw new Error(`environment variable ${name} is required`);
    return value;
  };
  const engine = required(ENV.databaseEngine);
  if (engine !== 'aurora' && engine !== 'instance') throw new Error(`DB_ENGINE must be aurora or instance (got ${engine})`);
  const tls = variables[ENV.databaseTls] ?? 'verify-full';
  if (tls !== 'verify-full' && tls !== 'disable') throw new Error(`DB_TLS must be verify-full or disable (got ${tls})`);
  let tables: TableSettings[];
  try {
    tables = JSON.parse(required(ENV.tables));
  } catch (error) {
    throw new Error(`TABLES must be a JSON list of tables: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(tables) || tables.some((table) => !table.schema || !table.table || !table.column)) {
    throw new Error('TABLES must list objects with schema, table, column, futureMonths, retentionMonths, archive');
  }
  return {
    environment: required(ENV.environment),
    databaseHost: required(ENV.databaseHost),
    databasePort: Number(required(ENV.databasePort)),
    databaseName: required(ENV.databaseName),
    databaseSecretArn: required(ENV.databaseSecretArn),
    databaseEngine: engine,
    databaseIdentifier: required(ENV.databaseIdentifier),
    databaseTls: tls,
    tables,
    archiveBucket: variables[ENV.archiveBucket] || undefined,
    archiveRegion: variables[ENV.archiveRegion] || undefined,
    lockTimeoutMs: variables[ENV.lockTimeoutMs] ? Number(variables[ENV.lockTimeoutMs]) : undefined,
    metricsNamespace: variables[ENV.metricsNamespace] ?? MAINTENANCE_METRICS_NAMESPACE,
    appRoles: variables[ENV.appRoles] ? parseAppRoles(variables[ENV.appRoles] as string) : undefined,
  };
}

const APP_ROLES_SHAPE =
  '{ owner, runtimeRole, logins: [{ username, secretArn }], migrationLogin: { username, secretArn, connectionLimit }, connectionLimit }';

/** Reads APP_ROLES; an error names the expected shape and what is wrong with this one. */
export function parseAppRoles(text: string): AppRolesSettings {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`APP_ROLES must be JSON ${APP_ROLES_SHAPE}: ${(error as Error).message}`, { cause: error });
  }
  const problems: string[] = [];
  const record = (candidate: unknown): Record<string, unknown> | undefined =>
    typeof candidate === 'object' && candidate !== null && !Array.isArray(candidate) ? (candidate as Record<string, unknown>) : undefined;
  const nonEmpty = (object: Record<string, unknown> | undefined, key: string, at: string) => {
    if (typeof object?.[key] !== 'string' || object[key] === '') problems.push(`${at}${key} must be a non-empty string`);
  };
  const limit = (object: Record<string, unknown> | undefined, key: string, at: string) => {
    const candidate = object?.[key];
    if (typeof candidate !== 'number' || !Number.isInteger(candidate) || candidate < 1)
      problems.push(`${at}${key} must be an integer of at least 1`);
  };
  const roles = record(value);
  if (!roles) {
    problems.push('it must be an object');
  } else {
    nonEmpty(roles, 'owner', '');
    nonEmpty(roles, 'runtimeRole', '');
    if (!Array.isArray(roles.logins) || roles.logins.length === 0) {
      problems.push('logins must be a non-empty list');
    } else {
      roles.logins.forEach((login, index) => {
        nonEmpty(record(login), 'username', `logins[${index}].`);
        nonEmpty(record(login), 'secretArn', `logins[${index}].`);
      });
    }
    const migration = record(roles.migrationLogin);
    if (!migration) {
      problems.push('migrationLogin must be an object');
    } else {
      nonEmpty(migration, 'username', 'migrationLogin.');
      nonEmpty(migration, 'secretArn', 'migrationLogin.');
      limit(migration, 'connectionLimit', 'migrationLogin.');
    }
    limit(roles, 'connectionLimit', '');
  }
  if (problems.length === 0) {
    const settings = value as AppRolesSettings;
    const names = [
      settings.owner,
      settings.runtimeRole,
      settings.migrationLogin.username,
      ...settings.logins.map((login) => login.username),
    ];
    if (new Set(names).size !== names.length)
      problems.push(`owner, runtimeRole, migrationLogin.username and the logins must be distinct (got ${names.join(', ')})`);
  }
  if (problems.length > 0) throw new Error(`APP_ROLES must be ${APP_ROLES_SHAPE}: ${problems.join('; ')}`);
  return value as AppRolesSettings;
}

/**
 * At deployment: creates or corrects the app's roles (owner, runtime role, logins, migration login)
 * and gives each login, the migration login included, the password its secret holds. Installs sql/
 * first (a pass may have been skipped).
 */
export async function syncAppRoles(deps: JobDependencies): Promise<'synced' | 'not configured'> {
  const { env } = deps;
  if (!env.appRoles) return 'not configured';
  const roles = env.appRoles;
  const { log } = outputs(deps);
  const connection = await connect(deps, log);
  // The services log in as these roles, right after this: a deployment that cannot set them up fails.
  if ('skipped' in connection)
    throw new Error(`the app's database roles were not set up: ${connection.skipped}; deploy again once the writer is available`);
  const secretOf = new Map([...roles.logins, roles.migrationLogin].map((login) => [login.username, login.secretArn]));
  const passwordOf = async (username: string) => {
    const secret = await deps.secrets.send(new GetSecretValueCommand({ SecretId: secretOf.get(username) }));
    const value = JSON.parse(secret.SecretString ?? '{}') as { username?: string; password?: string };
    if (value.username !== username || !value.password) throw new Error(`the secret of ${username} holds no password for it`);
    return value.password;
  };
  const usernames = roles.logins.map((login) => login.username);
  const client = new Client({ ...connection, application_name: 'cs2-partition-maintenance' });
  await client.connect();
  let outcome: AppRolesOutcome;
  try {
    await installSql(client);
    outcome = await ensureAppRoles(client, {
      owner: roles.owner,
      runtimeRole: roles.runtimeRole,
      logins: usernames.map((username) => ({ username })),
      migrationLogin: { username: roles.migrationLogin.username, connectionLimit: roles.migrationLogin.connectionLimit },
      connectionLimit: roles.connectionLimit,
    });
    await syncLoginPasswords(client, [...usernames, roles.migrationLogin.username], passwordOf);
  } finally {
    await client.end().catch(() => undefined);
  }
  log({
    event: 'app-roles-synced',
    owner: roles.owner,
    runtimeRole: roles.runtimeRole,
    logins: usernames,
    migrationLogin: roles.migrationLogin.username,
    // Sessions of logins that acted as the owner before (an upgrade): ended, or why not.
    ...(outcome.sessionsEnded.length ? { ownerSessionsEnded: outcome.sessionsEnded } : {}),
    ...(outcome.sessionsNotEnded ? { ownerSessionsNotEnded: outcome.sessionsNotEnded } : {}),
  });
  return 'synced';
}

/**
 * The scheduled job: pre-flight (is the writer `available`?), credentials from the database secret,
 * one pass, structured logs and CloudWatch metrics (embedded metric format: no API call needed).
 */
export async function runJob(deps: JobDependencies): Promise<JobResult> {
  const { env } = deps;
  const { write, log } = outputs(deps);
  const connection = await connect(deps, log);
  if ('skipped' in connection) {
    writeMetrics(write, env, [{ dimensions: {}, values: { Skipped: 1 } }]);
    return { status: 'skipped', reason: connection.skipped };
  }
  const summary = await runMaintenance(connection, {
    tables: env.tables,
    now: deps.now,
    archiveTarget: env.archiveBucket ? { bucket: env.archiveBucket, region: env.archiveRegion ?? '', prefix: ARCHIVE_PREFIX } : undefined,
    retry: env.lockTimeoutMs ? { lockTimeoutMs: env.lockTimeoutMs } : undefined,
    // The app's migrations create the tables after the first deploy: until then, nothing to do.
    missingTables: 'wait',
    log,
  });
  log({ event: 'summary', summary });
  writeMetrics(write, env, [
    ...summary.tables.map((table) => ({
      dimensions: { Table: `${table.schema}.${table.table}` },
      values: {
        PartitionsCreated: table.created.length,
        PartitionsRetired: table.retired.length,
        RowsArchived: table.archived.reduce((total, archived) => total + archived.rows, 0),
        LockRetries: table.lockRetries,
        Errors: table.errors.length,
        Waiting: table.waiting ? 1 : 0,
        Converted: table.converted ? 1 : 0,
        ...(table.monthsAhead === null ? {} : { MonthsAhead: table.monthsAhead }),
      },
    })),
    {
      dimensions: {},
      values: {
        DurationMs: summary.durationMs,
        Succeeded: summary.status === 'succeeded' ? 1 : 0,
        Skipped: summary.status === 'skipped' ? 1 : 0,
        TablesWaiting: summary.tables.filter((table) => table.waiting).length,
      },
    },
  ]);
  return summary;
}

export interface ConversionResult {
  readonly status: 'succeeded' | 'failed' | 'skipped';
  readonly reason?: string;
  readonly tables: ConversionOutcome[];
}

/**
 * The one-time conversion, run where the database is (an operator's `npm run convert`): every
 * configured table, or the one named `schema.table`.
 */
export async function runConversionJob(
  deps: JobDependencies,
  only?: string,
  options: { atDeployment?: boolean } = {},
): Promise<ConversionResult> {
  const { env } = deps;
  const { log } = outputs(deps);
  const tables = env.tables.filter((table) => only === undefined || `${table.schema}.${table.table}` === only);
  if (tables.length === 0) {
    throw new Error(
      `${only} is not a maintained table (configured: ${env.tables.map((table) => `${table.schema}.${table.table}`).join(', ')})`,
    );
  }
  const connection = await connect(deps, log);
  if ('skipped' in connection) return { status: 'skipped', reason: connection.skipped, tables: [] };
  const outcomes = await runConversion(connection, tables, {
    now: deps.now,
    retry: env.lockTimeoutMs ? { lockTimeoutMs: env.lockTimeoutMs } : undefined,
    log,
    atDeployment: options.atDeployment,
  });
  const result: ConversionResult = {
    status: outcomes.some((outcome) => outcome.status === 'failed') ? 'failed' : 'succeeded',
    tables: outcomes,
  };
  log({ event: 'conversion', result });
  return result;
}

function outputs(deps: JobDependencies) {
  // Raw stdout lines: with the function's JSON log format, console.log would wrap them and hide the
  // embedded-metric records from CloudWatch.
  const write = deps.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (event: Record<string, unknown>) => logEvent({ environment: deps.env.environment, ...event }, write);
  return { write, log };
}

/**
 * The writer's connection settings, with the credentials from the database secret; or why not to
 * connect at all (the pre-flight found the database not `available`).
 */
async function connect(deps: JobDependencies, log: (event: Record<string, unknown>) => void): Promise<ClientConfig | { skipped: string }> {
  const { env } = deps;
  const status = await databaseStatus(deps);
  if (status !== 'available' && !(status !== undefined && SERVING_STATUSES.test(status))) {
    const reason = `database ${env.databaseIdentifier} is ${status ?? 'not found'}, not serving`;
    log({ event: 'skipped', reason });
    return { skipped: reason };
  }
  // A deploy may run while the master password rotates: the login that works, found once.
  const { client, config, realignedFrom } = await connectAsMaster(deps.secrets, env.databaseSecretArn, (user, password) => ({
    host: env.databaseHost,
    port: env.databasePort,
    database: env.databaseName,
    user,
    password,
    // NODE_EXTRA_CA_CERTS points Node at the RDS CA bundle of the Lambda runtime.
    ssl: env.databaseTls === 'verify-full' ? { rejectUnauthorized: true, servername: env.databaseHost } : false,
    connectionTimeoutMillis: 10_000,
  }));
  await client.end();
  // A database restored to a point in time held an older master password: it has the current one now.
  if (realignedFrom) log({ event: 'master-password-realigned', from: realignedFrom });
  return config;
}

async function databaseStatus(deps: JobDependencies): Promise<string | undefined> {
  const { env } = deps;
  if (env.databaseEngine === 'aurora') {
    const result = await deps.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: env.databaseIdentifier }));
    return result.DBClusters?.[0]?.Status;
  }
  const result = await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: env.databaseIdentifier }));
  return result.DBInstances?.[0]?.DBInstanceStatus;
}

const UNITS: Partial<Record<MaintenanceMetric, string>> = { DurationMs: 'Milliseconds' };

/** CloudWatch embedded metric format: one JSON log line per dimension set becomes metrics. */
function writeMetrics(
  write: (line: string) => void,
  env: JobEnvironment,
  records: { dimensions: Record<string, string>; values: Partial<Record<MaintenanceMetric, number>> }[],
): void {
  for (const record of records) {
    const dimensions = { Environment: env.environment, ...record.dimensions };
    write(
      JSON.stringify({
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: env.metricsNamespace,
              Dimensions: [Object.keys(dimensions)],
              Metrics: (Object.keys(record.values) as MaintenanceMetric[]).map((name) => ({ Name: name, Unit: UNITS[name] ?? 'Count' })),
            },
          ],
        },
        ...dimensions,
        ...record.values,
      }),
    );
  }
}
