import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import {
  backupCopyVaultName,
  backupPlanName,
  backupVaultName,
  demoFileSystemName,
  environmentLogGroupPrefixes,
  OPERATOR_OUTPUTS,
  redisAuthTokenSecretName,
  redisReplicationGroupId,
} from '../config/names';
import { BackupResource } from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { DataBackupPlan } from '../constructs/data-backup-plan';
import { DemoFileSystem } from '../constructs/demo-file-system';
import { EncryptionKey } from '../constructs/encryption-key';
import { PartitionArchiveBucket } from '../constructs/partition-archive-bucket';
import { AppCredentials } from '../constructs/app-credentials';
import { APP_LOGINS, MIGRATION_LOGIN, PostgresDatabase } from '../constructs/postgres-database';
import { RedisTokenRotation } from '../constructs/redis-token-rotation';
import { RedisJobQueue } from '../constructs/redis-job-queue';
import type { NetworkStack } from './network-stack';
import { retainOrDestroy } from '../constructs/retention';

export interface DataStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** Only what this stack uses of it. */
  readonly network: Pick<NetworkStack, 'vpc' | 'subnets'>;
}

/**
 * Everything that holds the platform's data, in the isolated subnets: PostgreSQL behind RDS Proxy,
 * the Redis job queue, the demo-files file system, the key that encrypts them and their secrets.
 *
 * It also owns the security groups of its clients (one per service, the migrations, the maintenance
 * function, the credential functions), each reaching only what that client uses, so that the
 * stateless stacks attach them to their tasks and functions and this stack never depends on them.
 */
export class DataStack extends Stack {
  readonly encryptionKey: kms.IKey;
  readonly database: PostgresDatabase;
  readonly jobQueue: RedisJobQueue;
  readonly demoFiles: DemoFileSystem;
  /** Where the maintenance job archives retired partitions (the database writes it directly). */
  readonly archiveBucket: s3.IBucket;
  /** For the API tasks: the proxy (and the read replicas in instance mode) and the demo files. */
  readonly apiClientSecurityGroup: ec2.ISecurityGroup;
  /** For the parser tasks: Redis and the demo files. */
  readonly parserClientSecurityGroup: ec2.ISecurityGroup;
  /** For the one-off migration task: the proxy's read/write endpoint. */
  readonly migrationClientSecurityGroup: ec2.ISecurityGroup;
  /** For the partition-maintenance job: reaches the database writer directly. */
  readonly maintenanceSecurityGroup: ec2.ISecurityGroup;
  /** For the rotation of the app's database credentials: the writer and the proxy. */
  readonly databaseCredentialsSecurityGroup: ec2.ISecurityGroup;
  /** For the rotation of the Redis token and the connection refresh: Redis (to try a token). */
  readonly redisCredentialsSecurityGroup: ec2.ISecurityGroup;
  /** The app's database credentials: the login in use, rotated between two logins. */
  readonly appCredentials: AppCredentials;
  readonly redisTokenRotation: RedisTokenRotation;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, network } = props;
    const { envName, retainData } = config;
    const placement = { vpc: network.vpc, subnets: network.subnets.isolated, envName, retainData };

    this.encryptionKey = new EncryptionKey(this, 'DataKey', {
      purpose: `CS2 Analytics ${envName} data: database, snapshots, secrets, Redis, demo files, their logs`,
      // The data tier's log groups use this key too: a key of the same stack is what Control Tower's
      // log-encryption control can verify (it does not follow cross-stack imports).
      forCloudWatchLogs: true,
      logGroupNamePrefixes: environmentLogGroupPrefixes(envName),
      removalPolicy: retainOrDestroy(retainData),
    }).key;

    const clientGroup = (id: string, description: string) =>
      new ec2.SecurityGroup(this, id, {
        vpc: network.vpc,
        description: `CS2 Analytics ${envName}: ${description}`,
        allowAllOutbound: true,
      });
    this.apiClientSecurityGroup = clientGroup('ApiClientSecurityGroup', 'API tasks (the proxy, the demo files)');
    this.parserClientSecurityGroup = clientGroup('ParserClientSecurityGroup', 'parser tasks (Redis, the demo files)');
    this.migrationClientSecurityGroup = clientGroup('MigrationClientSecurityGroup', 'the migration task (the proxy)');
    // The group API and parser tasks shared before each had its own. Kept, with its rules, for one
    // release: the tasks running at the upgrade still use it until the services stack replaces them
    // (deployed after this one), and a group still attached cannot be deleted. Nothing attaches it any
    // more; the next release deletes it (docs/security.md, upgrade).
    const retiredServiceTier = new ec2.SecurityGroup(this, 'ServiceTierSecurityGroup', {
      vpc: network.vpc,
      description: `CS2 Analytics ${envName}: API and parser tasks (clients of the data tier)`,
      allowAllOutbound: true,
    });
    // The output the services stack of the release before reads it from (a weak reference, under
    // the id CDK gave it): a rollback of the services stack's upgrade resolves its old template again.
    new CfnOutput(this, 'RetiredServiceTierReference', { value: retiredServiceTier.securityGroupId }).overrideLogicalId(
      'PublishOutputFnGetAttServiceTierSecurityGroupC223F0D0GroupIdB59A4A6B',
    );
    this.maintenanceSecurityGroup = new ec2.SecurityGroup(this, 'MaintenanceSecurityGroup', {
      vpc: network.vpc,
      description: `CS2 Analytics ${envName}: partition-maintenance job (direct writer sessions)`,
      allowAllOutbound: true,
    });

    this.databaseCredentialsSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseCredentialsSecurityGroup', {
      vpc: network.vpc,
      description: `CS2 Analytics ${envName}: rotation of the app database credentials (writer, proxy)`,
      allowAllOutbound: true,
    });
    this.redisCredentialsSecurityGroup = new ec2.SecurityGroup(this, 'RedisCredentialsSecurityGroup', {
      vpc: network.vpc,
      description: `CS2 Analytics ${envName}: Redis token rotation and connection refresh (Redis)`,
      allowAllOutbound: true,
    });

    const archive = new PartitionArchiveBucket(this, 'PartitionArchive', { envName, encryptionKey: this.encryptionKey });
    this.archiveBucket = archive.bucket;

    this.database = new PostgresDatabase(this, 'Database', {
      ...placement,
      s3ExportRole: archive.exportRole,
      rotationSubnets: network.subnets.privateWithEgress,
      availabilityZones: config.network.availabilityZones,
      settings: config.database,
      encryptionKey: this.encryptionKey,
      logsKey: this.encryptionKey,
      appLogins: APP_LOGINS,
      migrationLogin: MIGRATION_LOGIN,
    });
    this.database.allowApplicationFrom(this.apiClientSecurityGroup, 'API to the proxy');
    this.database.allowProxyFrom(this.migrationClientSecurityGroup, 'Migrations to the proxy');
    this.database.allowApplicationFrom(retiredServiceTier, 'Service tier to the proxy');
    this.database.allowDirectFrom(this.maintenanceSecurityGroup, 'Partition maintenance to the writer');
    this.database.allowDirectFrom(this.databaseCredentialsSecurityGroup, 'Credential rotation to the writer');
    this.database.allowProxyFrom(this.databaseCredentialsSecurityGroup, 'Credential rotation to the proxy');

    this.jobQueue = new RedisJobQueue(this, 'JobQueue', {
      ...placement,
      replicationGroupId: redisReplicationGroupId(envName),
      authTokenSecretName: redisAuthTokenSecretName(envName),
      settings: config.cache,
      encryptionKey: this.encryptionKey,
      logsKey: this.encryptionKey,
    });
    this.jobQueue.connections.allowDefaultPortFrom(this.parserClientSecurityGroup, 'Parser to Redis');
    this.jobQueue.connections.allowDefaultPortFrom(retiredServiceTier, 'Service tier to Redis');
    this.jobQueue.connections.allowDefaultPortFrom(this.redisCredentialsSecurityGroup, 'Token rotation and refresh to Redis');

    const credentialFunctions = {
      envName,
      encryptionKey: this.encryptionKey,
      vpc: network.vpc,
      subnets: network.subnets.privateWithEgress,
      logsKey: this.encryptionKey,
    };
    this.appCredentials = new AppCredentials(this, 'AppCredentials', {
      ...credentialFunctions,
      securityGroup: this.databaseCredentialsSecurityGroup,
      database: this.database,
      logRetentionDays: config.database.logRetentionDays,
      retainData,
    });
    this.redisTokenRotation = new RedisTokenRotation(this, 'RedisTokenRotation', {
      ...credentialFunctions,
      securityGroup: this.redisCredentialsSecurityGroup,
      jobQueue: this.jobQueue,
      logRetentionDays: config.cache.logRetentionDays,
      retainLogs: retainData,
    });

    this.demoFiles = new DemoFileSystem(this, 'DemoFiles', {
      ...placement,
      fileSystemName: demoFileSystemName(envName),
      settings: config.fileSystem,
      encryptionKey: this.encryptionKey,
    });
    this.demoFiles.connections.allowDefaultPortFrom(this.apiClientSecurityGroup, 'API to the demo files');
    this.demoFiles.connections.allowDefaultPortFrom(this.parserClientSecurityGroup, 'Parser to the demo files');
    this.demoFiles.connections.allowDefaultPortFrom(retiredServiceTier, 'Service tier to the demo files');

    new DataBackupPlan(this, 'Backup', {
      planName: backupPlanName(envName),
      vaultName: backupVaultName(envName),
      copyVaultName: backupCopyVaultName(envName),
      settings: config.backup,
      encryptionKey: this.encryptionKey,
      resources: [this.database.backupResource, BackupResource.fromEfsFileSystem(this.demoFiles.fileSystem)],
      retainData,
    });

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('DatabaseProxyEndpoint', this.database.writerEndpoint, 'PostgreSQL read/write, through RDS Proxy (TLS)');
    output('DatabaseReaderEndpoint', this.database.readerEndpoint, 'PostgreSQL read-only: proxy read-only endpoint or replica DNS name');
    output('DatabaseSecretArn', this.database.secret.secretArn, 'Secrets Manager secret with the database credentials');
    output('RedisEndpoint', this.jobQueue.primaryEndpoint, 'Redis primary endpoint (TLS, AUTH token)');
    output('RedisAuthTokenSecretArn', this.jobQueue.authToken.secretArn, 'Secrets Manager secret with the Redis AUTH token');
    output('DemoFilesFileSystemId', this.demoFiles.fileSystem.fileSystemId, 'EFS file system of the demo files');
    output('PartitionArchiveBucketName', this.archiveBucket.bucketName, 'S3 bucket of the archived monthly partitions');
    output('DemoFilesAccessPointId', this.demoFiles.accessPoint.accessPointId, 'EFS access point the containers mount');
    output(
      OPERATOR_OUTPUTS.migrationClientSecurityGroup.name,
      this.migrationClientSecurityGroup.securityGroupId,
      'The security group of the migration task, which reaches the proxy (npm run migrate, aws ecs run-task)',
    );
  }
}
