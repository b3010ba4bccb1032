import { CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { rdsLogGroupName } from '../config/names';
import type { InstanceDatabaseSettings } from '../config/schema';
import { DATABASE_NAME, DATABASE_PORT, type BuiltDatabase, type DatabaseParts } from './postgres-engine-parts';
import { parametersFor } from './postgres-parameters';
import { SCHEDULE } from '../config/schedule';

/**
 * The `instance` engine mode of PostgresDatabase: an RDS for PostgreSQL primary (Multi-AZ where
 * asked) on gp3, and read replicas in the next zones reached directly (RDS Proxy cannot front
 * them), created in `scope` (the PostgresDatabase construct).
 */
export function buildInstanceWithReplicas(scope: Construct, settings: InstanceDatabaseSettings, parts: DatabaseParts): BuiltDatabase {
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
  const engine = rds.DatabaseInstanceEngine.postgres({
    version: rds.PostgresEngineVersion.of(settings.postgresVersion, '17', { s3Export: true }),
  });
  const group = (groupId: string, kind: 'writer' | 'reader') =>
    new rds.ParameterGroup(scope, groupId, {
      engine,
      description: `CS2 Analytics ${envName} PostgreSQL ${kind === 'writer' ? 'primary' : 'replica'} parameters`,
      parameters: parametersFor(parameters, 'instance', kind),
    });
  // One subnet group for the primary and every replica (each would otherwise get its own).
  const subnetGroup = new rds.SubnetGroup(scope, 'SubnetGroup', {
    vpc,
    vpcSubnets: props.subnets,
    description: `CS2 Analytics ${envName} PostgreSQL: isolated subnets`,
  });
  const common = {
    instanceType,
    vpc,
    subnetGroup,
    securityGroups: [securityGroup],
    storageEncrypted: true,
    storageEncryptionKey: props.encryptionKey,
    publiclyAccessible: false,
    // Minor versions follow database.postgresVersion, upgraded by config in a maintenance window:
    // an automatic upgrade would make the next deploy ask to go back to the pinned minor, and fail.
    autoMinorVersionUpgrade: false,
    allowMajorVersionUpgrade: false,
    caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    cloudwatchLogsExports: ['postgresql', 'upgrade'],
    deletionProtection: retainData,
    copyTagsToSnapshot: true,
    ...insights,
    ...monitoring,
  };
  const primaryLogs = exportLogGroup('PostgresLogs', rdsLogGroupName('instance', identifier, 'postgresql'));
  const upgradeLogs = exportLogGroup('UpgradeLogs', rdsLogGroupName('instance', identifier, 'upgrade'));
  const primary = new rds.DatabaseInstance(scope, 'Primary', {
    ...common,
    engine,
    instanceIdentifier: identifier,
    credentials,
    databaseName: DATABASE_NAME,
    port: DATABASE_PORT,
    parameterGroup: group('PrimaryParameters', 'writer'),
    multiAz: settings.multiAz,
    availabilityZone: settings.multiAz ? undefined : props.availabilityZones[0],
    storageType: rds.StorageType.GP3,
    allocatedStorage: settings.allocatedStorageGiB,
    maxAllocatedStorage: settings.maxAllocatedStorageGiB,
    iamAuthentication: true,
    backupRetention: Duration.days(settings.backupRetentionDays),
    preferredBackupWindow: SCHEDULE.databaseBackupWindow,
    s3ExportRole: props.s3ExportRole,
    preferredMaintenanceWindow: SCHEDULE.databaseMaintenanceWindow,
    removalPolicy,
  });
  (primary.node.defaultChild as CfnResource).node.addDependency(primaryLogs, upgradeLogs);
  if (!settings.multiAz) placedInZone(primary);
  const replicaParameters = settings.readers > 0 ? group('ReplicaParameters', 'reader') : undefined;
  // The replicas are reached directly (the proxy cannot front them), by read-only clients only:
  // a group of their own keeps the writer's group to the proxy, rotation and the job.
  const replicaSecurityGroup =
    settings.readers > 0
      ? new ec2.SecurityGroup(scope, 'ReplicaSecurityGroup', {
          vpc,
          description: `PostgreSQL ${envName} read replicas: read-only application clients only`,
          allowAllOutbound: false,
        })
      : undefined;
  const replicas = Array.from({ length: settings.readers }, (_, index) => {
    const replicaId = `${identifier}-replica-${index + 1}`;
    const replicaLogs = [
      exportLogGroup(`Replica${index + 1}PostgresLogs`, rdsLogGroupName('instance', replicaId, 'postgresql')),
      exportLogGroup(`Replica${index + 1}UpgradeLogs`, rdsLogGroupName('instance', replicaId, 'upgrade')),
    ];
    const { storageEncrypted: _inherited, storageEncryptionKey: _inheritedKey, ...replicaProps } = common;
    const replica = new rds.DatabaseInstanceReadReplica(scope, `Replica${index + 1}`, {
      // A replica in the same region is encrypted with its source's key; CloudFormation rejects
      // StorageEncrypted next to SourceDBInstanceIdentifier.
      ...replicaProps,
      sourceDatabaseInstance: primary,
      securityGroups: [replicaSecurityGroup!],
      instanceIdentifier: replicaId,
      port: DATABASE_PORT,
      parameterGroup: replicaParameters,
      // CDK's default for a replica is gp2 (a tenth of gp3's baseline IOPS at these sizes): the
      // same gp3 as the primary, so that a promoted replica performs as the primary did.
      storageType: rds.StorageType.GP3,
      multiAz: settings.multiAz,
      availabilityZone: settings.multiAz ? undefined : readerZone(index),
      // Patched in the same window as the primary, not at a time RDS picks at random.
      preferredMaintenanceWindow: SCHEDULE.databaseMaintenanceWindow,
      // A replica holds nothing the primary does not: no final snapshot, but still protected
      // from deletion while retainData is on (lower `readers` after turning protection off).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    (replica.node.defaultChild as CfnResource).node.addDependency(...replicaLogs);
    if (!settings.multiAz) placedInZone(replica);
    acknowledge(replica, {
      reason:
        "A read replica in the same region is encrypted with its source's KMS key (the data key); CloudFormation " +
        'rejects StorageEncrypted next to SourceDBInstanceIdentifier, so the template cannot say it',
      rules: { AwsSolutions: ['AwsSolutions-RDS2'], 'NIST.800.53.R5': ['NIST.800.53.R5-RDSStorageEncrypted'] },
    });
    acknowledge(replica, {
      reason:
        `The replica listens on ${DATABASE_PORT} (its Port property); the rule judges a replica by its Engine, which a ` +
        'replica inherits from its source instead of declaring, and so reports the default port',
      rules: { AwsSolutions: ['AwsSolutions-RDS11'] },
    });
    return replica;
  });
  for (const replica of replicas) {
    acknowledge(replica, {
      reason: 'A read replica holds nothing its primary does not; the data backup plan backs up the primary',
      rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-RDSInBackupPlan'] },
    });
  }
  return {
    secret: primary.secret!,
    directWriterEndpoint: primary.dbInstanceEndpointAddress,
    describeArn: primary.instanceArn,
    proxyTarget: rds.ProxyTarget.fromInstance(primary),
    backupResource: backup.BackupResource.fromRdsDatabaseInstance(primary),
    instanceIdentifiers: { writer: primary.instanceIdentifier, readers: replicas.map((replica) => replica.instanceIdentifier) },
    replicaAddresses: replicas.map((replica) => replica.dbInstanceEndpointAddress),
    replicaConnections: replicaSecurityGroup
      ? new ec2.Connections({ securityGroups: [replicaSecurityGroup], defaultPort: ec2.Port.tcp(DATABASE_PORT) })
      : undefined,
  };
}
