import { ArnFormat, RemovalPolicy, Stack, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import type { CacheSettings } from '../config/schema';
import { configuredLogGroup, retainOrDestroy } from './retention';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SCHEDULE } from '../config/schedule';

export const REDIS_PORT = 6379;

/**
 * The parameter-group family of an engine version (ElastiCache, "Parameter group families"): one per
 * major version, named after the engine (`redis7`, `valkey7`, `valkey8`, ...). A new major takes a new
 * group, which ElastiCache requires in the same modification as the version.
 */
export function cacheParameterGroupFamily(engine: string, engineVersion: string): string {
  const major = /^(\d+)\./.exec(engineVersion)?.[1];
  if (!major) throw new Error(`RedisJobQueue: engine version ${engineVersion} has no major version`);
  return `${engine}${major}`;
}

export interface RedisJobQueueProps {
  readonly envName: string;
  /** The replication group's id, which names its nodes (`<id>-001`, ...) too. */
  readonly replicationGroupId: string;
  /**
   * The name of the AUTH token's secret.
   * @default - a name CloudFormation generates
   */
  readonly authTokenSecretName?: string;
  readonly vpc: ec2.IVpc;
  /** The isolated subnets: the queue is reached from inside the VPC only. */
  readonly subnets: ec2.SubnetSelection;
  readonly settings: CacheSettings;
  /** Encrypts the data at rest, the snapshots and the AUTH token secret. */
  readonly encryptionKey: kms.IKey;
  /** Encrypts the slow log. */
  readonly logsKey: kms.IKey;
  /**
   * Keep the AUTH token secret and the slow log when the stack is deleted.
   * @default true
   */
  readonly retainData?: boolean;
}

/**
 * The parser's job queue: an ElastiCache replication group (Redis OSS or Valkey), encrypted at rest
 * with the given key and in transit (TLS required), protected by an AUTH token generated in Secrets
 * Manager, Multi-AZ with automatic failover when configured, with daily snapshots standing in for
 * the original's persisted redis-data volume, and a parameter group that never evicts a key.
 */
export class RedisJobQueue extends Construct implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** The AUTH token, as the secret's `token` field (rotated by RedisTokenRotation). */
  readonly authToken: secretsmanager.ISecret;
  readonly replicationGroupArn: string;
  /** The primary endpoint: every write of the queue goes there. */
  readonly primaryEndpoint: string;
  readonly port = REDIS_PORT;
  /** The node (cache cluster) ids ElastiCache gives the group's members: `<group id>-001`, `-002`, ... */
  readonly memberClusterIds: readonly string[];

  constructor(scope: Construct, id: string, props: RedisJobQueueProps) {
    super(scope, id);
    const { settings, envName } = props;
    const retainData = props.retainData ?? true;

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Redis job queue ${envName}: the service tier only`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(REDIS_PORT) });

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: `Redis job queue ${envName}: isolated subnets`,
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });

    const token = new secretsmanager.Secret(this, 'AuthToken', {
      secretName: props.authTokenSecretName,
      description: `AUTH token of the ${envName} Redis job queue`,
      encryptionKey: props.encryptionKey,
      // ElastiCache accepts 16-128 printable characters except / " @; letters and digits are safe.
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: retainOrDestroy(retainData),
    });
    this.authToken = token;

    const slowLog = configuredLogGroup(this, 'SlowLog', {
      envName: envName,
      retentionField: 'cache.logRetentionDays',
      retentionDays: settings.logRetentionDays,
      encryptionKey: props.logsKey,
      retain: retainData,
    });

    // A job queue must never lose a job: the default groups' volatile-lru evicts keys with a TTL under
    // memory pressure. With noeviction, writes that need memory fail (OOM) instead, which the producer
    // sees and the memory alarm announces first (docs/operations.md, Redis memory).
    const parameters = new elasticache.CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: cacheParameterGroupFamily(settings.engine, settings.engineVersion),
      description: `CS2 Analytics ${envName}: parser job queue, never evicts`,
      properties: { 'maxmemory-policy': 'noeviction' },
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: props.replicationGroupId,
      replicationGroupDescription: `CS2 Analytics ${envName}: parser job queue`,
      engine: settings.engine,
      engineVersion: settings.engineVersion,
      cacheNodeType: settings.nodeType,
      numCacheClusters: settings.nodes,
      automaticFailoverEnabled: settings.automaticFailover,
      multiAzEnabled: settings.automaticFailover,
      port: REDIS_PORT,
      cacheSubnetGroupName: subnetGroup.ref,
      cacheParameterGroupName: parameters.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      atRestEncryptionEnabled: true,
      kmsKeyId: props.encryptionKey.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: token.secretValueFromJson('token').unsafeUnwrap(),
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: settings.snapshotRetentionDays,
      snapshotWindow: settings.snapshotRetentionDays > 0 ? SCHEDULE.cacheSnapshotWindow : undefined,
      preferredMaintenanceWindow: SCHEDULE.cacheMaintenanceWindow,
      logDeliveryConfigurations: [
        {
          destinationType: 'cloudwatch-logs',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: slowLog.logGroupName } },
          logFormat: 'json',
          logType: 'slow-log',
        },
      ],
    });
    // Deleting the group (or the stack) takes a final snapshot first where data must survive.
    this.replicationGroup.applyRemovalPolicy(retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY);
    this.primaryEndpoint = this.replicationGroup.attrPrimaryEndPointAddress;
    this.replicationGroupArn = Stack.of(this).formatArn({
      service: 'elasticache',
      resource: 'replicationgroup',
      resourceName: this.replicationGroup.ref,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.memberClusterIds = Array.from(
      { length: settings.nodes },
      (_, index) => `${this.replicationGroup.replicationGroupId}-${String(index + 1).padStart(3, '0')}`,
    );
    this.acknowledgeIntendedFindings(props);
  }

  private acknowledgeIntendedFindings({ envName, settings }: RedisJobQueueProps): void {
    const group = this.replicationGroup;
    acknowledge(group, {
      reason:
        'Port 6379 kept on purpose: the security group admits only the service tier and TLS plus AUTH are required; ' +
        "a non-default port would hide nothing and break the parser's REDIS_URL defaults",
      rules: { AwsSolutions: ['AwsSolutions-AEC5'] },
    });
    acknowledge(group, {
      reason:
        'The parser authenticates with an AUTH token from Secrets Manager (one client, one credential); RBAC users ' +
        'would add per-user ACLs the single-tenant job queue does not need',
      rules: { 'cdk-validator-cfnguard': ['elasticache_repl_grp_rbac_auth_enabled_check'] },
    });
    if (!settings.automaticFailover) {
      const reason =
        `${envName} runs a single-node job queue by config (cache.nodes ${settings.nodes}, cache.automaticFailover ` +
        'false): queued parse jobs can be re-submitted after a node replacement; prod runs two nodes with failover';
      acknowledge(group, {
        reason,
        rules: { AwsSolutions: ['AwsSolutions-AEC4'], 'cdk-validator-cfnguard': ['elasticache_repl_grp_auto_failover_enabled_check'] },
      });
    }
    if (settings.snapshotRetentionDays < 15) {
      acknowledge(group, {
        reason:
          `${envName} keeps ${settings.snapshotRetentionDays} daily snapshots by config (cache.snapshotRetentionDays): ` +
          'the queue holds transient parse jobs, not records; prod keeps 15',
        rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup'] },
      });
    }
  }

  /** An ElastiCache metric of one node (a member cluster id of `memberClusterIds`). */
  metricNode(
    metricName: string,
    member: string,
    options: { statistic?: string; label?: string; period?: Duration } = {},
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache',
      metricName,
      dimensionsMap: { CacheClusterId: member },
      statistic: options.statistic ?? 'Average',
      period: options.period ?? Duration.minutes(1),
      label: options.label,
    });
  }
}
