import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { environmentLogGroupPrefixes, PARTITION_MAINTENANCE_FUNCTION_OUTPUT } from '../config/names';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { EncryptionKey } from '../constructs/encryption-key';
import { PartitionMaintenanceJob } from '../constructs/partition-maintenance-job';
import type { DataStack } from './data-stack';
import type { NetworkStack } from './network-stack';
import { retainOrDestroy } from '../constructs/retention';

export interface MaintenanceStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** Only what this stack uses of it. */
  readonly network: Pick<NetworkStack, 'vpc' | 'subnets'>;
  /** Only what this stack uses of it. */
  readonly data: Pick<DataStack, 'archiveBucket' | 'database' | 'encryptionKey' | 'maintenanceSecurityGroup'>;
}

/**
 * Stateless: the partition-maintenance job (TimescaleDB's automatic partitioning and retention,
 * done by a scheduled Lambda) and its dead-letter queue. Its alarms are in the monitoring stack.
 */
export class MaintenanceStack extends Stack {
  readonly job: PartitionMaintenanceJob;

  constructor(scope: Construct, id: string, props: MaintenanceStackProps) {
    super(scope, id, props);
    const { config, network, data } = props;
    const key = new EncryptionKey(this, 'Key', {
      purpose: `CS2 Analytics ${config.envName} maintenance: logs and dead letters`,
      forCloudWatchLogs: true,
      logGroupNamePrefixes: environmentLogGroupPrefixes(config.envName),
      removalPolicy: retainOrDestroy(config.retainData),
    }).key;
    this.job = new PartitionMaintenanceJob(this, 'PartitionMaintenance', {
      envName: config.envName,
      settings: config.maintenance,
      archival: config.archival,
      database: data.database,
      databaseKey: data.encryptionKey,
      appConnectionLimit: config.database.appConnectionLimit,
      archiveBucket: data.archiveBucket,
      vpc: network.vpc,
      subnets: network.subnets.privateWithEgress,
      securityGroup: data.maintenanceSecurityGroup,
      encryptionKey: key,
      retainLogs: config.retainData,
    });
    // `npm run convert` finds the function here: it has no fixed name to guess.
    new CfnOutput(this, PARTITION_MAINTENANCE_FUNCTION_OUTPUT, {
      value: this.job.function.functionName,
      description: 'The partition-maintenance function (invoke with {"action":"convert"} for the one-time conversion)',
    });
  }
}
