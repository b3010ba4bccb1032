import { CfnResource, Duration } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { rdsLogGroupName } from '../config/names';
import type { AuroraDatabaseSettings } from '../config/schema';
import { DATABASE_NAME, DATABASE_PORT, type BuiltDatabase, type DatabaseParts } from './postgres-engine-parts';
import { parametersFor } from './postgres-parameters';
import { SCHEDULE } from '../config/schedule';

/**
 * The `aurora` engine mode of PostgresDatabase: an Aurora PostgreSQL cluster, its writer in the first
 * zone and each reader in the next ones, created in `scope` (the PostgresDatabase construct).
 */
export function buildAuroraCluster(scope: Construct, settings: AuroraDatabaseSettings, parts: DatabaseParts): BuiltDatabase {
  const {
    props,
    identifier,
    credentials,
    parameters,
    instanceType,
    removalPolicy,
    insights,
    monitoring,
    securityGroup,
    readerZone,
    exportLogGroup,
    placedInZone,
  } = parts;
  const { vpc, envName } = props;
  const retainData = props.retainData ?? true;
  const engine = rds.DatabaseClusterEngine.auroraPostgres({
    // aws_s3.query_export_to_s3 exists on every Aurora PostgreSQL 17 release; CDK only knows it for versions it lists.
    version: rds.AuroraPostgresEngineVersion.of(settings.postgresVersion, '17', { s3Export: true }),
  });
  const group = (groupId: string, kind: 'cluster' | 'writer' | 'reader') =>
    new rds.ParameterGroup(scope, groupId, {
      engine,
      description: `CS2 Analytics ${envName} Aurora PostgreSQL ${kind} parameters`,
      parameters: parametersFor(parameters, 'aurora', kind),
    });
  const writerParameters = group('WriterParameters', 'writer');
  const readerParameters = group('ReaderParameters', 'reader');
  const instance = (parameterGroup: rds.IParameterGroup, availabilityZone: string) => ({
    instanceType,
    parameterGroup,
    availabilityZone,
    publiclyAccessible: false,
    // Minor versions follow database.postgresVersion, upgraded by config in a maintenance window:
    // an automatic upgrade would make the next deploy ask to go back to the pinned minor, and fail.
    autoMinorVersionUpgrade: false,
    caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    // Aurora patches each instance in the instance's own window, which RDS would otherwise pick at
    // random in the region's night: the cluster's, clear of rotations and the daily pass.
    preferredMaintenanceWindow: SCHEDULE.databaseMaintenanceWindow,
    ...insights,
  });
  const logGroup = exportLogGroup('PostgresLogs', rdsLogGroupName('cluster', identifier, 'postgresql'));
  const cluster = new rds.DatabaseCluster(scope, 'Cluster', {
    engine,
    clusterIdentifier: identifier,
    credentials,
    defaultDatabaseName: DATABASE_NAME,
    port: DATABASE_PORT,
    parameterGroup: group('ClusterParameters', 'cluster'),
    writer: rds.ClusterInstance.provisioned('Writer', instance(writerParameters, props.availabilityZones[0])),
    readers: Array.from({ length: settings.readers }, (_, index) =>
      rds.ClusterInstance.provisioned(`Reader${index + 1}`, {
        ...instance(readerParameters, readerZone(index)),
        // Readers fail over in order; all share tier 1 so any healthy reader may be promoted.
        promotionTier: 1,
      }),
    ),
    vpc,
    vpcSubnets: props.subnets,
    securityGroups: [securityGroup],
    storageEncrypted: true,
    storageEncryptionKey: props.encryptionKey,
    iamAuthentication: true,
    backup: { retention: Duration.days(settings.backupRetentionDays), preferredWindow: SCHEDULE.databaseBackupWindow },
    preferredMaintenanceWindow: SCHEDULE.databaseMaintenanceWindow,
    cloudwatchLogsExports: ['postgresql'],
    copyTagsToSnapshot: true,
    deletionProtection: retainData,
    removalPolicy,
    s3ExportRole: props.s3ExportRole,
    ...monitoring,
  });
  // Only the database itself waits for its log group: a dependency of the whole construct would
  // reach its secret too, and close a cycle through the proxy role (data key -> proxy role ->
  // its policy -> secret -> log group -> data key).
  (cluster.node.defaultChild as CfnResource).node.addDependency(logGroup);
  placedInZone(cluster.node.findChild('Writer'));
  for (let index = 0; index < settings.readers; index++) placedInZone(cluster.node.findChild(`Reader${index + 1}`));
  // The writer is created first, then the readers in order.
  const [writer, ...readers] = cluster.instanceIdentifiers;
  // AWS Backup protects Aurora at cluster level: the plan selects the cluster, not its instances.
  for (const instance of cluster.node.children.filter(
    (child) => child instanceof rds.CfnDBInstance || child.node.defaultChild instanceof rds.CfnDBInstance,
  )) {
    acknowledge(instance, {
      reason:
        'Aurora instances are backed up through their cluster: AWS Backup selects Aurora by cluster ARN, which the data backup plan does',
      rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-RDSInBackupPlan'] },
    });
  }
  return {
    secret: cluster.secret!,
    directWriterEndpoint: cluster.clusterEndpoint.hostname,
    describeArn: cluster.clusterArn,
    proxyTarget: rds.ProxyTarget.fromCluster(cluster),
    backupResource: backup.BackupResource.fromRdsDatabaseCluster(cluster),
    instanceIdentifiers: { writer, readers },
    replicaAddresses: [],
  };
}
