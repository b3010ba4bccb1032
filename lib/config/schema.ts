import { OFFERINGS } from './offerings';
import { z } from 'zod';
import { SERVICE_CONNECT_PROXY } from '../constructs/service-connect-proxy';
import { isImageDigest, SERVICE_CONNECT } from './names';
import { SCHEDULE, weeklyWindowMinutes } from './schedule';

/**
 * The configuration schema. Every field's message is written to finish the sentence
 * "<env>: <field> ..." so that a bad value reads as one clear line at synth.
 */

export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export function integer(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

export function flag() {
  return z.boolean({ error: 'must be true or false' });
}

export function text(pattern: RegExp, description: string) {
  const error = `must be ${description}`;
  return z.string({ error }).regex(pattern, { error });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

/**
 * Marks a field whose change replaces or removes something that holds data or has a fixed name (the
 * impact report flags it; docs/configuration.md lists it). `reason` says what happens.
 */
export function replacing<T extends z.ZodType>(schema: T, reason: string): T {
  return schema.meta({ replaces: reason }) as T;
}

/** The replacement reason of the field at a dotted path, if the schema marks it. */
export function replacementReason(path: string): string | undefined {
  let schema: z.ZodType | undefined = environmentSchema;
  const reasonOf = (candidate: z.ZodType | undefined): string | undefined => {
    // Zod's internal definitions are not typed for walking wrappers generically.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let current: any = candidate;
    while (current) {
      const meta = z.globalRegistry.get(current) as { replaces?: string } | undefined;
      if (meta?.replaces) return meta.replaces;
      current = current.def?.innerType ?? (current.def?.type === 'pipe' ? current.def.in : undefined);
    }
    return undefined;
  };
  for (const key of path.split('.')) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
    let current: any = schema;
    while (current && current.def?.type !== 'object')
      current = current.def?.innerType ?? (current.def?.type === 'pipe' ? current.def.in : undefined);
    schema = current?.def?.shape?.[key];
    if (!schema) return undefined;
  }
  return reasonOf(schema);
}

export function logRetentionDays() {
  const error = `must be a CloudWatch Logs retention in days (${LOG_RETENTION_DAYS.join(', ')})`;
  return z.number({ error }).refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), { error });
}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(1[6-9]|20)$/;
/** The block's network address, its host bits cleared (`10.10.5.0/16` is in `10.10.0.0/16`). */
function networkAddress(cidr: string): string {
  const [address, bits] = cidr.split('/');
  const value = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  const network = value - (value % size);
  return `${[24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.')}/${bits}`;
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const AVAILABILITY_ZONE = /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/;

export const networkSchema = z.strictObject({
  /** The VPC's IPv4 range, a /16 to /20 (subnet sizes are derived from it). */
  cidr: replacing(
    text(IPV4_CIDR, 'an IPv4 CIDR block from /16 to /20, e.g. 10.0.0.0/16').refine(
      (cidr) => !IPV4_CIDR.test(cidr) || networkAddress(cidr) === cidr,
      {
        // The CDK would round a block with host bits up to the next network, while security-group
        // rules keep the block as written: the VPC and its rules would not agree.
        error: (issue) =>
          `must be a network address, without host bits: ${String(issue.input)} is in ${networkAddress(String(issue.input))}`,
      },
    ),
    'the VPC and every subnet are replaced, and with them the database, cache and file system: rebuild the environment from its backups',
  ),
  /** Explicit AZs so that synth never looks them up. */
  availabilityZones: replacing(
    z
      .array(text(AVAILABILITY_ZONE, 'an availability zone name, e.g. eu-west-1a'), {
        error: 'must be a list of availability zone names',
      })
      .min(2, { error: 'must list 2 or 3 availability zones' })
      .max(3, { error: 'must list 2 or 3 availability zones' }),
    'subnets are added or removed: the proxy (whose name RDS requires, so the deploy fails), mount targets and instances in them are replaced',
  ),
  /** NAT gateways (or instances): one saves money (dev), one per AZ survives an AZ outage (prod). */
  natGateways: integer(1, 3),
  /**
   * NAT instances of this Graviton type instead of NAT gateways, as many as `natGateways`: a few
   * dollars a month instead of about 35 per gateway, for a burstable instance's bandwidth, no managed
   * failover and an instance replaced whenever a deploy finds a newer Amazon Linux 2023 image. For dev.
   * @default - NAT gateways
   */
  natInstanceType: text(/^t4g\.(nano|micro|small|medium)$/, 'a t4g instance type for NAT, e.g. t4g.nano').optional(),
  /** Interface endpoints (ECR api/dkr, CloudWatch Logs, Secrets Manager) cost per AZ-hour. */
  interfaceEndpoints: flag(),
  flowLogRetentionDays: logRetentionDays(),
});

/** `family.size`, with one of the sizes RDS names its classes by. */
const INSTANCE_CLASS = /^(db\.)?[a-z][a-z0-9-]*\.(micro|small|medium|large|xlarge|\d+xlarge|metal(-\d+xl)?)$/;
/** Families of earlier generations that RDS offers no PostgreSQL 17 on. */
const RDS_RETIRED_FAMILIES = ['t1', 't2', 'm1', 'm2', 'm3', 'r3'];

/** Settings that only the `instance` engine has, and why Aurora has no use for each. */
const INSTANCE_ONLY_DATABASE_FIELDS = ['multiAz', 'allocatedStorageGiB', 'maxAllocatedStorageGiB'] as const;
const INSTANCE_ONLY_WHY: Record<(typeof INSTANCE_ONLY_DATABASE_FIELDS)[number], string> = {
  multiAz: 'Aurora keeps six copies over three AZs and fails over to a reader',
  allocatedStorageGiB: 'Aurora storage grows by itself',
  maxAllocatedStorageGiB: 'Aurora storage grows by itself',
};

/** A DB snapshot or DB cluster snapshot: its name (AWS Backup's are `awsbackup:job-...`) or its ARN. */
const SNAPSHOT = /^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(cluster-)?snapshot:)?[A-Za-z][A-Za-z0-9:-]{0,254}$/;

export const restoreSchema = z
  .strictObject({
    /** 2 for the first restore, 3 for the next: the restored database's identifier ends in `-r<generation>`. */
    generation: integer(2, 99),
    /** DB snapshot (instance engine) or DB cluster snapshot (aurora), by name or ARN. */
    snapshot: text(SNAPSHOT, 'a DB snapshot (instance engine) or DB cluster snapshot (aurora) name or ARN').optional(),
    pointInTime: z
      .strictObject({
        /** The database to restore from: this environment's current one. */
        source: text(
          /^cs2analytics-[a-z]+(-r\d{1,2})?$/,
          "this environment's database identifier, e.g. cs2analytics-prod or cs2analytics-prod-r2",
        ),
        /** A UTC time within the source's backup retention, or `latest` (its latest restorable time, about five minutes ago). */
        time: text(/^(latest|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$/, 'a UTC time such as 2026-12-07T03:15:00Z, or latest'),
      })
      .optional(),
  })
  .superRefine((restore, ctx) => {
    if ((restore.snapshot === undefined) === (restore.pointInTime === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['snapshot'], message: 'or pointInTime must be set, not both: what to restore from' });
    }
  });

export const databaseSchema = z.strictObject({
  /**
   * `aurora`: Aurora PostgreSQL writer + readers, RDS Proxy with read/write and read-only endpoints.
   * `instance`: RDS for PostgreSQL primary + read replicas; the proxy fronts the primary only (RDS
   * Proxy cannot target RDS read replicas), the replicas share one weighted DNS name.
   */
  engine: replacing(
    oneOf(['aurora', 'instance']),
    'refused: the other engine is another, empty database, and its master secret would take the name the current one holds ' +
      '(CloudFormation creates it first, and fails). Move the data instead: deploy the environment with the new engine in another ' +
      'account or region (account, region), load it there (RDS to Aurora: restore a snapshot of the instance as an Aurora cluster; ' +
      'Aurora to RDS: pg_dump and pg_restore, or AWS DMS), point the domain at it, then destroy the old environment',
  ),
  /** Full PostgreSQL version, minor pinned, e.g. 17.6. */
  postgresVersion: text(/^17\.\d+$/, 'a PostgreSQL 17 version with its minor, e.g. 17.6'),
  /** Aurora readers or RDS read replicas (the original ran two replicas). */
  readers: integer(0, 15),
  /** Instance class without the `db.` prefix, e.g. r6g.large. */
  instanceType: text(INSTANCE_CLASS, 'an RDS instance class, e.g. r6g.large'),
  /**
   * `instance` engine only (required there, rejected under `aurora`, whose readers are its standbys):
   * a synchronous standby in another AZ for the primary.
   */
  multiAz: flag().optional(),
  /**
   * `instance` engine only (required there, rejected under `aurora`, whose storage grows by itself):
   * initial gp3 storage; autoscaling grows it up to maxAllocatedStorageGiB.
   */
  allocatedStorageGiB: integer(20, 65536).optional(),
  maxAllocatedStorageGiB: integer(20, 65536).optional(),
  /** Server connection limit (max_connections); the proxy's percentages apply to it. */
  maxConnections: integer(50, 5000),
  backupRetentionDays: integer(1, 35),
  /** PostgreSQL log export retention. */
  logRetentionDays: logRetentionDays(),
  /** Performance Insights retention: 7 days is free; otherwise a whole number of 31-day months up to 23, or 731 (2 years). */
  performanceInsightsRetentionDays: z
    .number({ error: 'must be 7, a multiple of 31 up to 713 (23 months), or 731' })
    .refine((days) => days === 7 || days === 731 || (Number.isInteger(days) && days % 31 === 0 && days >= 31 && days <= 713), {
      error: 'must be 7, a multiple of 31 up to 713 (23 months), or 731',
    }),
  /** Enhanced Monitoring granularity in seconds. */
  monitoringIntervalSeconds: z
    .number({ error: 'must be one of 1, 5, 10, 15, 30, 60' })
    .refine((seconds) => [1, 5, 10, 15, 30, 60].includes(seconds), { error: 'must be one of 1, 5, 10, 15, 30, 60' }),
  /** Days between rotations of the database credentials (the master user's, and the app's). */
  credentialRotationDays: integer(1, 365),
  /** Connections each app login may hold at once (RDS Proxy's pool is the real bound). */
  appConnectionLimit: integer(10, 5000),
  /**
   * Restores the database into this environment (docs/operations.md, Restoring the database): a new
   * database named `cs2analytics-<env>-r<generation>`, from a snapshot or a point in time, replaces
   * the current one in the template; the proxy, the master secret, the replicas or readers, the
   * alarms, the backup plan and the app's roles follow it. Kept for the life of the restored database.
   * @default - none: the database as first created
   */
  restore: replacing(
    restoreSchema,
    'replaces the database: CloudFormation creates cs2analytics-<env>-r<generation> from the snapshot or point in time and moves the ' +
      'proxy target, secret, replicas or readers, alarms and backups to it; where retainData is on, the old database is kept, deletion ' +
      'protection on, until you delete it (docs/operations.md). Keep the field for the life of the restored database: without it, the ' +
      'next deploy would try to replace the restored database with an empty one under the first name',
  ).optional(),
  /** RDS Proxy pool, derived from the original PgBouncer settings (docs/architecture.md, From PgBouncer to RDS Proxy). */
  proxy: z.strictObject({
    maxConnectionsPercent: integer(1, 100),
    maxIdleConnectionsPercent: integer(0, 100),
    borrowTimeoutSeconds: integer(1, 3600),
    idleClientTimeoutSeconds: integer(1, 28800),
  }),
});

/** `cache.family.size`, with one of the sizes ElastiCache names its nodes by. */
const CACHE_NODE_TYPE = /^cache\.[a-z][a-z0-9]*\.(micro|small|medium|large|xlarge|\d+xlarge)$/;

/** The engine versions ElastiCache runs for node-based clusters, by engine (Redis OSS: the 7.x ones). */
const CACHE_ENGINE_VERSIONS = { redis: ['7.0', '7.1'], valkey: ['7.2', '8.0', '8.1', '8.2', '9.0', '9.1'] } as const satisfies Record<
  string,
  readonly string[]
>;

export const cacheSchema = z.strictObject({
  /**
   * Redis OSS (the original) or Valkey, its open-source successor. Redis OSS to Valkey is an upgrade in
   * place (with a Valkey version); ElastiCache has no way back, so the impact report refuses that one.
   */
  engine: oneOf(['redis', 'valkey']),
  /** Redis OSS 7.x or Valkey 7.2 / 8.x. */
  engineVersion: text(/^\d+\.\d+$/, 'a major.minor engine version, e.g. 7.1'),
  nodeType: text(CACHE_NODE_TYPE, 'an ElastiCache node type, e.g. cache.t4g.small')
    .refine((type) => !CACHE_NODE_TYPE.test(type) || !/^cache\.(t1|t2|m1|m2|m3|c1|r3)\./.test(type), {
      error: 'must be a current node type: ElastiCache creates no new cluster on T1, T2, M1, M2, M3, C1 or R3 nodes',
    })
    .refine((type) => !CACHE_NODE_TYPE.test(type) || !/^cache\.t\d+g?\./.test(type) || /\.(micro|small|medium)$/.test(type), {
      error: 'must be a burstable node of size micro, small or medium (the sizes ElastiCache offers for T3 and T4g)',
    }),
  /** Primary plus replicas. */
  nodes: integer(1, 6),
  /** Promote a replica when the primary fails; needs two nodes or more. Also makes the group Multi-AZ. */
  automaticFailover: flag(),
  /** Daily snapshots kept (the original persisted redis-data); 0 turns snapshots off. */
  snapshotRetentionDays: integer(0, 35),
  /** Slow-log retention in CloudWatch Logs. */
  logRetentionDays: logRetentionDays(),
  /** Days between rotations of the AUTH token. */
  authTokenRotationDays: integer(1, 365),
});

export const backupSchema = z.strictObject({
  /** Days a daily recovery point of the database and the demo files is kept. */
  dailyRetentionDays: integer(1, 35),
  /** Days a monthly recovery point is kept; 0 takes no monthly backup. */
  monthlyRetentionDays: integer(0, 3650),
  /**
   * Copy every recovery point to the vault `cs2analytics-<env>-copy` in this region (which must exist).
   * @default - no copy
   */
  copyToRegion: text(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region name, e.g. eu-central-1').optional(),
});

const EMAIL = text(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an e-mail address');

export const monitoringSchema = z.strictObject({
  /** Who the alarm topic e-mails (each confirms the subscription once). */
  alarmEmails: z
    .array(EMAIL, { error: 'must be a list of e-mail addresses' })
    .refine((emails) => new Set(emails.map((email) => email.toLowerCase())).size === emails.length, {
      error: 'must list each e-mail address once (one subscription each)',
    }),
  /** Load-balancer 5xx responses (its own and the targets'), percent of requests over 5 minutes. */
  loadBalancer5xxPercent: integer(1, 100),
  databaseCpuPercent: integer(1, 100),
  databaseFreeableMemoryMiB: integer(1, 1048576),
  /** `instance` engine: free storage; Aurora: free local (temporary) storage of each instance. */
  databaseFreeStorageGiB: integer(1, 65536),
  replicaLagSeconds: integer(1, 86400),
  /** RDS Proxy connections pinned to a session (they stop multiplexing). */
  proxyPinnedSessions: integer(1, 100000),
  redisMemoryPercent: integer(1, 100),
  /** Keys evicted in 5 minutes: a job queue must never lose jobs to memory pressure. */
  redisEvictions: integer(1, 1000000),
});

// PostgreSQL names may hold any character but NUL, which this excludes on purpose.
// eslint-disable-next-line no-control-regex
const POSTGRES_NAME = text(/^[^\u0000]{1,63}$/, 'a PostgreSQL name of 1 to 63 characters, exact and case-sensitive');

/** A schema or table name: it also names CloudWatch metrics (the `Table` dimension), which take printable ASCII only. */
const METRIC_POSTGRES_NAME = text(
  /^[\x20-\x7e]{1,63}$/,
  'a PostgreSQL name of 1 to 63 printable ASCII characters (it names CloudWatch metrics), exact and case-sensitive',
);

export const archivalSchema = z.strictObject({
  /** The original ARCHIVAL_ENABLED: export old months to S3 before dropping them. */
  enabled: flag(),
  /**
   * The original ARCHIVAL_THRESHOLD_MONTHS, one value for the API and for partition retention:
   * months kept before the current one.
   */
  thresholdMonths: integer(1, 120),
});

/** The hours whose HH:30 falls in the database's weekly maintenance window, ends included. */
function maintenanceWindowHours(): number[] {
  const { start, end } = weeklyWindowMinutes(SCHEDULE.databaseMaintenanceWindow);
  return Array.from({ length: 24 }, (_, hour) => hour).filter((hour) => {
    const pass = (Math.floor(start / 1440) * 1440 + hour * 60 + 30) % (7 * 1440);
    return pass >= start && pass <= end;
  });
}

export const maintenanceSchema = z.strictObject({
  /** Months created ahead of the current one (the alarm fires below 2). */
  futureMonths: integer(2, 24),
  /** Hour (UTC) of the daily run, at HH:30; not in the database's weekly maintenance window (lib/config/schedule.ts). */
  scheduleHourUtc: integer(0, 23)
    .refine((hour) => !maintenanceWindowHours().includes(hour), {
      error: `must keep the daily pass (HH:30, up to 15 minutes) out of the database's weekly maintenance window (${SCHEDULE.databaseMaintenanceWindow} UTC), when RDS may restart the database`,
    })
    .refine((hour) => hour >= SCHEDULE.rotationWindowHours, {
      error: `must keep the daily pass out of the credential rotation window (00:00 to 0${SCHEDULE.rotationWindowHours}:00 UTC), when the master password it logs in with may change`,
    }),
  /** How long one DDL statement may wait for a lock before it backs off and retries. */
  lockTimeoutMs: integer(50, 5000),
  logRetentionDays: logRetentionDays(),
  /**
   * Convert a configured table the pass finds plain (as the app's migrations create it) to monthly
   * partitions, at the next scheduled or deploy-time run. No row is copied and the exclusive lock
   * lasts milliseconds, but the composite unique index is built first (CREATE INDEX CONCURRENTLY),
   * which reads the whole table: off where an operator picks the moment (`npm run convert`).
   */
  convertPlainTables: flag(),
  /** The monthly-partitioned tables, named exactly as the app's migrations create them. */
  tables: z
    .array(z.strictObject({ schema: METRIC_POSTGRES_NAME, table: METRIC_POSTGRES_NAME, column: POSTGRES_NAME }), {
      error: 'must be a list of { schema, table, column }',
    })
    .min(1, { error: 'must list at least one table' })
    .refine((tables) => new Set(tables.map(({ schema, table }) => JSON.stringify([schema, table]))).size === tables.length, {
      error: 'must list each table once (its alarm is named after it)',
    }),
});

/** The tools a container health check may run; each must be in the image. */
export const HEALTH_PROBES = ['none', 'node', 'python', 'wget', 'curl'] as const;
export type HealthProbe = (typeof HEALTH_PROBES)[number];

/** Fargate task sizes: CPU units and the memory (MiB) each allows. */
export const FARGATE_SIZES: Record<number, readonly number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
};

const serviceSchema = z.strictObject({
  /** Fargate CPU units: 256, 512, 1024, 2048 or 4096. */
  cpu: z.number({ error: 'must be one of 256, 512, 1024, 2048, 4096' }).refine((cpu) => cpu in FARGATE_SIZES, {
    error: 'must be one of 256, 512, 1024, 2048, 4096',
  }),
  memoryMiB: integer(512, 30720),
  minTasks: integer(1, 100),
  maxTasks: integer(1, 100),
  /** Run on Fargate Spot (interruptible, about 70 % cheaper). */
  spot: flag(),
  /** The port the container listens on. */
  port: integer(1, 65535),
  /** The HTTP path the container and load-balancer health checks call. */
  healthCheckPath: text(/^\/[\w\-./]*$/, 'an absolute URL path, e.g. /health'),
  /**
   * The tool the container health check runs, which must be in the image: `node` or `python` (the
   * runtime itself), `wget` or `curl` (absent from Debian-slim images), or `none` (only the load
   * balancer checks the service).
   * @default 'none'
   */
  healthCheck: oneOf(HEALTH_PROBES).default('none'),
});

/**
 * Hours the services run, for an environment nobody uses at night: every service scales to zero
 * tasks at `stopHourUtc` and back to its minimum at `startHourUtc` (scheduled scaling).
 */
export const runHoursSchema = z
  .strictObject({
    startHourUtc: integer(0, 23),
    stopHourUtc: integer(1, 23),
    /** Stopped from Friday's stop to Monday's start as well. */
    weekdaysOnly: flag(),
  })
  .refine((hours) => hours.startHourUtc < hours.stopHourUtc, {
    error: 'must come after startHourUtc, on the same UTC day',
    path: ['stopHourUtc'],
  });

export const servicesSchema = z.strictObject({
  /** ECS Exec (a shell in a running task), every session logged. */
  execEnabled: flag(),
  /**
   * When the services run; outside these hours they have no tasks (the site is down, queued demos
   * wait). For dev and other environments nobody uses at night.
   * @default - always running
   */
  runHours: runHoursSchema.optional(),
  logRetentionDays: logRetentionDays(),
  /** The ALB path routed to the API; everything else goes to the web front end. */
  apiPathPattern: text(/^\/[\w\-./*]{0,127}$/, 'an ALB path pattern of at most 128 characters, e.g. /api/*'),
  web: serviceSchema,
  api: serviceSchema,
  parser: serviceSchema.extend({
    /** The original WORKERS: parsing workers per task. */
    workers: integer(1, 64),
    /** Scratch space for demos being parsed (the original parser-demos volume). */
    ephemeralStorageGiB: integer(21, 200),
    /** Time a stopping task gets to finish its current demo before it is killed. */
    stopTimeoutSeconds: integer(2, 120),
  }),
});

/**
 * The app's schema migrations, run at deploy time in a one-off task of the API's image and settings,
 * before any new API task serves (the first deploy, and every deploy that changes the API image).
 */
export const migrationsSchema = z.strictObject({
  /** Off: nothing migrates at deploy (run `npm run migrate` yourself). */
  enabled: replacing(
    flag(),
    'turned off, the functions that ran the migrations go, and with them their logs (kept where retainData is on); turned on, the next deploy runs them',
  ),
  /** The command, exec form, in the API's container, e.g. ["npx", "prisma", "migrate", "deploy"]. */
  command: z
    // A command argument may hold any character but NUL, which this excludes on purpose.
    // eslint-disable-next-line no-control-regex
    .array(text(/^[^\u0000]{1,1024}$/, 'a command argument of 1 to 1024 characters'), { error: 'must be a list of command arguments' })
    .min(1, { error: 'must name a command' }),
  /** How long the migrations may run before the deploy fails (a custom resource waits an hour at most). */
  timeoutMinutes: integer(1, 55),
});

const DOCKER_TAG = /^[\w][\w.-]{0,127}$/;
const TAG_ERROR = 'must be a Docker image tag, e.g. 1.4.2';
const DIGEST_ERROR = 'must be an image digest: sha256: and 64 lower-case hex digits';

/**
 * A tag (`1.4.2`) or an image digest (`sha256:<64 lower-case hex digits>`): a digest names one image
 * for good, which is how an image is promoted from one environment to the next (the services run
 * `<repository>@sha256:...`). A value that starts with `sha256:` is judged as a digest.
 */
const IMAGE_TAG_OR_DIGEST = z
  .string({ error: TAG_ERROR })
  .refine((value) => (looksLikeDigest(value) ? isImageDigest(value) : DOCKER_TAG.test(value)), {
    error: (issue) => (looksLikeDigest(String(issue.input)) ? DIGEST_ERROR : TAG_ERROR),
  });

function looksLikeDigest(value: string): boolean {
  return /^sha256:/i.test(value);
}

export const imagesSchema = z.strictObject({
  web: z.strictObject({ tag: IMAGE_TAG_OR_DIGEST }),
  api: z.strictObject({ tag: IMAGE_TAG_OR_DIGEST }),
  parser: z.strictObject({ tag: IMAGE_TAG_OR_DIGEST }),
});

export const loadBalancerSchema = z.strictObject({
  /** A public domain for HTTPS (certificate and DNS record); given with its hosted zone, no lookup. */
  // At most 64 characters: the certificate's domain name is its subject's common name, which ACM caps there.
  domainName: text(
    /^(?=.{1,64}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'a lower-case DNS name of at most 64 characters, e.g. cs2.example.com',
  ).optional(),
  hostedZoneId: text(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id, e.g. Z0123456789ABC').optional(),
  /** Serve plain HTTP (no redirect). Only for an environment without a domain (dev). */
  allowPlainHttp: flag(),
  /** Seconds a connection may stay idle: demo uploads are large. */
  idleTimeoutSeconds: integer(60, 4000),
  /** An AWS WAF web ACL with AWS managed rule groups in front of the load balancer. */
  waf: flag(),
  deletionProtection: flag(),
  /** Days access logs are kept in their bucket. */
  accessLogRetentionDays: integer(1, 3650),
});

/** The days EFS can move files to Infrequent Access after. */
export const EFS_TRANSITION_DAYS = [1, 7, 14, 30, 60, 90, 180, 270, 365] as const;

export const fileSystemSchema = z.strictObject({
  /** The POSIX user and group every container that mounts the demo files runs as. */
  uid: replacing(
    integer(1, 2147483647),
    'the access point is replaced, and files already written stay owned by the old user: chown them (as root, from a task) first',
  ),
  gid: replacing(
    integer(1, 2147483647),
    'the access point is replaced, and files already written stay owned by the old group: chgrp them (as root, from a task) first',
  ),
  /** Files unread for this many days move to Infrequent Access (demo files are read once, parsed). */
  transitionToInfrequentAccessDays: z
    .number({ error: `must be one of ${EFS_TRANSITION_DAYS.join(', ')}` })
    .refine((days) => (EFS_TRANSITION_DAYS as readonly number[]).includes(days), {
      error: `must be one of ${EFS_TRANSITION_DAYS.join(', ')}`,
    }),
});

export const environmentSchema = z
  .strictObject({
    /** 12-digit account id; falls back to CDK_DEFAULT_ACCOUNT, then to an environment-agnostic account. */
    account: replacing(
      text(/^\d{12}$/, 'a 12-digit AWS account id'),
      'another account is another environment: every resource is created anew there, nothing moves',
    ).optional(),
    /** AWS region; falls back to CDK_DEFAULT_REGION. Required one way or the other: AZs are explicit. */
    region: replacing(
      text(REGION, 'an AWS region name, e.g. eu-west-1'),
      'another region is another environment: every resource is created anew there, nothing moves',
    ),
    /** Team or person answerable for the environment; becomes the `owner` tag. */
    owner: text(/^[\w.@+\-=:/ ]{1,128}$/, 'a tag value of 1 to 128 letters, digits, spaces or _.:/=+-@').refine(
      (owner) => !owner.toLowerCase().startsWith('aws:'),
      { error: 'must not start with aws: (AWS keeps that prefix for its own tags)' },
    ),
    /** Protects the stateful stacks against `cdk destroy` (CloudFormation termination protection). */
    terminationProtection: flag(),
    /**
     * Keep data when a resource or stack is deleted: deletion protection on the database, snapshot or
     * retain removal policies. Only dev may set it to false.
     */
    retainData: replacing(
      flag(),
      'the backup vault takes (or leaves) the fixed name cs2analytics-<env>: a new vault is created, the old one is kept with its recovery points',
    ),
    network: networkSchema,
    database: databaseSchema,
    cache: cacheSchema,
    fileSystem: fileSystemSchema,
    backup: backupSchema,
    archival: archivalSchema,
    maintenance: maintenanceSchema,
    images: imagesSchema,
    migrations: migrationsSchema,
    loadBalancer: loadBalancerSchema,
    services: servicesSchema,
    monitoring: monitoringSchema,
  })
  .superRefine((config, ctx) => {
    const zones = config.network.availabilityZones;
    if (new Set(zones).size !== zones.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'availabilityZones'],
        message: 'must not list an availability zone twice',
      });
    }
    for (const [index, zone] of zones.entries()) {
      if (zone.slice(0, -1) !== config.region) {
        ctx.addIssue({
          code: 'custom',
          path: ['network', 'availabilityZones', index],
          message: `must be in region ${config.region}`,
        });
      }
    }
    const { database, cache } = config;
    for (const field of INSTANCE_ONLY_DATABASE_FIELDS) {
      if (database.engine === 'aurora' && database[field] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['database', field],
          message: `applies only to database.engine instance: ${INSTANCE_ONLY_WHY[field]}; remove it`,
        });
      }
      if (database.engine === 'instance' && database[field] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['database', field], message: 'is required when database.engine is instance' });
      }
    }
    // RDS storage autoscaling refuses a ceiling less than 10 % above the allocated storage.
    if (
      database.allocatedStorageGiB !== undefined &&
      database.maxAllocatedStorageGiB !== undefined &&
      database.maxAllocatedStorageGiB < Math.ceil((database.allocatedStorageGiB * 11) / 10)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'maxAllocatedStorageGiB'],
        message: `must be at least 10 % above database.allocatedStorageGiB (${database.allocatedStorageGiB}): ${Math.ceil((database.allocatedStorageGiB * 11) / 10)} or more`,
      });
    }
    if (database.appConnectionLimit > database.maxConnections) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'appConnectionLimit'],
        message: `must not exceed database.maxConnections (${database.maxConnections})`,
      });
    }
    if (database.proxy.maxIdleConnectionsPercent > database.proxy.maxConnectionsPercent) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'proxy', 'maxIdleConnectionsPercent'],
        message: `must not exceed database.proxy.maxConnectionsPercent (${database.proxy.maxConnectionsPercent})`,
      });
    }
    if (!cache.automaticFailover && cache.nodes > 1 && cache.engine === 'redis') {
      // CloudFormation's template rules (E3026, which the synth gates run) refuse a Redis OSS group
      // with replicas and no failover.
      ctx.addIssue({
        code: 'custom',
        path: ['cache', 'automaticFailover'],
        message: `must be true when cache.nodes is more than 1 with Redis OSS (got ${cache.nodes} nodes): a replica is there to fail over to`,
      });
    }
    if (cache.automaticFailover && cache.nodes < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['cache', 'automaticFailover'],
        message: `needs at least 2 cache.nodes, and cache.nodes is ${cache.nodes}: a single node has nothing to fail over to`,
      });
    }
    const versions: readonly string[] = CACHE_ENGINE_VERSIONS[cache.engine];
    if (!versions.includes(cache.engineVersion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cache', 'engineVersion'],
        message: `must be a ${cache.engine === 'redis' ? 'Redis OSS' : 'Valkey'} version ElastiCache runs: ${versions.join(', ')}`,
      });
    }
    const [family, size] = database.instanceType.replace(/^db\./, '').split('.');
    if (RDS_RETIRED_FAMILIES.includes(family)) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'instanceType'],
        message: `must be a current instance class: RDS offers no PostgreSQL 17 on the ${family} family`,
      });
    } else if (database.engine === 'aurora' && /^t\d/.test(family) && !['medium', 'large'].includes(size)) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'instanceType'],
        message: 'must be medium or large in a burstable family under Aurora (its smallest classes are t3.medium and t4g.medium)',
      });
    } else {
      // A class the region does not sell fails the deploy, and has no price: refused here, with what there is.
      const offered = OFFERINGS[config.region];
      const families = offered && (database.engine === 'aurora' ? offered.auroraPostgresql : offered.rdsPostgresql);
      if (families && !families[family]?.includes(size)) {
        const engine = database.engine === 'aurora' ? 'Aurora PostgreSQL' : 'RDS for PostgreSQL';
        ctx.addIssue({
          code: 'custom',
          path: ['database', 'instanceType'],
          message: families[family]
            ? `must be a class ${engine} offers in ${config.region}: db.${family} comes in ${families[family].join(', ')}`
            : `must be a class ${engine} offers in ${config.region}: it has no db.${family} family`,
        });
      }
    }
    const [, cacheFamily, cacheSize] = cache.nodeType.split('.');
    const cacheFamilies = OFFERINGS[config.region]?.elastiCache[cache.engine];
    if (CACHE_NODE_TYPE.test(cache.nodeType) && cacheFamilies && !cacheFamilies[cacheFamily]?.includes(cacheSize)) {
      const engine = cache.engine === 'redis' ? 'Redis OSS' : 'Valkey';
      ctx.addIssue({
        code: 'custom',
        path: ['cache', 'nodeType'],
        message: cacheFamilies[cacheFamily]
          ? `must be a node type ElastiCache offers for ${engine} in ${config.region}: cache.${cacheFamily} comes in ${cacheFamilies[cacheFamily].join(', ')}`
          : `must be a node type ElastiCache offers for ${engine} in ${config.region}: it has no cache.${cacheFamily} family`,
      });
    }
    const { loadBalancer } = config;
    if ((loadBalancer.domainName === undefined) !== (loadBalancer.hostedZoneId === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['loadBalancer', loadBalancer.domainName === undefined ? 'domainName' : 'hostedZoneId'],
        message: `is required with loadBalancer.${loadBalancer.domainName === undefined ? 'hostedZoneId' : 'domainName'}: the two are set together`,
      });
    }
    if (loadBalancer.domainName === undefined && !loadBalancer.allowPlainHttp) {
      ctx.addIssue({
        code: 'custom',
        path: ['loadBalancer', 'allowPlainHttp'],
        message: 'must be true when no loadBalancer.domainName is set: HTTPS needs a certificate for a domain',
      });
    }
    for (const name of ['web', 'api', 'parser'] as const) {
      const service = config.services[name];
      if (service.minTasks > service.maxTasks) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'minTasks'],
          message: `must not exceed services.${name}.maxTasks (${service.maxTasks})`,
        });
      }
      if (SERVICE_CONNECT[name] && service.cpu <= SERVICE_CONNECT_PROXY.cpu) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'cpu'],
          message: `must be at least 512: each ${name} task runs the Service Connect proxy, which takes ${SERVICE_CONNECT_PROXY.cpu} CPU units (ECS developer guide, Service Connect proxy)`,
        });
      }
      const memory = FARGATE_SIZES[service.cpu];
      if (memory && !memory.includes(service.memoryMiB)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'memoryMiB'],
          message: `must be one of ${memory.join(', ')} with ${service.cpu} CPU units`,
        });
      }
    }
    if (config.network.natGateways > zones.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'natGateways'],
        message: `must not exceed the number of availability zones (${zones.length})`,
      });
    }
  });

export type NetworkSettings = z.output<typeof networkSchema>;
type ParsedDatabase = z.output<typeof databaseSchema>;
type CommonDatabaseSettings = Omit<ParsedDatabase, 'engine' | (typeof INSTANCE_ONLY_DATABASE_FIELDS)[number]>;
/** Aurora PostgreSQL: no standby or storage settings (its readers are standbys; its storage grows by itself). */
export type AuroraDatabaseSettings = CommonDatabaseSettings & { readonly engine: 'aurora' };
/** RDS for PostgreSQL: a primary (Multi-AZ where asked) with gp3 storage that grows up to a ceiling. */
export type InstanceDatabaseSettings = CommonDatabaseSettings & {
  readonly engine: 'instance';
  readonly multiAz: boolean;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
};
/** The database settings, by engine mode (the schema's cross-field rules guarantee the shape). */
export type DatabaseSettings = AuroraDatabaseSettings | InstanceDatabaseSettings;
export type RestoreSettings = z.output<typeof restoreSchema>;
export type CacheSettings = z.output<typeof cacheSchema>;
export type FileSystemSettings = z.output<typeof fileSystemSchema>;
export type BackupSettings = z.output<typeof backupSchema>;
export type ArchivalSettings = z.output<typeof archivalSchema>;
export type MaintenanceSettings = z.output<typeof maintenanceSchema>;
export type ServicesSettings = z.output<typeof servicesSchema>;
export type LoadBalancerSettings = z.output<typeof loadBalancerSchema>;
export type ImagesSettings = z.output<typeof imagesSchema>;
export type MigrationsSettings = z.output<typeof migrationsSchema>;
export type MonitoringSettings = z.output<typeof monitoringSchema>;

/** What an environment file declares. */
export type EnvironmentSettings = z.input<typeof environmentSchema>;

/** A validated environment, with the resolved account and region. */
export type EnvironmentConfig = Omit<z.output<typeof environmentSchema>, 'database'> & {
  readonly database: DatabaseSettings;
  readonly envName: EnvironmentName;
};
