import type { EnvironmentName, EnvironmentSettings } from './schema';

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
const PGBOUNCER_EQUIVALENT_POOL = {
  maxConnectionsPercent: 90,
  maxIdleConnectionsPercent: 10,
  borrowTimeoutSeconds: 120,
  idleClientTimeoutSeconds: 1800,
};

/** The table the original partitioning SQL was written for, as Prisma names it. */
const GAME_EVENTS = [{ schema: 'public', table: 'GameEvent', column: 'createdAt' }];

/** The app's Prisma migrations, at every deploy that changes the API image (README, First deploy). */
const MIGRATIONS = { enabled: true, command: ['npx', 'prisma', 'migrate', 'deploy'], timeoutMinutes: 30 };

/** Image tags: override per deploy with -c images.api.tag=1.4.2 (tags are immutable in ECR). */
const IMAGES = { web: { tag: '0.1.0' }, api: { tag: '0.1.0' }, parser: { tag: '0.1.0' } };

/** The demo-files volume: every container that mounts it runs as this user (see the services tier). */
const DEMO_FILES = { uid: 1000, gid: 1000, transitionToInfrequentAccessDays: 30 };

/**
 * The three environments, side by side. Read a row across to see how they differ;
 * every value is validated by ./schema.ts before any stack is built.
 * Account ids are left out on purpose: they come from CDK_DEFAULT_ACCOUNT (your credentials)
 * unless you pin them here, which is recommended for staging and prod.
 */
export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentSettings> = {
  dev: {
    region: 'eu-west-1',
    owner: 'platform-team',
    terminationProtection: false,
    retainData: false,
    network: {
      cidr: '10.10.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      natGateways: 1,
      // Cost lever (docs/cost.md): a NAT instance instead of a NAT gateway. Not t4g.nano: dnf can
      // run out of its 512 MiB at boot while the SSM agent updates itself.
      natInstanceType: 't4g.micro',
      interfaceEndpoints: false,
      flowLogRetentionDays: 14,
    },
    database: {
      // Cost lever (docs/cost.md): RDS for PostgreSQL on the smallest Graviton class, where Aurora's
      // smallest (db.t4g.medium) costs 4.7 times as much; the proxy, endpoints and secrets are the same.
      engine: 'instance',
      postgresVersion: '17.9',
      readers: 0,
      instanceType: 't4g.micro',
      multiAz: false,
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 100,
      maxConnections: 250,
      backupRetentionDays: 7,
      logRetentionDays: 14,
      performanceInsightsRetentionDays: 7,
      monitoringIntervalSeconds: 60,
      credentialRotationDays: 30,
      appConnectionLimit: 200,
      proxy: PGBOUNCER_EQUIVALENT_POOL,
    },
    cache: {
      engine: 'redis',
      engineVersion: '7.1',
      nodeType: 'cache.t4g.micro',
      nodes: 1,
      automaticFailover: false,
      snapshotRetentionDays: 1,
      logRetentionDays: 14,
      authTokenRotationDays: 30,
    },
    fileSystem: DEMO_FILES,
    backup: { dailyRetentionDays: 7, monthlyRetentionDays: 0 },
    // The original defaults: ARCHIVAL_ENABLED=true, ARCHIVAL_THRESHOLD_MONTHS=6.
    archival: { enabled: true, thresholdMonths: 6 },
    maintenance: {
      futureMonths: 3,
      scheduleHourUtc: 3,
      lockTimeoutMs: 200,
      logRetentionDays: 14,
      convertPlainTables: true,
      tables: GAME_EVENTS,
    },
    images: IMAGES,
    migrations: MIGRATIONS,
    loadBalancer: { allowPlainHttp: true, idleTimeoutSeconds: 600, waf: false, deletionProtection: false, accessLogRetentionDays: 30 },
    monitoring: {
      alarmEmails: [],
      loadBalancer5xxPercent: 10,
      databaseCpuPercent: 90,
      databaseFreeableMemoryMiB: 256,
      databaseFreeStorageGiB: 5,
      replicaLagSeconds: 60,
      proxyPinnedSessions: 100,
      redisMemoryPercent: 90,
      redisEvictions: 1,
    },
    services: {
      execEnabled: true,
      logRetentionDays: 14,
      // Cost levers (docs/cost.md): nobody uses dev at night or at weekends, and an interrupted
      // Spot task there costs a minute of a developer's time.
      runHours: { startHourUtc: 6, stopHourUtc: 20, weekdaysOnly: true },
      apiPathPattern: '/api/*',
      web: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 2, spot: true, port: 3000, healthCheckPath: '/', healthCheck: 'node' },
      api: {
        cpu: 512,
        memoryMiB: 1024,
        minTasks: 1,
        maxTasks: 2,
        spot: true,
        port: 3001,
        healthCheckPath: '/api/health',
        healthCheck: 'node',
      },
      parser: {
        cpu: 1024,
        memoryMiB: 2048,
        minTasks: 1,
        maxTasks: 2,
        spot: true,
        port: 8001,
        healthCheckPath: '/health',
        healthCheck: 'python',
        workers: 2,
        // Dev parses a demo or two at a time: 30 GiB holds them (staging and prod keep 50).
        ephemeralStorageGiB: 30,
        stopTimeoutSeconds: 120,
      },
    },
  },
  staging: {
    region: 'eu-west-1',
    owner: 'platform-team',
    terminationProtection: false,
    retainData: true,
    network: {
      cidr: '10.20.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      natGateways: 1,
      interfaceEndpoints: true,
      flowLogRetentionDays: 90,
    },
    database: {
      engine: 'aurora',
      postgresVersion: '17.9',
      readers: 1,
      instanceType: 'r6g.large',
      maxConnections: 250,
      backupRetentionDays: 7,
      logRetentionDays: 90,
      performanceInsightsRetentionDays: 7,
      monitoringIntervalSeconds: 30,
      credentialRotationDays: 30,
      appConnectionLimit: 200,
      proxy: PGBOUNCER_EQUIVALENT_POOL,
    },
    cache: {
      engine: 'redis',
      engineVersion: '7.1',
      nodeType: 'cache.t4g.small',
      nodes: 1,
      automaticFailover: false,
      snapshotRetentionDays: 3,
      logRetentionDays: 90,
      authTokenRotationDays: 30,
    },
    fileSystem: DEMO_FILES,
    backup: { dailyRetentionDays: 14, monthlyRetentionDays: 90 },
    // The original defaults: ARCHIVAL_ENABLED=true, ARCHIVAL_THRESHOLD_MONTHS=6.
    archival: { enabled: true, thresholdMonths: 6 },
    maintenance: {
      futureMonths: 3,
      scheduleHourUtc: 3,
      lockTimeoutMs: 200,
      logRetentionDays: 90,
      convertPlainTables: true,
      tables: GAME_EVENTS,
    },
    images: IMAGES,
    migrations: MIGRATIONS,
    loadBalancer: { allowPlainHttp: true, idleTimeoutSeconds: 600, waf: true, deletionProtection: false, accessLogRetentionDays: 90 },
    monitoring: {
      alarmEmails: [],
      loadBalancer5xxPercent: 5,
      databaseCpuPercent: 80,
      databaseFreeableMemoryMiB: 512,
      databaseFreeStorageGiB: 10,
      replicaLagSeconds: 30,
      proxyPinnedSessions: 50,
      redisMemoryPercent: 85,
      redisEvictions: 1,
    },
    services: {
      execEnabled: true,
      logRetentionDays: 90,
      apiPathPattern: '/api/*',
      web: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 4, spot: false, port: 3000, healthCheckPath: '/', healthCheck: 'node' },
      api: {
        cpu: 512,
        memoryMiB: 1024,
        minTasks: 1,
        maxTasks: 4,
        spot: false,
        port: 3001,
        healthCheckPath: '/api/health',
        healthCheck: 'node',
      },
      parser: {
        cpu: 1024,
        memoryMiB: 2048,
        minTasks: 1,
        maxTasks: 4,
        spot: true,
        port: 8001,
        healthCheckPath: '/health',
        healthCheck: 'python',
        workers: 2,
        ephemeralStorageGiB: 50,
        stopTimeoutSeconds: 120,
      },
    },
  },
  prod: {
    region: 'eu-west-1',
    owner: 'platform-team',
    terminationProtection: true,
    retainData: true,
    network: {
      cidr: '10.30.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      natGateways: 3,
      interfaceEndpoints: true,
      flowLogRetentionDays: 365,
    },
    database: {
      engine: 'aurora',
      postgresVersion: '17.9',
      readers: 2,
      instanceType: 'r6g.xlarge',
      maxConnections: 250,
      backupRetentionDays: 30,
      logRetentionDays: 365,
      performanceInsightsRetentionDays: 31,
      monitoringIntervalSeconds: 15,
      credentialRotationDays: 30,
      appConnectionLimit: 200,
      proxy: PGBOUNCER_EQUIVALENT_POOL,
    },
    cache: {
      engine: 'redis',
      engineVersion: '7.1',
      nodeType: 'cache.r7g.large',
      nodes: 2,
      automaticFailover: true,
      snapshotRetentionDays: 15,
      logRetentionDays: 365,
      authTokenRotationDays: 30,
    },
    fileSystem: DEMO_FILES,
    // The vault cs2analytics-prod-copy must exist in eu-central-1 (docs/operations.md, Backups and restores).
    backup: { dailyRetentionDays: 35, monthlyRetentionDays: 365, copyToRegion: 'eu-central-1' },
    // The original defaults: ARCHIVAL_ENABLED=true, ARCHIVAL_THRESHOLD_MONTHS=6.
    archival: { enabled: true, thresholdMonths: 6 },
    maintenance: {
      futureMonths: 3,
      scheduleHourUtc: 3,
      lockTimeoutMs: 200,
      logRetentionDays: 365,
      convertPlainTables: false,
      tables: GAME_EVENTS,
    },
    images: IMAGES,
    migrations: MIGRATIONS,
    loadBalancer: {
      allowPlainHttp: false,
      domainName: 'cs2.example.com',
      hostedZoneId: 'Z0123456789EXAMPLE',
      idleTimeoutSeconds: 600,
      waf: true,
      deletionProtection: true,
      accessLogRetentionDays: 365,
    },
    monitoring: {
      alarmEmails: ['oncall@example.com'],
      loadBalancer5xxPercent: 2,
      databaseCpuPercent: 75,
      databaseFreeableMemoryMiB: 1024,
      databaseFreeStorageGiB: 20,
      replicaLagSeconds: 30,
      proxyPinnedSessions: 50,
      redisMemoryPercent: 80,
      redisEvictions: 1,
    },
    services: {
      execEnabled: false,
      logRetentionDays: 365,
      apiPathPattern: '/api/*',
      web: { cpu: 1024, memoryMiB: 2048, minTasks: 2, maxTasks: 10, spot: false, port: 3000, healthCheckPath: '/', healthCheck: 'node' },
      api: {
        cpu: 1024,
        memoryMiB: 2048,
        minTasks: 2,
        maxTasks: 10,
        spot: false,
        port: 3001,
        healthCheckPath: '/api/health',
        healthCheck: 'node',
      },
      parser: {
        cpu: 2048,
        memoryMiB: 4096,
        minTasks: 2,
        maxTasks: 10,
        spot: false,
        port: 8001,
        healthCheckPath: '/health',
        healthCheck: 'python',
        workers: 2,
        ephemeralStorageGiB: 50,
        stopTimeoutSeconds: 120,
      },
    },
  },
};
