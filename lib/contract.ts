/**
 * Values the CDK app and the Lambda functions must agree on. No import here: the functions' bundles
 * take this file as it is, without the CDK.
 */

/**
 * The PostgreSQL advisory lock under which an app login's password changes, in the database and in
 * its secret together: held by the rotation (lambda/credential-rotation) and by the deploy-time run
 * (lambda/partition-maintenance), so neither sets a password the other has just replaced.
 */
export const LOGIN_PASSWORDS_LOCK_KEY = 7_210_351_000_002;

/** Characters generated passwords leave out: those that need escaping in URLs, shells or SQL literals. */
export const PASSWORD_EXCLUDED_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\=,^';

/** The services stack's custom resource that has the partition-maintenance function convert the tables after the migrations. */
export const TABLE_CONVERSION_RESOURCE_TYPE = 'Custom::TableConversion';

/** Where the partition-maintenance function publishes its metrics (embedded metric format). */
export const MAINTENANCE_METRICS_NAMESPACE = 'CS2Analytics/PartitionMaintenance';

/** Metrics of a pass per table (dimension `Table`: `<schema>.<table>`), and of the pass as a whole. */
export const MAINTENANCE_TABLE_METRICS = [
  'PartitionsCreated',
  'PartitionsRetired',
  'RowsArchived',
  'LockRetries',
  'Errors',
  'Waiting',
  'Converted',
  'MonthsAhead',
] as const;
export const MAINTENANCE_PASS_METRICS = ['DurationMs', 'Succeeded', 'Skipped', 'TablesWaiting'] as const;
export type MaintenanceMetric = (typeof MAINTENANCE_TABLE_METRICS)[number] | (typeof MAINTENANCE_PASS_METRICS)[number];

/** The key prefix of archived partitions in the archive bucket: `<prefix>/<schema>/<table>/<partition>.csv`. */
export const ARCHIVE_PREFIX = 'partitions';

/** The partition-maintenance function's environment variables, by what each holds. */
export const MAINTENANCE_ENVIRONMENT = {
  environment: 'ENVIRONMENT',
  databaseHost: 'DB_HOST',
  databasePort: 'DB_PORT',
  databaseName: 'DB_NAME',
  databaseSecretArn: 'DB_SECRET_ARN',
  /**
   * JSON: { owner, runtimeRole, logins: [{ username, secretArn }], migrationLogin: { username, secretArn,
   * connectionLimit }, connectionLimit } (sql/005_least_privilege_roles.sql). `owner` (cs2_owner, NOLOGIN)
   * owns the app's objects; `runtimeRole` (cs2_runtime, NOLOGIN) may only read and write their rows;
   * `logins` (the app's two, rotated between) are members of `runtimeRole` alone, `connectionLimit`
   * connections each; `migrationLogin` (cs2_migrator) is a member of `owner` and becomes it at login, for
   * the app's migrations, with a connection limit of its own. Each `secretArn` holds that login's
   * `{ username, password }`.
   */
  appRoles: 'APP_ROLES',
  databaseEngine: 'DB_ENGINE',
  databaseIdentifier: 'DB_IDENTIFIER',
  /** `verify-full` or `disable`. */
  databaseTls: 'DB_TLS',
  /** JSON: [{ schema, table, column, futureMonths, retentionMonths, archive, convertIfPlain }]. */
  tables: 'TABLES',
  archiveBucket: 'ARCHIVE_BUCKET',
  archiveRegion: 'ARCHIVE_REGION',
  lockTimeoutMs: 'LOCK_TIMEOUT_MS',
  metricsNamespace: 'METRICS_NAMESPACE',
} as const;

/** The connection-refresh function's environment variables (lambda/credential-refresh), by what each holds. */
export const REFRESH_ENVIRONMENT = {
  appSecretArn: 'APP_SECRET_ARN',
  redisSecretArn: 'REDIS_SECRET_ARN',
  databaseName: 'DB_NAME',
  proxyHost: 'PROXY_ADDRESS',
  proxyPort: 'PROXY_PORT',
  readerHost: 'READER_ADDRESS',
  readerPort: 'READER_PORT',
  redisHost: 'REDIS_HOST',
  redisPort: 'REDIS_PORT',
  replicationGroupId: 'REPLICATION_GROUP_ID',
  /** The ECS cluster's name. */
  cluster: 'CLUSTER',
  /** JSON: the names of the ECS services to restart. */
  services: 'SERVICES',
  /** JSON: { database, redis, migrations }: the ARN of the secret each kind of client reads. */
  valuesSecretArns: 'VALUES_SECRET_ARNS',
  /** The migration login's own secret (JSON: username, password). */
  migrationLoginSecretArn: 'MIGRATION_LOGIN_SECRET_ARN',
} as const;

/** The rotation functions' environment variables (lambda/credential-rotation), by what each holds. */
export const ROTATION_ENVIRONMENT = {
  /** The secret of the connection values made of the rotated credential, checked before a rotation starts (caught-up.ts). */
  connectionValuesSecretName: 'CONNECTION_VALUES_SECRET_NAME',
  /** The kind of credential the function rotates (`database`, `redis`): its services and staging label. */
  credentialKind: 'CREDENTIAL_KIND',
  cluster: 'CLUSTER',
  services: 'SERVICES',
  databaseTls: 'DB_TLS',
  replicationGroupId: 'REPLICATION_GROUP_ID',
  redisHost: 'REDIS_HOST',
  redisPort: 'REDIS_PORT',
  redisTls: 'REDIS_TLS',
} as const;
