import { SHARED_DEFAULTS } from './defaults';
import { deepMerge, type DeepPartial } from './merge';
import type { EnvironmentName, EnvironmentSettings } from './schema';

/**
 * What differs between the environments, and only that: a field the three agree on belongs in
 * ./defaults.ts. A field that differs is set in every environment that has it, so a row reads across
 * (docs/configuration.md shows them as one table, written by `npm run config-table`). Every merged
 * value is validated by ./schema.ts before any stack is built.
 * Account ids are left out on purpose: they come from CDK_DEFAULT_ACCOUNT (your credentials)
 * unless you pin them here, which is recommended for staging and prod.
 */
const dev = {
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
    readers: 0,
    instanceType: 't4g.micro',
    multiAz: false,
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 100,
    backupRetentionDays: 7,
    logRetentionDays: 14,
    performanceInsightsRetentionDays: 7,
    monitoringIntervalSeconds: 60,
  },
  cache: { nodeType: 'cache.t4g.micro', nodes: 1, automaticFailover: false, snapshotRetentionDays: 1, logRetentionDays: 14 },
  backup: { dailyRetentionDays: 7, monthlyRetentionDays: 0 },
  maintenance: { logRetentionDays: 14, convertPlainTables: true },
  loadBalancer: { allowPlainHttp: true, waf: false, deletionProtection: false, accessLogRetentionDays: 30 },
  monitoring: {
    alarmEmails: [],
    loadBalancer5xxPercent: 10,
    databaseCpuPercent: 90,
    databaseFreeableMemoryMiB: 256,
    databaseFreeStorageGiB: 5,
    replicaLagSeconds: 60,
    proxyPinnedSessions: 100,
    redisMemoryPercent: 90,
  },
  services: {
    execEnabled: true,
    logRetentionDays: 14,
    // Cost levers (docs/cost.md): nobody uses dev at night or at weekends, and an interrupted
    // Spot task there costs a minute of a developer's time.
    runHours: { startHourUtc: 6, stopHourUtc: 20, weekdaysOnly: true },
    web: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 2, spot: true },
    api: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 2, spot: true },
    parser: {
      cpu: 1024,
      memoryMiB: 2048,
      minTasks: 1,
      maxTasks: 2,
      spot: true,
      // Dev parses a demo or two at a time: 30 GiB holds them (staging and prod keep 50).
      ephemeralStorageGiB: 30,
    },
  },
} satisfies DeepPartial<EnvironmentSettings>;

const staging = {
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
    readers: 1,
    instanceType: 'r6g.large',
    backupRetentionDays: 7,
    logRetentionDays: 90,
    performanceInsightsRetentionDays: 7,
    monitoringIntervalSeconds: 30,
  },
  cache: { nodeType: 'cache.t4g.small', nodes: 1, automaticFailover: false, snapshotRetentionDays: 3, logRetentionDays: 90 },
  backup: { dailyRetentionDays: 14, monthlyRetentionDays: 90 },
  maintenance: { logRetentionDays: 90, convertPlainTables: true },
  loadBalancer: { allowPlainHttp: true, waf: true, deletionProtection: false, accessLogRetentionDays: 90 },
  monitoring: {
    alarmEmails: [],
    loadBalancer5xxPercent: 5,
    databaseCpuPercent: 80,
    databaseFreeableMemoryMiB: 512,
    databaseFreeStorageGiB: 10,
    replicaLagSeconds: 30,
    proxyPinnedSessions: 50,
    redisMemoryPercent: 85,
  },
  services: {
    execEnabled: true,
    logRetentionDays: 90,
    web: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 4, spot: false },
    api: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 4, spot: false },
    parser: { cpu: 1024, memoryMiB: 2048, minTasks: 1, maxTasks: 4, spot: true, ephemeralStorageGiB: 50 },
  },
} satisfies DeepPartial<EnvironmentSettings>;

const prod = {
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
    readers: 2,
    instanceType: 'r6g.xlarge',
    backupRetentionDays: 30,
    logRetentionDays: 365,
    performanceInsightsRetentionDays: 31,
    monitoringIntervalSeconds: 15,
  },
  cache: { nodeType: 'cache.r7g.large', nodes: 2, automaticFailover: true, snapshotRetentionDays: 15, logRetentionDays: 365 },
  // The vault cs2analytics-prod-copy must exist in eu-central-1 (docs/operations.md, Backups and restores).
  backup: { dailyRetentionDays: 35, monthlyRetentionDays: 365, copyToRegion: 'eu-central-1' },
  maintenance: { logRetentionDays: 365, convertPlainTables: false },
  loadBalancer: {
    allowPlainHttp: false,
    domainName: 'cs2.example.com',
    hostedZoneId: 'Z0123456789EXAMPLE',
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
  },
  services: {
    execEnabled: false,
    logRetentionDays: 365,
    web: { cpu: 1024, memoryMiB: 2048, minTasks: 2, maxTasks: 10, spot: false },
    api: { cpu: 1024, memoryMiB: 2048, minTasks: 2, maxTasks: 10, spot: false },
    parser: { cpu: 2048, memoryMiB: 4096, minTasks: 2, maxTasks: 10, spot: false, ephemeralStorageGiB: 50 },
  },
} satisfies DeepPartial<EnvironmentSettings>;

/** Each environment's own values, apart from the defaults (a test keeps them to what differs). */
export const OVERRIDES: Readonly<Record<EnvironmentName, DeepPartial<EnvironmentSettings>>> = { dev, staging, prod };

/** The three environments, defaults and overrides merged; typed so that a field neither sets fails to compile. */
export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentSettings> = {
  dev: deepMerge(SHARED_DEFAULTS, dev),
  staging: deepMerge(SHARED_DEFAULTS, staging),
  prod: deepMerge(SHARED_DEFAULTS, prod),
};
