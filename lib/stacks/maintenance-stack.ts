import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { EncryptionKey } from '../constructs/encryption-key';
import { PartitionMaintenanceJob } from '../constructs/partition-maintenance-job';
import type { DataStack } from './data-stack';
import type { NetworkStack } from './network-stack';

export interface MaintenanceStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly network: NetworkStack;
  readonly data: DataStack;
}

/**
 * Stateless: the partition-maintenance job (TimescaleDB's automatic partitioning and retention,
 * done by a scheduled Lambda), its dead-letter queue, alarms and the topic they notify.
 */
export class MaintenanceStack extends Stack {
  readonly job: PartitionMaintenanceJob;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: MaintenanceStackProps) {
    super(scope, id, props);
    const { config, network, data } = props;
    const key = new EncryptionKey(this, 'Key', {
      purpose: `CS2 Analytics ${config.envName} maintenance: logs, dead letters, alarm notifications`,
      forCloudWatchLogs: true,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    }).key;
    // CloudWatch alarms publish to the encrypted topic as the CloudWatch service.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToNotify',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `cs2analytics-${config.envName}-alarms`,
      displayName: `CS2 Analytics ${config.envName} alarms`,
      masterKey: key,
      enforceSSL: true,
    });

    this.job = new PartitionMaintenanceJob(this, 'PartitionMaintenance', {
      envName: config.envName,
      settings: config.maintenance,
      archival: config.archival,
      database: data.database,
      databaseKey: data.encryptionKey,
      archiveBucket: data.archiveBucket,
      vpc: network.vpc,
      subnets: network.subnets.privateWithEgress,
      securityGroup: data.maintenanceSecurityGroup,
      encryptionKey: key,
      alarmTopic: this.alarmTopic,
      retainLogs: config.retainData,
    });
  }
}
