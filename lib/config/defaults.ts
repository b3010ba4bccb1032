import type { DeepPartial } from './merge';
import type { EnvironmentSettings } from './schema';

/**
 * What every environment has in common, stated once: a value lives here when dev, staging and prod
 * agree on it, and in ./environments.ts (all three environments) when they do not. Changing a value
 * here changes every environment; to make one environment differ, move the field to the overrides.
 */
export const SHARED_DEFAULTS = {
  region: 'eu-west-1',
  owner: 'platform-team',
  database: {
    postgresVersion: '17.9',
    maxConnections: 250,
    credentialRotationDays: 30,
    appConnectionLimit: 200,
    /**
     * RDS Proxy pool settings carried over from the original PgBouncer (POOL_MODE=transaction,
     * DEFAULT_POOL_SIZE=25, MAX_CLIENT_CONN=500), against database.maxConnections = 250:
     * - maxIdleConnectionsPercent 10: 10 % of 250 keeps the 25 warm server connections DEFAULT_POOL_SIZE kept;
     * - maxConnectionsPercent 90: the proxy may open up to 225, leaving 25 for the maintenance job,
     *   credential rotation and an operator's psql session (PgBouncer could never exceed its pools either);
     * - borrowTimeoutSeconds 120: a client waits as long as PgBouncer's query_wait_timeout (120 s) for a connection;
     * - idleClientTimeoutSeconds 1800: idle client connections are closed after 30 minutes, which bounds
     *   the client side that MAX_CLIENT_CONN capped (the proxy itself accepts far more than 500 clients).
     * Transaction pooling needs no setting: RDS Proxy multiplexes at transaction boundaries unless a
     * session pins its connection.
     */
    proxy: {
      maxConnectionsPercent: 90,
      maxIdleConnectionsPercent: 10,
      borrowTimeoutSeconds: 120,
      idleClientTimeoutSeconds: 1800,
    },
  },
  cache: { engine: 'redis', engineVersion: '7.1', authTokenRotationDays: 30 },
  /** The demo-files volume: every container that mounts it runs as this user (see the services tier). */
  fileSystem: { uid: 1000, gid: 1000, transitionToInfrequentAccessDays: 30 },
  // The original defaults: ARCHIVAL_ENABLED=true, ARCHIVAL_THRESHOLD_MONTHS=6.
  archival: { enabled: true, thresholdMonths: 6 },
  maintenance: {
    futureMonths: 3,
    scheduleHourUtc: 3,
    lockTimeoutMs: 200,
    /** The table the original partitioning SQL was written for, as Prisma names it. */
    tables: [{ schema: 'public', table: 'GameEvent', column: 'createdAt' }],
  },
  /** Image tags: override per deploy with -c images.api.tag=1.4.2 (tags are immutable in ECR). */
  images: { web: { tag: '0.1.0' }, api: { tag: '0.1.0' }, parser: { tag: '0.1.0' } },
  /** The app's Prisma migrations, at every deploy that changes the API image (README, First deploy). */
  migrations: { enabled: true, command: ['npx', 'prisma', 'migrate', 'deploy'], timeoutMinutes: 30 },
  loadBalancer: { idleTimeoutSeconds: 600 },
  monitoring: { redisEvictions: 1 },
  services: {
    apiPathPattern: '/api/*',
    web: { port: 3000, healthCheckPath: '/', healthCheck: 'node' },
    api: { port: 3001, healthCheckPath: '/api/health', healthCheck: 'node' },
    parser: { port: 8001, healthCheckPath: '/health', healthCheck: 'python', workers: 2, stopTimeoutSeconds: 120 },
  },
} satisfies DeepPartial<EnvironmentSettings>;
