import type { DatabaseSettings } from '../../../lib/config/schema';

/**
 * What the estimate assumes about usage: an idle environment, running all month at its minimum task
 * and instance counts, storage at its configured minimum. Each assumption is printed with the estimate,
 * and usage-based charges (requests, data processed, ingestion) get their own lines, so that a reader
 * can scale them to their own traffic.
 */
export interface UsageAssumptions {
  readonly hoursPerMonth: number;
  /** Aurora storage billed, GB (Aurora bills what it holds; an idle environment holds little). */
  readonly auroraStorageGb: number;
  readonly auroraIoMillionPerMonth: number;
  readonly natGatewayGbPerMonth: number;
  readonly interfaceEndpointGbPerMonth: number;
  /** Load balancer capacity units used on average (an idle ALB uses a small fraction of one). */
  readonly albAverageLcu: number;
  readonly efsStandardGb: number;
  readonly logsIngestedGbPerLogGroup: number;
  /** Months of logs kept by a log group with no retention, for storage. */
  readonly logsMonthsKeptWithoutRetention: number;
  readonly s3GbPerBucket: number;
  readonly ecrGbPerRepository: number;
  readonly backupDatabaseGb: number;
  readonly backupFileSystemGb: number;
  readonly kmsRequests10kPerKey: number;
  readonly secretsApi10kPerSecret: number;
  readonly wafRequestsMillionPerMonth: number;
  readonly route53QueriesMillionPerMonth: number;
  readonly sqsRequestsMillionPerQueue: number;
  readonly snsRequestsMillionPerTopic: number;
  readonly lambdaInvocationsPerFunction: number;
  readonly lambdaSecondsPerInvocation: number;
}

/** What an idle Aurora database holds, and what its backups hold: the smallest allocation RDS allows. */
const IDLE_DATABASE_GB = 20;

/** The idle environment's usage, with storage from the config where the config sets it. */
export function idleUsage(config: { readonly database: DatabaseSettings | { readonly allocatedStorageGiB: number } }): UsageAssumptions {
  const databaseGb = 'allocatedStorageGiB' in config.database ? config.database.allocatedStorageGiB : IDLE_DATABASE_GB;
  return {
    hoursPerMonth: 730,
    auroraStorageGb: IDLE_DATABASE_GB,
    auroraIoMillionPerMonth: 1,
    natGatewayGbPerMonth: 10,
    interfaceEndpointGbPerMonth: 5,
    albAverageLcu: 0.1,
    efsStandardGb: 10,
    logsIngestedGbPerLogGroup: 0.5,
    logsMonthsKeptWithoutRetention: 12,
    s3GbPerBucket: 1,
    ecrGbPerRepository: 1,
    backupDatabaseGb: databaseGb,
    backupFileSystemGb: 10,
    kmsRequests10kPerKey: 1,
    secretsApi10kPerSecret: 1,
    wafRequestsMillionPerMonth: 1,
    route53QueriesMillionPerMonth: 1,
    sqsRequestsMillionPerQueue: 0.01,
    snsRequestsMillionPerTopic: 0.01,
    lambdaInvocationsPerFunction: 1000,
    lambdaSecondsPerInvocation: 1,
  };
}

/** The assumptions as the estimate prints them. */
export function describeUsage(usage: UsageAssumptions): string[] {
  return [
    `${usage.hoursPerMonth} hours a month; every service at its minimum task count, every database and cache node at its configured count, on demand`,
    'idle traffic: usage-based charges are separate lines with these volumes a month: ' +
      `NAT ${usage.natGatewayGbPerMonth} GB processed, interface endpoints ${usage.interfaceEndpointGbPerMonth} GB each, ` +
      `load balancer ${usage.albAverageLcu} LCU on average, Aurora ${usage.auroraIoMillionPerMonth} million I/O, ` +
      `${usage.logsIngestedGbPerLogGroup} GB of logs per log group, WAF ${usage.wafRequestsMillionPerMonth} million requests, ` +
      `DNS ${usage.route53QueriesMillionPerMonth} million queries, ${usage.lambdaInvocationsPerFunction} invocations of ${usage.lambdaSecondsPerInvocation} s per function`,
    `storage at configured minimums: RDS as allocated (database.allocatedStorageGiB), Aurora ${usage.auroraStorageGb} GB (it bills what it holds), ` +
      `demo files ${usage.efsStandardGb} GB, ${usage.s3GbPerBucket} GB per bucket, ${usage.ecrGbPerRepository} GB per image repository, ` +
      `backups of ${usage.backupDatabaseGb} GB (database) and ${usage.backupFileSystemGb} GB (files)`,
    'not included: data transfer out to the internet, free tiers, taxes, support plans',
  ];
}
