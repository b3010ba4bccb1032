import { ArnFormat, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, SECRET_ROTATION_RULES } from '../compliance/acknowledge';
import { connectionValuesSecretName } from '../config/names';
import { VpcFunction } from './vpc-function';
import { AUTH_TOKEN_CHANGE_ONLY } from './redis-token-rotation';
import { deadLetterQueue } from './dead-letter-queue';
import { REFRESH_ENVIRONMENT as REFRESH } from '../contract';

/**
 * The secrets the clients read, one per kind of client, and the keys each holds (the names the
 * original apps read). ECS reads a whole secret for any key of it: a client that gets one kind's
 * secret can read nothing of another's.
 */
export const CONNECTION_VALUES = {
  /** The app's runtime login, through the proxy (and the readers). */
  database: ['DATABASE_URL', 'DATABASE_READ_URL', 'DATABASE_USER', 'DATABASE_PASSWORD'],
  /** The Redis token. */
  redis: ['REDIS_URL', 'REDIS_PASSWORD'],
  /** The migration login, through the proxy's read/write endpoint. */
  migrations: ['DATABASE_URL', 'DATABASE_USER', 'DATABASE_PASSWORD'],
} as const;
export type ConnectionKind = keyof typeof CONNECTION_VALUES;

export interface ConnectionSecretProps {
  readonly envName: string;
  /** The app's database credentials (the login in use) and the key of the data tier's secrets. */
  readonly appSecret: secretsmanager.ISecret;
  /** Each app login's own secret. */
  readonly loginSecrets: readonly secretsmanager.ISecret[];
  /** The migration login's own secret. */
  readonly migrationLoginSecret: secretsmanager.ISecret;
  readonly redisTokenSecret: secretsmanager.ISecret;
  readonly dataKey: kms.IKey;
  readonly database: {
    readonly name: string;
    readonly proxyHost: string;
    readonly proxyPort: number;
    readonly readerHost: string;
    readonly readerPort: number;
  };
  readonly redis: {
    readonly host: string;
    readonly port: number;
    readonly replicationGroupId: string;
    readonly replicationGroupArn: string;
  };
  /** The ECS cluster, and the services that use each kind of credential (by name: they are created after this). */
  readonly cluster: string;
  readonly services: { readonly database: readonly string[]; readonly redis: readonly string[] };
  /** Encrypts the connection secret, the function's logs and its dead-letter queue. */
  readonly key: kms.IKey;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The data tier's group for credential functions (reaches Redis, to check the old token). */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly logRetentionDays: number;
  readonly retainLogs: boolean;
  /**
   * Values whose change writes the secret again at deploy, besides what it is made of (a database
   * restored under a new identifier resets the app secret's login in use).
   * @default - none
   */
  readonly writtenAgainWhen?: Readonly<Record<string, string>>;
}

/**
 * The clients' connection values with the credentials inside (DATABASE_URL, DATABASE_READ_URL,
 * REDIS_URL, ... under the names the original apps read, so unmodified images work), one secret per
 * kind of client (`values`), which the tasks get as ECS secrets; and one record of them all
 * (`secret`), whose staging labels say when each kind last changed. A function
 * (lambda/credential-refresh) writes them at every deployment, before the services start, and again
 * after every rotation of the database or Redis credentials, then restarts exactly the services that
 * use what changed.
 */
export class ConnectionSecret extends Construct {
  /** What each kind of client reads; the creation of its current version is when its values last changed. */
  readonly values: Readonly<Record<ConnectionKind, secretsmanager.Secret>>;
  /** Written: the services must start after this. */
  readonly written: CustomResource;
  /** Writes the secret and restarts the services (its errors are alarmed). */
  readonly refreshFunction: VpcFunction;
  /** Refreshes that failed every retry (alarmed). */
  readonly deadLetterQueue: sqs.Queue;
  /** The rules that run the refresh after a rotation: rotations must not start before them. */
  readonly afterRotationRules: events.Rule[];

  constructor(scope: Construct, id: string, props: ConnectionSecretProps) {
    super(scope, id);
    this.values = this.createValueSecrets(props);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', {
      encryptionKey: props.key,
      deadLettersOf: 'the connection refresh',
    });
    this.letEventBridgeDeadLetter(props.key);

    const environment = this.refreshEnvironment(props);
    this.refreshFunction = this.createRefreshFunction(props, environment);
    this.grantCredentialReads(props);
    this.grantValueWrites(props);
    this.grantServiceRestarts(props);
    this.grantTokenChange(props);

    this.written = this.writeAtDeployment(props, environment);
    this.afterRotationRules = this.refreshAfterRotations(props);
  }

  /** One secret per kind of client, written by the refresh function. */
  private createValueSecrets(props: ConnectionSecretProps): Record<ConnectionKind, secretsmanager.Secret> {
    const values = Object.fromEntries(
      (Object.keys(CONNECTION_VALUES) as ConnectionKind[]).map((kind) => [
        kind,
        new secretsmanager.Secret(this, `${kind[0].toUpperCase()}${kind.slice(1)}Values`, {
          secretName: connectionValuesSecretName(props.envName, kind),
          description: `CS2 Analytics ${props.envName}: the ${kind} connection values (${CONNECTION_VALUES[kind].join(', ')})`,
          encryptionKey: props.key,
          // The refresh function writes it before any client starts; a rotation finds it by name (names.ts).
          generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'unwritten' },
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      ]),
    ) as Record<ConnectionKind, secretsmanager.Secret>;
    for (const derived of Object.values(values)) {
      acknowledge(derived, {
        reason:
          'Derived, never rotated by itself: rewritten from the database and Redis credentials after each of their rotations ' +
          '(which have their own schedules) and at every deployment',
        rules: SECRET_ROTATION_RULES,
      });
    }
    return values;
  }

  /** EventBridge delivers its own failures to the dead-letter queue too, through the key. */
  private letEventBridgeDeadLetter(key: kms.IKey): void {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeDeadLettersOfConnectionRefresh',
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
  }

  /** What the values are made of, as the refresh function reads it (lib/contract.ts). */
  private refreshEnvironment(props: ConnectionSecretProps): Record<string, string> {
    return {
      [REFRESH.appSecretArn]: props.appSecret.secretArn,
      [REFRESH.redisSecretArn]: props.redisTokenSecret.secretArn,
      [REFRESH.databaseName]: props.database.name,
      [REFRESH.proxyHost]: props.database.proxyHost,
      [REFRESH.proxyPort]: String(props.database.proxyPort),
      [REFRESH.readerHost]: props.database.readerHost,
      [REFRESH.readerPort]: String(props.database.readerPort),
      [REFRESH.redisHost]: props.redis.host,
      [REFRESH.redisPort]: String(props.redis.port),
      [REFRESH.replicationGroupId]: props.redis.replicationGroupId,
      [REFRESH.cluster]: props.cluster,
      [REFRESH.services]: JSON.stringify(props.services),
      [REFRESH.valuesSecretArns]: Stack.of(this).toJsonString(
        Object.fromEntries(Object.entries(this.values).map(([kind, secret]) => [kind, secret.secretArn])),
      ),
      [REFRESH.migrationLoginSecretArn]: props.migrationLoginSecret.secretArn,
    };
  }

  private createRefreshFunction(props: ConnectionSecretProps, environment: Record<string, string>): VpcFunction {
    return new VpcFunction(this, 'Refresh', {
      envName: props.envName,
      purpose: "the services' connection secret, written at deploy and after each rotation, with rolling restarts",
      code: { folder: 'credential-refresh', handler: 'handler' },
      vpc: props.vpc,
      subnets: props.subnets,
      securityGroups: [props.securityGroup],
      logsKey: props.key,
      logRetentionDays: props.logRetentionDays,
      logRetentionField: 'services.logRetentionDays',
      retainLogs: props.retainLogs,
      // Waits for the parser to run on a new Redis token before the old one is dropped.
      timeout: Duration.minutes(15),
      environment,
      deadLetterQueue: { queue: this.deadLetterQueue, key: props.key },
    });
  }

  /** The credentials the values are made of, and the data tier's key, through Secrets Manager only. */
  private grantCredentialReads(props: ConnectionSecretProps): void {
    const role = this.refreshFunction.role;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          props.appSecret.secretArn,
          props.redisTokenSecret.secretArn,
          ...props.loginSecrets.map((loginSecret) => loginSecret.secretArn),
          props.migrationLoginSecret.secretArn,
        ],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.dataKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }

  /** The values' secrets, and their key, through Secrets Manager only. */
  private grantValueWrites(props: ConnectionSecretProps): void {
    const role = this.refreshFunction.role;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:ListSecretVersionIds'],
        resources: Object.values(this.values).map((secret) => secret.secretArn),
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }

  /**
   * By name: the services are created after the secret is written. A restart is an UpdateService
   * that names no task definition; one that does may name only the service's own family (a service's
   * task definition family is its name), so the refresh cannot swap in another image or role.
   * ECS has no condition key for the desired count (service authorization reference).
   */
  private grantServiceRestarts(props: ConnectionSecretProps): void {
    const stack = Stack.of(this);
    const role = this.refreshFunction.role;
    const services = [...new Set([...props.services.database, ...props.services.redis])];
    const serviceArns = services.map((service) =>
      stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${props.cluster}/${service}` }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeServices'], resources: serviceArns }));
    services.forEach((service, index) =>
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ecs:UpdateService'],
          resources: [serviceArns[index]],
          conditions: {
            ArnLikeIfExists: {
              'ecs:task-definition': stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${service}:*` }),
            },
          },
        }),
      ),
    );
  }

  /** The replication group, to check the old token and set the rotated one. */
  private grantTokenChange(props: ConnectionSecretProps): void {
    const role = this.refreshFunction.role;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['elasticache:DescribeReplicationGroups'],
        resources: [props.redis.replicationGroupArn],
      }),
    );
    // SET of the rotated token, and nothing else ElastiCache lets a policy tell apart.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['elasticache:ModifyReplicationGroup'],
        resources: [props.redis.replicationGroupArn],
        conditions: AUTH_TOKEN_CHANGE_ONLY,
      }),
    );
  }

  /**
   * At the first deployment and every one that changes what the values are made of (an endpoint
   * replaced behind the same reference included: CloudFormation compares the resolved values),
   * before the services start.
   */
  private writeAtDeployment(props: ConnectionSecretProps, environment: Record<string, string>): CustomResource {
    return new CustomResource(this, 'Written', {
      // Not CloudFormation's default hour: a write that never answers fails the deployment after this.
      serviceTimeout: Duration.minutes(20),
      serviceToken: this.refreshFunction.function.functionArn,
      resourceType: 'Custom::ConnectionSecret',
      properties: { ...environment, ...props.writtenAgainWhen },
    });
  }

  /**
   * After every rotation: Secrets Manager's own event when AWSCURRENT moves, and CloudTrail's
   * RotationSucceeded where a trail delivers it (the second to arrive finds nothing left to do).
   */
  private refreshAfterRotations(props: ConnectionSecretProps): events.Rule[] {
    const rotated = [props.appSecret.secretArn, props.redisTokenSecret.secretArn];
    const target = new targets.LambdaFunction(this.refreshFunction.function, { retryAttempts: 4, deadLetterQueue: this.deadLetterQueue });
    const native = new events.Rule(this, 'AfterRotation', {
      description: `CS2 Analytics ${props.envName}: a rotated credential moved to AWSCURRENT`,
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['Secret Label Updated'],
        resources: rotated,
        detail: { labelUpdated: ['AWSCURRENT'] },
      },
      targets: [target],
    });
    const trail = new events.Rule(this, 'AfterRotationTrail', {
      description: `CS2 Analytics ${props.envName}: a rotation succeeded (CloudTrail)`,
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: { eventName: ['RotationSucceeded'], additionalEventData: { SecretId: rotated } },
      },
      targets: [target],
    });
    return [native, trail];
  }
}
