import { ArnFormat, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { acknowledge } from '../compliance/acknowledge';
import type { ArchivalSettings, MaintenanceSettings } from '../config/schema';
import { bundledLambdaCode } from './bundled-lambda-code';
import { acknowledgeRegionalRuntime, lambdaNodeRuntime } from './lambda-node-runtime';
import { APP_OWNER_ROLE, APP_RUNTIME_ROLE, DATABASE_NAME, type PostgresDatabase } from './postgres-database';

/** Connections the migration login may hold at once: one migration run, and an operator's session beside it. */
const MIGRATION_CONNECTION_LIMIT = 5;
import { ServiceRole } from './service-role';
import { configuredLogGroup } from './retention';
import { deadLetterQueue } from './dead-letter-queue';
import { acknowledgeVpcFunctionStatements, vpcFunctionStatements } from './vpc-function';
import { MAINTENANCE_ENVIRONMENT as ENV, MAINTENANCE_METRICS_NAMESPACE, type MaintenanceMetric } from '../contract';

const PROJECT_ROOT = path.join(__dirname, '..', '..');
export const SQL_DIRECTORY = path.join(PROJECT_ROOT, 'sql');

export interface PartitionMaintenanceJobProps {
  readonly envName: string;
  readonly settings: MaintenanceSettings;
  /** Retention and archiving: the same value the API gets as ARCHIVAL_THRESHOLD_MONTHS. */
  readonly archival: ArchivalSettings;
  readonly database: PostgresDatabase;
  /** The key of the database secret (the function decrypts it through Secrets Manager). */
  readonly databaseKey: kms.IKey;
  /** Connections each app login may hold (its roles are set up at deploy). */
  readonly appConnectionLimit: number;
  readonly archiveBucket: s3.IBucket;
  readonly vpc: ec2.IVpc;
  /** Private subnets with egress: the function calls RDS, Secrets Manager and answers CloudFormation. */
  readonly subnets: ec2.SubnetSelection;
  /** The data tier's group for this job: the only one, besides the proxy, the writer admits. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Encrypts the function's logs and its dead-letter queue. */
  readonly encryptionKey: kms.IKey;
  /**
   * Keep the function's logs when the stack is deleted.
   * @default true
   */
  readonly retainLogs?: boolean;
}

/**
 * The scheduled Lambda that rotates monthly partitions (lambda/partition-maintenance): daily, and
 * once per deployment that changes sql/ or the table settings. It connects to the writer directly
 * (a real session, TLS verified against the RDS CA bundle of the runtime). Failed runs are retried
 * twice, then kept in an encrypted dead-letter queue. Its alarms live in the monitoring stack.
 */
export class PartitionMaintenanceJob extends Construct {
  readonly function: lambda.Function;
  readonly deadLetterQueue: sqs.Queue;
  /** `schema.table` of every maintained table: the `Table` dimension of its metrics. */
  readonly tables: readonly string[];
  private readonly envName: string;

  constructor(scope: Construct, id: string, props: PartitionMaintenanceJobProps) {
    super(scope, id);
    this.envName = props.envName;
    const logGroup = this.createLogGroup(props);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', {
      encryptionKey: props.encryptionKey,
      deadLettersOf: 'the maintenance function',
    });
    const tables = maintainedTables(props);
    const role = this.createRole(props, logGroup);
    this.function = this.createFunction(props, role, logGroup, tables);
    this.acknowledgeFunctionChoices();
    this.runDaily(props);
    this.runAtDeployment(props, tables);
    this.tables = tables.map((table) => `${table.schema}.${table.table}`);
  }

  private createLogGroup(props: PartitionMaintenanceJobProps): logs.ILogGroup {
    return configuredLogGroup(this, 'Logs', {
      envName: props.envName,
      retentionField: 'maintenance.logRetentionDays',
      retentionDays: props.settings.logRetentionDays,
      encryptionKey: props.encryptionKey,
      retain: props.retainLogs ?? true,
    });
  }

  /** The function's role: every statement names its resource, but for what Lambda in a VPC and X-Ray need. */
  private createRole(props: PartitionMaintenanceJobProps, logGroup: logs.ILogGroup): ServiceRole {
    const { database } = props;
    const stack = Stack.of(this);
    const migrationLogin = migrationLoginOf(database);
    const role = new ServiceRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Partition maintenance ${props.envName}`,
      statements: [
        ...vpcFunctionStatements(logGroup, props.vpc),
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          // The master secret it connects with; each app login's secret, whose password it sets at deploy.
          resources: [
            database.secret.secretArn,
            ...Object.values(database.loginSecrets).map((loginSecret) => loginSecret.secretArn),
            ...(migrationLogin ? [migrationLogin.secretArn] : []),
          ],
        }),
        // After a restore to a point in time: the master secret's older versions (lambda/shared/master-login.ts).
        new iam.PolicyStatement({ actions: ['secretsmanager:ListSecretVersionIds'], resources: [database.secret.secretArn] }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.databaseKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
        new iam.PolicyStatement({
          // Named after the database, which a restore replaces under a new identifier: the statement then
          // changes with it and reads the new ARN (a cross-stack reference is resolved only when the
          // resource that holds it is updated).
          sid: `Describe${database.identifier.replace(/[^A-Za-z0-9]/g, '')}`,
          actions: [database.engine === 'aurora' ? 'rds:DescribeDBClusters' : 'rds:DescribeDBInstances'],
          resources: [database.describeArn],
        }),
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
        // At deploy time: whether its own stack is rolling back (an Update then must not fail).
        new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }),
        // Its dead-letter queue's key, through SQS only.
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${stack.region}.amazonaws.com` } },
        }),
      ],
    });
    acknowledgeVpcFunctionStatements(role.policy!, props.vpc);
    for (const finding of ['Resource::*']) {
      acknowledge(role.policy!, {
        reason:
          'Only the VPC network-interface actions Lambda needs to run in the VPC and X-Ray trace publishing use *: ' +
          'neither supports resource-level permissions; every other statement names its resource',
        rules: { AwsSolutions: [`AwsSolutions-IAM5[${finding}]`] },
      });
    }
    return role;
  }

  private createFunction(
    props: PartitionMaintenanceJobProps,
    role: ServiceRole,
    logGroup: logs.ILogGroup,
    tables: MaintainedTables,
  ): lambda.Function {
    const runtime = lambdaNodeRuntime(this);
    return new lambda.Function(this, 'Function', {
      description: `CS2 Analytics ${props.envName}: monthly partition maintenance`,
      // sql/ ships inside the bundle: the function installs or upgrades it.
      code: bundledLambdaCode({ folder: 'partition-maintenance', extraDirectories: { sql: SQL_DIRECTORY }, runtime }),
      handler: 'index.handler',
      runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.minutes(15),
      // No reserved concurrency: one pass per database at a time is enforced in PostgreSQL (a session
      // advisory lock; a second pass reports skipped), and reserving any would fail on accounts whose
      // concurrency quota is 10, where Lambda keeps all 10 unreserved.
      role: role.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      environment: this.functionEnvironment(props, tables),
    });
  }

  /** What the function reads (lib/contract.ts names it): the database, the app's roles, the tables, the archive. */
  private functionEnvironment(props: PartitionMaintenanceJobProps, tables: MaintainedTables): Record<string, string> {
    const { database, settings } = props;
    const stack = Stack.of(this);
    const migrationLogin = migrationLoginOf(database);
    return {
      [ENV.environment]: props.envName,
      [ENV.databaseHost]: database.directWriterEndpoint,
      [ENV.databasePort]: String(database.databasePort),
      [ENV.databaseName]: DATABASE_NAME,
      [ENV.databaseSecretArn]: database.secret.secretArn,
      // The app's database roles, set up at every deployment (sql/002_app_roles.sql).
      ...(migrationLogin
        ? {
            [ENV.appRoles]: stack.toJsonString({
              owner: APP_OWNER_ROLE,
              runtimeRole: APP_RUNTIME_ROLE,
              logins: Object.entries(database.loginSecrets).map(([username, loginSecret]) => ({
                username,
                secretArn: loginSecret.secretArn,
              })),
              migrationLogin: { ...migrationLogin, connectionLimit: MIGRATION_CONNECTION_LIMIT },
              connectionLimit: props.appConnectionLimit,
            }),
          }
        : {}),
      [ENV.databaseEngine]: database.engine,
      [ENV.databaseIdentifier]: database.identifier,
      [ENV.databaseTls]: 'verify-full',
      [ENV.tables]: JSON.stringify(tables),
      [ENV.archiveBucket]: props.archiveBucket.bucketName,
      [ENV.archiveRegion]: stack.region,
      [ENV.lockTimeoutMs]: String(settings.lockTimeoutMs),
      [ENV.metricsNamespace]: MAINTENANCE_METRICS_NAMESPACE,
      // Node.js 20+ runtimes no longer trust the Amazon CAs by default; this bundle has the RDS ones.
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
    };
  }

  private acknowledgeFunctionChoices(): void {
    acknowledgeRegionalRuntime(this.function);
    acknowledge(this.function, {
      reason:
        'The function runs in the private subnets of the network stack (VpcConfig); their ids arrive as cross-stack ' +
        'references, which this control cannot follow to a literal subnet id',
      rules: { 'cdk-validator-cfnguard': ['lambda_inside_vpc_check'] },
    });
    acknowledge(this.function, {
      reason:
        'No reserved concurrency on purpose: PostgreSQL serializes passes (a session advisory lock; a second pass reports ' +
        'skipped), and any reservation fails to deploy on new accounts whose concurrency quota is 10',
      rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-LambdaConcurrency'] },
    });
    acknowledge(this.function, {
      reason:
        'Failed asynchronous runs land in the encrypted dead-letter queue (DeadLetterConfig, after 2 retries), which is ' +
        'alarmed; a second failure destination would deliver every failure twice',
      rules: { Serverless: ['Serverless-LambdaAsyncFailureDestination'] },
    });
  }

  /**
   * The daily run. Invocations EventBridge gives up on land in the same encrypted queue: EventBridge
   * must be able to use its key, for queues of this account only.
   */
  private runDaily(props: PartitionMaintenanceJobProps): void {
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        // Only through queues of this account (SQS names the queue in the encryption context of every
        // call it makes for a message): another account's EventBridge cannot use this key.
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:sqs:arn': Stack.of(this).formatArn({
              service: 'sqs',
              resource: '*',
              arnFormat: ArnFormat.NO_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    new events.Rule(this, 'DailySchedule', {
      description: `CS2 Analytics ${props.envName}: daily partition maintenance`,
      schedule: events.Schedule.cron({ minute: '30', hour: String(props.settings.scheduleHourUtc) }),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, deadLetterQueue: this.deadLetterQueue })],
    });
  }

  /**
   * Once per deployment that changes sql/ or the tables: install or upgrade, then run a pass.
   * The function itself answers CloudFormation, so no provider function is needed.
   */
  private runAtDeployment(props: PartitionMaintenanceJobProps, tables: MaintainedTables): void {
    const { database } = props;
    const migrationLogin = migrationLoginOf(database);
    new CustomResource(this, 'DeploymentRun', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::PartitionMaintenance',
      // Not CloudFormation's default hour: a run that never answers (past the function's 15 minutes)
      // fails the deployment after this, not after an hour.
      serviceTimeout: Duration.minutes(20),
      // A change to any of these reruns it: sql/, the tables, the app's roles and their secrets, and
      // the database itself (another engine or instance is a new, empty database, without the roles).
      properties: {
        SqlVersion: sqlFingerprint(),
        Tables: JSON.stringify(tables),
        AppRoles: JSON.stringify({
          owner: APP_OWNER_ROLE,
          runtimeRole: APP_RUNTIME_ROLE,
          logins: Object.keys(database.loginSecrets),
          migrationLogin: migrationLogin?.username,
          connectionLimit: props.appConnectionLimit,
        }),
        LoginSecrets: [
          ...Object.values(database.loginSecrets).map((loginSecret) => loginSecret.secretArn),
          ...(migrationLogin ? [migrationLogin.secretArn] : []),
        ],
        DatabaseEngine: database.engine,
        DatabaseIdentifier: database.identifier,
      },
    });
  }

  /** A metric the job publishes (embedded metric format), named as lib/contract.ts names them. */
  metric(metricName: MaintenanceMetric, options: { table?: string; statistic: string; period: Duration }): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: MAINTENANCE_METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { Environment: this.envName, ...(options.table ? { Table: options.table } : {}) },
      statistic: options.statistic,
      period: options.period,
    });
  }
}

/** Each maintained table with the settings its passes follow. */
function maintainedTables(props: PartitionMaintenanceJobProps) {
  const { settings, archival } = props;
  return settings.tables.map((table) => ({
    ...table,
    futureMonths: settings.futureMonths,
    retentionMonths: archival.thresholdMonths,
    archive: archival.enabled,
    convertIfPlain: settings.convertPlainTables,
  }));
}
type MaintainedTables = ReturnType<typeof maintainedTables>;

/**
 * The migration login, where the database has one. The app's roles are set up when the database has
 * its logins: two runtime logins and the migrations'.
 */
function migrationLoginOf(database: PostgresDatabase): { username: string; secretArn: string } | undefined {
  return (
    database.migrationLogin && {
      username: database.migrationLogin.username,
      secretArn: database.migrationLogin.secret.secretArn,
    }
  );
}

/** Changes when any file of sql/ changes: the deployment run installs the new version. */
export function sqlFingerprint(): string {
  const hash = crypto.createHash('sha256');
  for (const file of fs.readdirSync(SQL_DIRECTORY).sort()) {
    hash.update(file).update(fs.readFileSync(path.join(SQL_DIRECTORY, file)));
  }
  return hash.digest('hex').slice(0, 16);
}
