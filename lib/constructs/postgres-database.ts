import { CfnDeletionPolicy, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge, SECRET_ROTATION_RULES } from '../compliance/acknowledge';
import {
  databaseIdentifier,
  databaseLoginSecretName,
  databaseMasterSecretName,
  databaseProxyName,
  databaseProxyReadOnlyEndpointName,
  databaseReaderHostName,
  databaseReaderZoneName,
  lambdaLogGroupName,
  masterRotationFunctionName,
} from '../config/names';
import { SCHEDULE } from '../config/schedule';
import type { DatabaseSettings, RestoreSettings } from '../config/schema';
import { PASSWORD_EXCLUDED_CHARACTERS } from '../contract';
import { buildAuroraCluster } from './postgres-aurora-cluster';
import type { PostgresDatabaseProps } from './postgres-database-props';
import { DATABASE_PORT, MASTER_USERNAME, PROXY_PORT, type BuiltDatabase, type DatabaseParts } from './postgres-engine-parts';
import { buildInstanceWithReplicas } from './postgres-instance';
import { postgresParameters } from './postgres-parameters';
import { configuredLogGroup, retainOrDestroy } from './retention';
import { ServiceRole } from './service-role';

export { DATABASE_NAME, DATABASE_PORT, MASTER_USERNAME, PROXY_PORT } from './postgres-engine-parts';
export type { PostgresDatabaseProps } from './postgres-database-props';
/** The NOLOGIN role that owns the app's objects (sql/002_app_roles.sql). */
export const APP_OWNER_ROLE = 'cs2_owner';
/** The app's two logins: one in use, the other next to get a new password (credential rotation). */
export const APP_LOGINS = ['cs2app', 'cs2app_clone'] as const;
/** The NOLOGIN role that gives the app's logins the rights to serve requests, and no more (sql/005). */
export const APP_RUNTIME_ROLE = 'cs2_runtime';
/** The login the deploy-time migrations use: it acts as the owner role. */
export const MIGRATION_LOGIN = 'cs2_migrator';

/**
 * PostgreSQL 17 with a writer and N readers behind RDS Proxy, in one of two engine modes:
 *
 * - `aurora`: an Aurora PostgreSQL cluster. The proxy's default endpoint is read/write; a second,
 *   read-only proxy endpoint spreads connections over the readers (HAProxy's :5433).
 * - `instance`: an RDS for PostgreSQL primary (Multi-AZ where configured) and read replicas. RDS Proxy
 *   can target only the primary of an RDS instance setup, never a replica, and offers read-only
 *   endpoints only for Aurora; so the replicas get one weighted DNS name in a private hosted zone
 *   (`reader.db.<env>.cs2analytics.internal`) that spreads new connections over them.
 *
 * Either way: KMS-encrypted with the given key, TLS enforced, IAM authentication enabled, generated
 * credentials rotated by Secrets Manager, PostgreSQL logs exported to an encrypted log group.
 */
export class PostgresDatabase extends Construct implements ec2.IConnectable {
  /** The database instances' group: only the proxy, credential rotation and what `allowDirectFrom` names. */
  readonly connections: ec2.Connections;
  /** Master credentials (JSON: username, password, host, port, dbname, engine). */
  readonly secret: secretsmanager.ISecret;
  /** The secret of each app login (JSON: username, password), which RDS Proxy authenticates it with. */
  readonly loginSecrets: Readonly<Record<string, secretsmanager.ISecret>>;
  /** The migration login and its secret (JSON: username, password), when there is one. */
  readonly migrationLogin?: { readonly username: string; readonly secret: secretsmanager.ISecret };
  readonly proxy: rds.DatabaseProxy;
  /** Read/write endpoint for the application: the proxy. */
  readonly writerEndpoint: string;
  /**
   * Read-only endpoint for analytics: the proxy's read-only endpoint (aurora) or the replicas' DNS
   * name (instance). With no readers it is the writer endpoint, so a read-only URL always works.
   */
  readonly readerEndpoint: string;
  /** The writer's own address, for a job that needs a real session (not through the proxy). */
  readonly directWriterEndpoint: string;
  /** The port of `writerEndpoint` (the proxy) and, in aurora mode, of `readerEndpoint`. */
  readonly proxyPort = PROXY_PORT;
  /** The port of `directWriterEndpoint`. */
  readonly databasePort = DATABASE_PORT;
  /** The port of `readerEndpoint`: the proxy's, or the replicas' own in instance mode. */
  readonly readerPort: number;
  /** `DBClusterIdentifier` (aurora) or the primary's `DBInstanceIdentifier` (instance). */
  readonly identifier: string;
  /** The engine mode this database was built in. */
  readonly engine: DatabaseSettings['engine'];
  /** The ARNs `rds:Describe*` calls need to see the writer's status. */
  readonly describeArn: string;
  /** DBInstanceIdentifiers of the writer and of each reader (Aurora instances or RDS replicas), for metrics. */
  readonly instanceIdentifiers: { readonly writer: string; readonly readers: readonly string[] };
  /** What AWS Backup protects: the Aurora cluster, or the RDS primary (replicas hold no unique data). */
  readonly backupResource: backup.BackupResource;
  /** The hosted function that rotates the master user's password (its errors are alarmed). */
  readonly masterRotationFunctionName: string;

  /** A per-minute RDS metric of one of its instances (writer or reader), by DBInstanceIdentifier. */
  metricInstance(metricName: string, instanceIdentifier: string, options: { label?: string; statistic?: string } = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName,
      dimensionsMap: { DBInstanceIdentifier: instanceIdentifier },
      statistic: options.statistic ?? 'Average',
      period: Duration.minutes(1),
      label: options.label,
    });
  }

  /** A per-minute metric of its RDS Proxy, labelled with its name. */
  metricProxy(metricName: string, statistic = 'Average'): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName,
      dimensionsMap: { ProxyName: this.proxy.dbProxyName },
      statistic,
      period: Duration.minutes(1),
      label: metricName,
    });
  }

  /** Free storage as its engine reports it: Aurora's local (temporary) storage, or the RDS volume. */
  get freeStorageMetricName(): string {
    return this.engine === 'aurora' ? 'FreeLocalStorage' : 'FreeStorageSpace';
  }

  /** Replica lag as its engine reports it: AuroraReplicaLag (milliseconds) or ReplicaLag (seconds). */
  get replicaLag(): { readonly metricName: string; readonly perSecond: number } {
    return this.engine === 'aurora' ? { metricName: 'AuroraReplicaLag', perSecond: 1000 } : { metricName: 'ReplicaLag', perSecond: 1 };
  }

  /** Refuses props this construct cannot build from, naming the prop, before anything is created. */
  private static checkProps(props: PostgresDatabaseProps): void {
    if (props.availabilityZones.length === 0) throw new Error('PostgresDatabase: availabilityZones must list at least one zone');
    if (new Set(props.availabilityZones).size !== props.availabilityZones.length) {
      throw new Error(`PostgresDatabase: availabilityZones lists a zone twice (${props.availabilityZones.join(', ')})`);
    }
    const logins = [...(props.appLogins ?? []), ...(props.migrationLogin ? [props.migrationLogin] : [])];
    for (const login of logins) {
      // A PostgreSQL role name the SQL and the secrets can use unquoted, and not the master user's.
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(login) || login === MASTER_USERNAME) {
        throw new Error(
          `PostgresDatabase: '${login}' (appLogins or migrationLogin) is not a lower-case PostgreSQL role name other than ${MASTER_USERNAME}`,
        );
      }
    }
    if (new Set(logins).size !== logins.length) {
      throw new Error(`PostgresDatabase: appLogins and migrationLogin name a login twice (${logins.join(', ')})`);
    }
  }

  private readonly proxyConnections: ec2.Connections;
  private readonly replicaConnections?: ec2.Connections;
  private readonly readOnlyEndpointConnections?: ec2.Connections;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    PostgresDatabase.checkProps(props);
    const { settings, envName } = props;
    this.engine = settings.engine;
    this.identifier = databaseIdentifier(envName, settings.restore?.generation);
    const securityGroup = this.databaseSecurityGroup(props);
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(DATABASE_PORT) });

    const built = this.buildDatabase(props, securityGroup);
    this.secret = built.secret;
    this.directWriterEndpoint = built.directWriterEndpoint;
    this.describeArn = built.describeArn;
    this.backupResource = built.backupResource;
    this.instanceIdentifiers = built.instanceIdentifiers;
    this.replicaConnections = built.replicaConnections;
    this.masterRotationFunctionName = this.rotateMasterPassword(props);

    const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
      vpc: props.vpc,
      description: `RDS Proxy ${envName}: the service tier only`,
      allowAllOutbound: false,
    });
    this.proxyConnections = new ec2.Connections({ securityGroups: [proxySecurityGroup], defaultPort: ec2.Port.tcp(PROXY_PORT) });
    this.loginSecrets = this.appLoginSecrets(props);
    this.migrationLogin = this.migrationLoginSecret(props);
    this.proxy = this.createProxy(props, built.proxyTarget, proxySecurityGroup);
    this.writerEndpoint = this.proxy.endpoint;
    acknowledgeProxyIngress(securityGroup);

    const reader = this.createReaderEndpoint(props, built.replicaAddresses);
    this.readerEndpoint = reader.endpoint;
    this.readerPort = reader.port;
    this.readOnlyEndpointConnections = reader.connections;
    this.acknowledgeConfiguredChoices(props);
  }

  /** The database instances' group; HTTPS out to S3 only where the database exports to it. */
  private databaseSecurityGroup(props: PostgresDatabaseProps): ec2.SecurityGroup {
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `PostgreSQL ${props.envName}: proxy, credential rotation and maintenance only`,
      allowAllOutbound: false,
    });
    if (props.s3ExportRole) {
      // aws_s3.query_export_to_s3 runs from the database's own network interface. The isolated
      // subnets' only route out is the S3 gateway endpoint, so HTTPS "anywhere" reaches S3 alone;
      // S3's prefix list id differs per region and cannot be read from CloudFormation at synth.
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3 (partition archive exports)');
    }
    return securityGroup;
  }

  /**
   * The database of the configured engine mode, built in this construct's scope (so that its logical
   * ids are this construct's own), kept through a replacement, and restored where configured.
   */
  private buildDatabase(props: PostgresDatabaseProps, securityGroup: ec2.SecurityGroup): BuiltDatabase {
    const { settings } = props;
    const retainData = props.retainData ?? true;
    const parts: DatabaseParts = {
      props,
      identifier: this.identifier,
      credentials: rds.Credentials.fromGeneratedSecret(MASTER_USERNAME, {
        encryptionKey: props.encryptionKey,
        secretName: databaseMasterSecretName(props.envName),
      }),
      parameters: postgresParameters(settings.maxConnections),
      instanceType: new ec2.InstanceType(settings.instanceType.replace(/^db\./, '')),
      removalPolicy: retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      insights: {
        enablePerformanceInsights: true,
        performanceInsightRetention: settings.performanceInsightsRetentionDays as rds.PerformanceInsightRetention,
        performanceInsightEncryptionKey: props.encryptionKey,
      },
      monitoring: {
        monitoringInterval: Duration.seconds(settings.monitoringIntervalSeconds),
        monitoringRole: this.enhancedMonitoringRole(),
      },
      securityGroup,
      readerZone: (index: number) => props.availabilityZones[(index + 1) % props.availabilityZones.length],
      exportLogGroup: (logicalId: string, name: string) => this.exportLogGroup(props, logicalId, name),
      placedInZone: acknowledgePlacedInZone,
    };
    const built =
      settings.engine === 'aurora' ? buildAuroraCluster(this, settings, parts) : buildInstanceWithReplicas(this, settings, parts);
    const database = (this.node.tryFindChild('Cluster') ?? this.node.tryFindChild('Primary'))!;
    const resource = database.node.defaultChild as rds.CfnDBCluster | rds.CfnDBInstance;
    // A replacement (a restore, database.restore) keeps the database it replaces, deletion protection
    // on, until an operator has checked the new one and deletes it; a final snapshot would need it deleted.
    if (retainData) resource.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    if (settings.restore) restoreInto(resource, settings.restore);
    // Restoring a retained snapshot needs the password it was taken with. `secret` is the attachment
    // to the database; the generated secret itself is the database construct's `Secret` child.
    const generated = database.node.tryFindChild('Secret');
    if (generated instanceof secretsmanager.Secret) generated.applyRemovalPolicy(retainOrDestroy(retainData));
    return built;
  }

  /**
   * RDS creates an export log group on first write, unencrypted and kept forever; creating it first,
   * under the name RDS will use, gives it the logs key and the configured retention. The hosted
   * rotation function's logs share the database's log retention.
   */
  private exportLogGroup(props: PostgresDatabaseProps, logicalId: string, name: string): logs.LogGroup {
    return configuredLogGroup(this, logicalId, {
      logGroupName: name,
      envName: props.envName,
      retentionField: 'database.logRetentionDays',
      retentionDays: props.settings.logRetentionDays,
      encryptionKey: props.logsKey,
      retain: props.retainData ?? true,
    });
  }

  /** Secrets Manager's hosted rotation of the master password, in the configured window; returns the function's name. */
  private rotateMasterPassword(props: PostgresDatabaseProps): string {
    const functionName = masterRotationFunctionName(props.envName);
    // Created first under the name Lambda will use, so the rotation function's logs are encrypted and expire.
    this.exportLogGroup(props, 'RotationLogs', lambdaLogGroupName(functionName));
    const rotation = secretsmanager.HostedRotation.postgreSqlSingleUser({
      functionName,
      vpc: props.vpc,
      vpcSubnets: props.rotationSubnets,
    });
    const schedule = new secretsmanager.RotationSchedule(this, 'CredentialRotation', {
      secret: this.secret,
      hostedRotation: rotation,
      automaticallyAfter: Duration.days(props.settings.credentialRotationDays),
      // A new rate must not rotate the master password in the middle of a deploy.
      rotateImmediatelyOnUpdate: false,
    });
    // The rotation window (from midnight UTC) that keeps rotations clear of backups and maintenance
    // (lib/config/schedule.ts); CDK's RotationSchedule has no property for it.
    (schedule.node.defaultChild as secretsmanager.CfnRotationSchedule).addPropertyOverride(
      'RotationRules.Duration',
      `${SCHEDULE.rotationWindowHours}h`,
    );
    // Only once bound to the secret does the hosted rotation have its security group.
    this.connections.allowDefaultPortFrom(rotation, 'Credential rotation');
    return functionName;
  }

  /**
   * A login's own secret. RDS Proxy authenticates a user only through a secret registered for it (and
   * does not support the alternating-users rotation strategy), so each login has one.
   */
  private loginSecret(props: PostgresDatabaseProps, login: string, description: string): secretsmanager.Secret {
    return new secretsmanager.Secret(
      this,
      `LoginSecret${login.replace(/(^|_)(\w)/g, (_match, _separator, letter: string) => letter.toUpperCase())}`,
      {
        secretName: databaseLoginSecretName(props.envName, login),
        description,
        encryptionKey: props.encryptionKey,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: login }),
          generateStringKey: 'password',
          passwordLength: 32,
          excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
        },
        removalPolicy: retainOrDestroy(props.retainData ?? true),
      },
    );
  }

  /** Both app logins are registered with the proxy, so that the one not in use can get a new password while the other works. */
  private appLoginSecrets(props: PostgresDatabaseProps): Record<string, secretsmanager.ISecret> {
    const secrets = Object.fromEntries(
      (props.appLogins ?? []).map((login) => [
        login,
        this.loginSecret(props, login, `PostgreSQL ${props.envName}: the app login ${login} (RDS Proxy authenticates it with this secret)`),
      ]),
    );
    for (const [login, secret] of Object.entries(secrets)) {
      acknowledge(secret, {
        reason:
          `Rotated with the app's credentials secret: each rotation gives a new password to the login not in use (${login} ` +
          'every other time) and writes it here; a schedule of its own would change the password of the login in use',
        rules: SECRET_ROTATION_RULES,
      });
    }
    return secrets;
  }

  private migrationLoginSecret(props: PostgresDatabaseProps): PostgresDatabase['migrationLogin'] {
    const username = props.migrationLogin;
    if (!username) return undefined;
    const secret = this.loginSecret(
      props,
      username,
      `PostgreSQL ${props.envName}: the schema migrations' login ${username} (RDS Proxy authenticates it with this secret)`,
    );
    acknowledge(secret, {
      reason:
        'Used only while a deploy (or npm run migrate) runs the one-off migration task, which alone can read it; the proxy ' +
        "accepts it only from that task's security group. Changing it is a put-secret-value and a deploy (docs/security.md); " +
        'an automatic rotation would need a second migration login to alternate with',
      rules: SECRET_ROTATION_RULES,
    });
    return { username, secret };
  }

  /**
   * RDS Proxy in front of the writer, accepting the logins the applications and the migrations use.
   * Not the master user: it is for the maintenance function and credential rotation, which connect to
   * the writer directly, and for operators (docs/security.md); the service tier never reaches the writer itself.
   */
  private createProxy(props: PostgresDatabaseProps, proxyTarget: rds.ProxyTarget, securityGroup: ec2.ISecurityGroup): rds.DatabaseProxy {
    const { settings } = props;
    const proxySecrets = [...Object.values(this.loginSecrets), ...(this.migrationLogin ? [this.migrationLogin.secret] : [])];
    if (proxySecrets.length === 0) proxySecrets.push(this.secret);
    const proxyRole = new ServiceRole(this, 'ProxyRole', {
      assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
      description: `RDS Proxy ${props.envName}: reads the database credentials`,
      statements: [
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: proxySecrets.map((proxySecret) => proxySecret.secretArn),
        }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      ],
    }).role;
    return new rds.DatabaseProxy(this, 'Proxy', {
      dbProxyName: databaseProxyName(props.envName),
      role: proxyRole,
      proxyTarget,
      // By ARN, without its key: the proxy's own grant of the key would name the proxy role in the data
      // key's policy and close a cycle (key -> role -> its policy -> secret -> key). The role's policy
      // above grants the read and the decrypt through Secrets Manager.
      secrets: proxySecrets.map((proxySecret, index) =>
        secretsmanager.Secret.fromSecretCompleteArn(this, index === 0 ? 'ProxySecret' : `ProxySecret${index + 1}`, proxySecret.secretArn),
      ),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [securityGroup],
      requireTLS: true,
      maxConnectionsPercent: settings.proxy.maxConnectionsPercent,
      maxIdleConnectionsPercent: settings.proxy.maxIdleConnectionsPercent,
      borrowTimeout: Duration.seconds(settings.proxy.borrowTimeoutSeconds),
      idleClientTimeout: Duration.seconds(settings.proxy.idleClientTimeoutSeconds),
    });
  }

  /**
   * The read-only endpoint: the writer's with no readers; for Aurora, a read-only proxy endpoint with
   * a group of its own; for instances, one weighted name over the replicas in a private hosted zone.
   */
  private createReaderEndpoint(
    props: PostgresDatabaseProps,
    replicaAddresses: readonly string[],
  ): { readonly endpoint: string; readonly port: number; readonly connections?: ec2.Connections } {
    const { settings, envName, vpc } = props;
    if (settings.readers === 0) return { endpoint: this.writerEndpoint, port: PROXY_PORT };
    if (settings.engine === 'aurora') {
      // A group of its own: only the application reaches the read-only endpoint (allowApplicationFrom),
      // not what needs the read/write endpoint alone (allowProxyFrom: migrations, credential rotation).
      const readOnlySecurityGroup = new ec2.SecurityGroup(this, 'ProxyReadOnlySecurityGroup', {
        vpc,
        description: `RDS Proxy ${envName} read-only endpoint: the application only`,
        allowAllOutbound: false,
      });
      readOnlySecurityGroup.connections.allowTo(this.connections, ec2.Port.tcp(DATABASE_PORT), 'Read-only endpoint to the database');
      const connections = new ec2.Connections({ securityGroups: [readOnlySecurityGroup], defaultPort: ec2.Port.tcp(PROXY_PORT) });
      const endpoint = new rds.DatabaseProxyEndpoint(this, 'ProxyReadOnlyEndpoint', {
        dbProxy: this.proxy,
        dbProxyEndpointName: databaseProxyReadOnlyEndpointName(envName),
        vpc,
        vpcSubnets: props.subnets,
        securityGroups: [readOnlySecurityGroup],
        targetRole: rds.ProxyEndpointTargetRole.READ_ONLY,
      }).endpoint;
      return { endpoint, port: PROXY_PORT, connections };
    }
    const zone = new route53.PrivateHostedZone(this, 'ReaderZone', {
      zoneName: databaseReaderZoneName(envName),
      vpc,
      comment: `CS2 Analytics ${envName}: one name for the PostgreSQL read replicas`,
    });
    replicaAddresses.forEach((address, index) => {
      new route53.CnameRecord(this, `ReaderRecord${index + 1}`, {
        zone,
        recordName: 'reader',
        domainName: address,
        // Equal weights spread new connections; a short TTL lets clients see a replica leave soon.
        weight: 1,
        setIdentifier: `replica-${index + 1}`,
        ttl: Duration.seconds(10),
      });
    });
    return { endpoint: databaseReaderHostName(envName), port: DATABASE_PORT };
  }

  /** What the config chooses against a rule: one zone, pinned minor versions, a disposable database. */
  private acknowledgeConfiguredChoices({ settings, envName, retainData = true }: PostgresDatabaseProps): void {
    if (settings.engine === 'instance' && !settings.multiAz) {
      acknowledge(this, {
        reason:
          `${envName} runs the primary${settings.readers > 0 ? ' and replicas' : ''} in one AZ by config ` +
          '(database.multiAz false) to halve the cost; automated backups restore it elsewhere; prod sets multiAz true',
        rules: {
          AwsSolutions: ['AwsSolutions-RDS3'],
          'NIST.800.53.R5': ['NIST.800.53.R5-RDSMultiAZSupport'],
          'cdk-validator-cfnguard': ['rds_instance_multi_az_support_check'],
        },
      });
    }
    acknowledge(this, {
      reason:
        `Minor versions are pinned in config (database.postgresVersion ${settings.postgresVersion}) and upgraded by changing it, in ` +
        'the maintenance window (docs/architecture.md, upgrades): an automatic upgrade would make the next deploy ask CloudFormation to go ' +
        'back to the pinned minor, which fails',
      rules: { 'cdk-validator-cfnguard': ['rds_instance_automatic_minor_version_upgrade_enabled_check'] },
    });
    if (!retainData) {
      acknowledge(this, {
        reason:
          `${envName} is disposable by config (retainData: false): its database is meant to be destroyed ` +
          'with the stack; every environment that keeps data runs with deletion protection on',
        rules: {
          AwsSolutions: ['AwsSolutions-RDS10'],
          'NIST.800.53.R5': ['NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled'],
          'cdk-validator-cfnguard': [
            settings.engine === 'aurora'
              ? 'rds_cluster_deletion_protection_enabled_check'
              : 'rds_instance_deletion_protection_enabled_check',
          ],
        },
      });
    }
  }

  /**
   * Lets an application peer use the database: through the proxy (read/write and, for Aurora,
   * read-only endpoints), and to the read replicas of `instance` mode, which the read-only endpoint
   * names directly.
   */
  allowApplicationFrom(peer: ec2.IConnectable, description: string): void {
    this.proxyConnections.allowDefaultPortFrom(peer, description);
    this.readOnlyEndpointConnections?.allowDefaultPortFrom(peer, `${description} (read-only endpoint)`);
    this.replicaConnections?.allowDefaultPortFrom(peer, `${description} (read replicas)`);
  }

  /** Lets a peer connect through the proxy's read/write endpoint only (not the read-only one, nor the replicas). */
  allowProxyFrom(peer: ec2.IConnectable, description: string): void {
    this.proxyConnections.allowDefaultPortFrom(peer, description);
  }

  /** Lets a peer connect to the writer directly: for jobs that need a real session. */
  allowDirectFrom(peer: ec2.IConnectable, description: string): void {
    this.connections.allowDefaultPortFrom(peer, description);
  }

  /**
   * The role Enhanced Monitoring publishes OS metrics with. AmazonRDSEnhancedMonitoringRole is the
   * policy AWS documents for it: it reaches only the RDSOSMetrics log group.
   */
  private enhancedMonitoringRole(): iam.IRole {
    // Enhanced Monitoring assumes the role for a DB instance, which it names as aws:SourceArn (RDS user
    // guide, "Setting up and enabling Enhanced Monitoring", confused deputy): this account's instances of
    // this region. Aurora's instances get names CloudFormation generates, so the pattern is db:*.
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:rds:${stack.region}:${stack.account}:db:*` },
        },
      }),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole')],
    });
    acknowledge(role, {
      reason:
        'AWS-managed policy documented for RDS Enhanced Monitoring; it only writes the RDSOSMetrics log group and AWS keeps it current',
      rules: {
        AwsSolutions: ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]'],
      },
    });
    return role;
  }
}

/** Acknowledges the explicit zone of an instance placed on purpose. */
function acknowledgePlacedInZone(instance: Construct): void {
  acknowledge(instance, {
    reason:
      'Zones are explicit per environment (network.availabilityZones; synth never looks them up) and each reader ' +
      'is placed in the next zone on purpose, so that the readers spread over the AZs',
    rules: { 'CloudFormation-Validate': ['W3010'] },
  });
}

/**
 * The proxy target adds the proxy-to-database rule with the database's port as a CloudFormation
 * attribute, which the NIST port rules cannot read; the port is DATABASE_PORT and the source the proxy's group.
 */
function acknowledgeProxyIngress(securityGroup: ec2.SecurityGroup): void {
  for (const rule of securityGroup.node.children.filter((child) => child.node.id.startsWith('from '))) {
    if (!rule.node.id.includes('{IndirectPort}')) continue;
    acknowledge(rule, {
      reason:
        `Ingress from the RDS Proxy security group only, on the database port (${DATABASE_PORT}) that CDK writes as the ` +
        'endpoint-port attribute; the rule cannot read an attribute, the source is not the internet',
      rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-EC2RestrictedCommonPorts', 'NIST.800.53.R5-EC2RestrictedSSH'] },
    });
  }
}

/**
 * Makes the database a restore (database.restore): from a snapshot, or to a point in time of an
 * earlier database of the environment. An instance's database name goes (RDS takes one on a restore
 * for Oracle and SQL Server only); the source's is kept.
 *
 * From a snapshot the master password stays, as in aws-cdk-lib's FromSnapshot constructs:
 * CloudFormation sets it after the restore, so the restored database takes the secret's current
 * password (its username stays with it, as the resource schema requires, and is the snapshot's own).
 * To a point in time, the resource schemas exclude the master credentials and the encryption flag
 * (and an instance's key with it): the restored database keeps the source's key, and the master
 * password of that time, which the maintenance function's deploy-time run finds among the secret's
 * older versions and sets back to the current one (lambda/shared/master-login.ts).
 */
function restoreInto(database: rds.CfnDBCluster | rds.CfnDBInstance, restore: RestoreSettings): void {
  const time = restore.pointInTime?.time;
  const cluster = database instanceof rds.CfnDBCluster;
  if (!cluster) database.addPropertyDeletionOverride('DBName');
  if (restore.snapshot) {
    database.addPropertyOverride(cluster ? 'SnapshotIdentifier' : 'DBSnapshotIdentifier', restore.snapshot);
    if (cluster) {
      acknowledge(database, {
        reason:
          "MasterUsername is the snapshot's own (cs2admin, this construct's); the resource schema requires it next to " +
          "MasterUserPassword, which gives the restored cluster the master secret's current password",
        rules: { 'CloudFormation-Validate': ['W3688'] },
      });
    }
    return;
  }
  const source = restore.pointInTime!.source;
  // An instance's KmsKeyId goes too: without StorageEncrypted it is refused (cfn-lint E3720), and the source decides it.
  const inherited = ['MasterUsername', 'MasterUserPassword', 'StorageEncrypted', ...(cluster ? [] : ['KmsKeyId'])];
  for (const property of inherited) database.addPropertyDeletionOverride(property);
  if (cluster) {
    database.addPropertyOverride('SourceDBClusterIdentifier', source);
    database.addPropertyOverride('RestoreType', 'full-copy');
  } else {
    // With RestoreTime or UseLatestRestorableTime, a source identifier means a point-in-time restore, not a replica.
    database.addPropertyOverride('SourceDBInstanceIdentifier', source);
  }
  if (time === 'latest') database.addPropertyOverride('UseLatestRestorableTime', true);
  else database.addPropertyOverride(cluster ? 'RestoreToTime' : 'RestoreTime', time);
  if (!cluster) {
    const encryption =
      "A point-in-time restore of an instance is encrypted as its source is, with the source's key (the data key); " +
      'CloudFormation takes no StorageEncrypted next to a point-in-time source, and no KmsKeyId without it, so the template cannot say it';
    acknowledge(database, {
      reason: encryption,
      rules: { 'cdk-validator-cfnguard': ['rds_instance_storage_encrypted_check', 'rds_storage_encrypted_kms_key_check'] },
    });
  }
}
