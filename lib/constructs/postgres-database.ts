import { CfnDeletionPolicy, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { PASSWORD_EXCLUDED_CHARACTERS } from '../contract';
import type { DatabaseSettings, RestoreSettings } from '../config/schema';
import { postgresParameters } from './postgres-parameters';
import { SCHEDULE } from '../config/schedule';
import { databaseIdentifier, databaseProxyName } from '../config/names';
import { configuredLogGroup, retainOrDestroy } from './retention';
import { buildAuroraCluster } from './postgres-aurora-cluster';
import { DATABASE_PORT, MASTER_USERNAME, PROXY_PORT, type DatabaseParts } from './postgres-engine-parts';
import { buildInstanceWithReplicas } from './postgres-instance';
import { ServiceRole } from './service-role';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

export { DATABASE_NAME, DATABASE_PORT, MASTER_USERNAME, PROXY_PORT } from './postgres-engine-parts';
/** The NOLOGIN role that owns the app's objects (sql/002_app_roles.sql). */
export const APP_OWNER_ROLE = 'cs2_owner';
/** The app's two logins: one in use, the other next to get a new password (credential rotation). */
export const APP_LOGINS = ['cs2app', 'cs2app_clone'] as const;
/** The NOLOGIN role that gives the app's logins the rights to serve requests, and no more (sql/005). */
export const APP_RUNTIME_ROLE = 'cs2_runtime';
/** The login the deploy-time migrations use: it acts as the owner role. */
export const MIGRATION_LOGIN = 'cs2_migrator';

export interface PostgresDatabaseProps {
  /** Used in identifiers (`cs2analytics-<name>`) and DNS names. */
  readonly envName: string;
  readonly vpc: ec2.IVpc;
  /** Where the database, its replicas and the proxy live: the isolated subnets. */
  readonly subnets: ec2.SubnetSelection;
  /** Where the credential-rotation function runs: it needs the Secrets Manager API (NAT or endpoint). */
  readonly rotationSubnets: ec2.SubnetSelection;
  /** The zones readers are spread over, in order; the writer takes the first. */
  readonly availabilityZones: readonly string[];
  readonly settings: DatabaseSettings;
  /** Encrypts storage, snapshots, Performance Insights and the credentials secret. */
  readonly encryptionKey: kms.IKey;
  /** Encrypts the PostgreSQL log export. */
  readonly logsKey: kms.IKey;
  /**
   * The role the database assumes for `aws_s3.query_export_to_s3` (archiving retired partitions).
   * @default - no S3 export
   */
  readonly s3ExportRole?: iam.IRole;
  /**
   * The logins the applications use, each with a secret of its own that RDS Proxy knows it by (the
   * proxy then accepts them, and only them: the master user stays with operators and the job).
   * @default - the proxy accepts the master user
   */
  readonly appLogins?: readonly string[];
  /**
   * The login schema migrations use, with a secret of its own that RDS Proxy knows it by.
   * @default - no migration login
   */
  readonly migrationLogin?: string;
  /**
   * Deletion protection, snapshot-on-delete and retained secret and logs. Only a throw-away
   * environment turns it off.
   * @default true
   */
  readonly retainData?: boolean;
}

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
    const { settings, vpc, envName } = props;
    const retainData = props.retainData ?? true;
    this.engine = settings.engine;
    this.identifier = databaseIdentifier(envName, settings.restore?.generation);

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `PostgreSQL ${envName}: proxy, credential rotation and maintenance only`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(DATABASE_PORT) });
    if (props.s3ExportRole) {
      // aws_s3.query_export_to_s3 runs from the database's own network interface. The isolated
      // subnets' only route out is the S3 gateway endpoint, so HTTPS "anywhere" reaches S3 alone;
      // S3's prefix list id differs per region and cannot be read from CloudFormation at synth.
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3 (partition archive exports)');
    }

    const credentials = rds.Credentials.fromGeneratedSecret(MASTER_USERNAME, {
      encryptionKey: props.encryptionKey,
      secretName: `cs2analytics/${envName}/database/master`,
    });
    const parameters = postgresParameters(settings.maxConnections);
    const instanceType = new ec2.InstanceType(settings.instanceType.replace(/^db\./, ''));
    const monitoringRole = this.enhancedMonitoringRole();
    const removalPolicy = retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY;
    const logRemovalPolicy = retainOrDestroy(retainData);
    const insights = {
      enablePerformanceInsights: true,
      performanceInsightRetention: settings.performanceInsightsRetentionDays as rds.PerformanceInsightRetention,
      performanceInsightEncryptionKey: props.encryptionKey,
    };
    const monitoring = { monitoringInterval: Duration.seconds(settings.monitoringIntervalSeconds), monitoringRole };
    const readerZone = (index: number) => props.availabilityZones[(index + 1) % props.availabilityZones.length];

    // RDS creates the export log group on first write, unencrypted and kept forever; creating it
    // first, under the name RDS will use, gives it the logs key and the configured retention.
    const exportLogGroup = (logicalId: string, name: string) => {
      // Postgres log exports and the rotation function's logs share the database's log retention.
      return configuredLogGroup(this, logicalId, {
        logGroupName: name,
        envName,
        retentionField: 'database.logRetentionDays',
        retentionDays: settings.logRetentionDays,
        encryptionKey: props.logsKey,
        retain: retainData,
      });
    };

    const placedInZone = (instance: Construct) =>
      acknowledge(
        instance,
        'CloudFormation-Validate::W3010',
        'Zones are explicit per environment (network.availabilityZones; synth never looks them up) and each reader ' +
          'is placed in the next zone on purpose, so that the readers spread over the AZs',
      );

    const parts: DatabaseParts = {
      props,
      identifier: this.identifier,
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
    };
    // Each engine mode builds its database in this construct's scope, so logical ids are as before.
    const built =
      settings.engine === 'aurora' ? buildAuroraCluster(this, settings, parts) : buildInstanceWithReplicas(this, settings, parts);
    this.secret = built.secret;
    this.directWriterEndpoint = built.directWriterEndpoint;
    this.describeArn = built.describeArn;
    this.backupResource = built.backupResource;
    this.instanceIdentifiers = built.instanceIdentifiers;
    this.replicaConnections = built.replicaConnections;
    const { proxyTarget, replicaAddresses } = built;
    const database = (this.node.tryFindChild('Cluster') ?? this.node.tryFindChild('Primary'))!.node.defaultChild as
      rds.CfnDBCluster | rds.CfnDBInstance;
    // A replacement (a restore, database.restore) keeps the database it replaces, deletion protection
    // on, until an operator has checked the new one and deletes it; a final snapshot would need it deleted.
    if (retainData) database.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    if (settings.restore) restoreInto(database, settings.restore);

    // Restoring a retained snapshot needs the password it was taken with. `secret` is the attachment
    // to the database; the generated secret itself is the database construct's `Secret` child.
    for (const database of [this.node.tryFindChild('Cluster'), this.node.tryFindChild('Primary')]) {
      const generated = database?.node.tryFindChild('Secret');
      if (generated instanceof secretsmanager.Secret) generated.applyRemovalPolicy(logRemovalPolicy);
    }

    const rotationFunctionName = `cs2analytics-${envName}-db-rotation`;
    this.masterRotationFunctionName = rotationFunctionName;
    // Created first under the name Lambda will use, so the rotation function's logs are encrypted and expire.
    exportLogGroup('RotationLogs', `/aws/lambda/${rotationFunctionName}`);
    const rotation = secretsmanager.HostedRotation.postgreSqlSingleUser({
      functionName: rotationFunctionName,
      vpc,
      vpcSubnets: props.rotationSubnets,
    });
    const masterRotation = new secretsmanager.RotationSchedule(this, 'CredentialRotation', {
      secret: this.secret,
      hostedRotation: rotation,
      automaticallyAfter: Duration.days(settings.credentialRotationDays),
      // A new rate must not rotate the master password in the middle of a deploy.
      rotateImmediatelyOnUpdate: false,
    });
    // The rotation window (from midnight UTC) that keeps rotations clear of backups and maintenance
    // (lib/config/schedule.ts); CDK's RotationSchedule has no property for it.
    (masterRotation.node.defaultChild as secretsmanager.CfnRotationSchedule).addPropertyOverride(
      'RotationRules.Duration',
      `${SCHEDULE.rotationWindowHours}h`,
    );
    // Only once bound to the secret does the hosted rotation have its security group.
    this.connections.allowDefaultPortFrom(rotation, 'Credential rotation');

    const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
      vpc,
      description: `RDS Proxy ${envName}: the service tier only`,
      allowAllOutbound: false,
    });
    this.proxyConnections = new ec2.Connections({
      securityGroups: [proxySecurityGroup],
      defaultPort: ec2.Port.tcp(PROXY_PORT),
    });
    // Each login has its own secret: RDS Proxy authenticates a user only through a secret registered
    // for it (and does not support the alternating-users rotation strategy), so both app logins are
    // registered, and the one not in use can get a new password while the other works.
    const loginSecret = (login: string, description: string) =>
      new secretsmanager.Secret(
        this,
        `LoginSecret${login.replace(/(^|_)(\w)/g, (_match, _separator, letter: string) => letter.toUpperCase())}`,
        {
          secretName: `cs2analytics/${envName}/database/${login}`,
          description,
          encryptionKey: props.encryptionKey,
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ username: login }),
            generateStringKey: 'password',
            passwordLength: 32,
            excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
          },
          removalPolicy: logRemovalPolicy,
        },
      );
    this.loginSecrets = Object.fromEntries(
      (props.appLogins ?? []).map((login) => [
        login,
        loginSecret(login, `PostgreSQL ${envName}: the app login ${login} (RDS Proxy authenticates it with this secret)`),
      ]),
    );
    for (const [login, secret] of Object.entries(this.loginSecrets)) {
      for (const rule of ['AwsSolutions::AwsSolutions-SMG4', 'NIST.800.53.R5::NIST.800.53.R5-SecretsManagerRotationEnabled']) {
        acknowledge(
          secret,
          rule,
          `Rotated with the app's credentials secret: each rotation gives a new password to the login not in use (${login} ` +
            'every other time) and writes it here; a schedule of its own would change the password of the login in use',
        );
      }
    }
    if (props.migrationLogin) {
      const secret = loginSecret(
        props.migrationLogin,
        `PostgreSQL ${envName}: the schema migrations' login ${props.migrationLogin} (RDS Proxy authenticates it with this secret)`,
      );
      this.migrationLogin = { username: props.migrationLogin, secret };
      for (const rule of ['AwsSolutions::AwsSolutions-SMG4', 'NIST.800.53.R5::NIST.800.53.R5-SecretsManagerRotationEnabled']) {
        acknowledge(
          secret,
          rule,
          'Used only while a deploy (or npm run migrate) runs the one-off migration task, which alone can read it; the proxy ' +
            "accepts it only from that task's security group. Changing it is a put-secret-value and a deploy (docs/security.md); " +
            'an automatic rotation would need a second migration login to alternate with',
        );
      }
    }
    // The logins the proxy accepts: the app's and the migrations'. Not the master user: it is for the
    // maintenance function and credential rotation, which connect to the writer directly, and for
    // operators (docs/security.md); the service tier never reaches the writer itself.
    const proxySecrets = [...Object.values(this.loginSecrets), ...(this.migrationLogin ? [this.migrationLogin.secret] : [])];
    if (proxySecrets.length === 0) proxySecrets.push(this.secret);
    const proxyRole = new ServiceRole(this, 'ProxyRole', {
      assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
      description: `RDS Proxy ${envName}: reads the database credentials`,
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
    this.proxy = new rds.DatabaseProxy(this, 'Proxy', {
      dbProxyName: databaseProxyName(envName),
      role: proxyRole,
      proxyTarget,
      // By ARN, without its key: the proxy's own grant of the key would name the proxy role in the data
      // key's policy and close a cycle (key -> role -> its policy -> secret -> key). The role's policy
      // above grants the read and the decrypt through Secrets Manager.
      secrets: proxySecrets.map((proxySecret, index) =>
        secretsmanager.Secret.fromSecretCompleteArn(this, index === 0 ? 'ProxySecret' : `ProxySecret${index + 1}`, proxySecret.secretArn),
      ),
      vpc,
      vpcSubnets: props.subnets,
      securityGroups: [proxySecurityGroup],
      requireTLS: true,
      maxConnectionsPercent: settings.proxy.maxConnectionsPercent,
      maxIdleConnectionsPercent: settings.proxy.maxIdleConnectionsPercent,
      borrowTimeout: Duration.seconds(settings.proxy.borrowTimeoutSeconds),
      idleClientTimeout: Duration.seconds(settings.proxy.idleClientTimeoutSeconds),
    });
    this.writerEndpoint = this.proxy.endpoint;
    // The proxy target adds the proxy-to-database rule with the database's port as a CloudFormation
    // attribute, which the NIST port rules cannot read; the port is DATABASE_PORT and the source the proxy's group.
    for (const rule of securityGroup.node.children.filter((child) => child.node.id.startsWith('from '))) {
      if (!rule.node.id.includes('{IndirectPort}')) continue;
      for (const ruleId of ['NIST.800.53.R5-EC2RestrictedCommonPorts', 'NIST.800.53.R5-EC2RestrictedSSH']) {
        acknowledge(
          rule,
          `NIST.800.53.R5::${ruleId}`,
          `Ingress from the RDS Proxy security group only, on the database port (${DATABASE_PORT}) that CDK writes as the ` +
            'endpoint-port attribute; the rule cannot read an attribute, the source is not the internet',
        );
      }
    }

    this.readerPort = settings.engine === 'instance' && settings.readers > 0 ? DATABASE_PORT : PROXY_PORT;
    if (settings.readers === 0) {
      this.readerEndpoint = this.writerEndpoint;
    } else if (settings.engine === 'aurora') {
      // A group of its own: only the application reaches the read-only endpoint (allowApplicationFrom),
      // not what needs the read/write endpoint alone (allowProxyFrom: migrations, credential rotation).
      const readOnlySecurityGroup = new ec2.SecurityGroup(this, 'ProxyReadOnlySecurityGroup', {
        vpc,
        description: `RDS Proxy ${envName} read-only endpoint: the application only`,
        allowAllOutbound: false,
      });
      readOnlySecurityGroup.connections.allowTo(this.connections, ec2.Port.tcp(DATABASE_PORT), 'Read-only endpoint to the database');
      this.readOnlyEndpointConnections = new ec2.Connections({
        securityGroups: [readOnlySecurityGroup],
        defaultPort: ec2.Port.tcp(PROXY_PORT),
      });
      this.readerEndpoint = new rds.DatabaseProxyEndpoint(this, 'ProxyReadOnlyEndpoint', {
        dbProxy: this.proxy,
        dbProxyEndpointName: `${databaseProxyName(envName)}-read-only`,
        vpc,
        vpcSubnets: props.subnets,
        securityGroups: [readOnlySecurityGroup],
        targetRole: rds.ProxyEndpointTargetRole.READ_ONLY,
      }).endpoint;
    } else {
      const zone = new route53.PrivateHostedZone(this, 'ReaderZone', {
        zoneName: `db.${envName}.cs2analytics.internal`,
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
      this.readerEndpoint = `reader.db.${envName}.cs2analytics.internal`;
    }

    if (settings.engine === 'instance' && !settings.multiAz) {
      const singleAz =
        `${envName} runs the primary${settings.readers > 0 ? ' and replicas' : ''} in one AZ by config ` +
        '(database.multiAz false) to halve the cost; automated backups restore it elsewhere; prod sets multiAz true';
      for (const rule of [
        'AwsSolutions::AwsSolutions-RDS3',
        'NIST.800.53.R5::NIST.800.53.R5-RDSMultiAZSupport',
        'cdk-validator-cfnguard::rds_instance_multi_az_support_check',
      ]) {
        acknowledge(this, rule, singleAz);
      }
    }
    acknowledge(
      this,
      'cdk-validator-cfnguard::rds_instance_automatic_minor_version_upgrade_enabled_check',
      `Minor versions are pinned in config (database.postgresVersion ${settings.postgresVersion}) and upgraded by changing it, in ` +
        'the maintenance window (docs/architecture.md, upgrades): an automatic upgrade would make the next deploy ask CloudFormation to go ' +
        'back to the pinned minor, which fails',
    );
    if (!retainData) {
      const disposable =
        `${envName} is disposable by config (retainData: false): its database is meant to be destroyed ` +
        'with the stack; every environment that keeps data runs with deletion protection on';
      const rules =
        settings.engine === 'aurora'
          ? [
              'AwsSolutions::AwsSolutions-RDS10',
              'NIST.800.53.R5::NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled',
              'cdk-validator-cfnguard::rds_cluster_deletion_protection_enabled_check',
            ]
          : [
              'AwsSolutions::AwsSolutions-RDS10',
              'NIST.800.53.R5::NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled',
              'cdk-validator-cfnguard::rds_instance_deletion_protection_enabled_check',
            ];
      for (const rule of rules) acknowledge(this, rule, disposable);
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
    acknowledge(
      role,
      'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
      'AWS-managed policy documented for RDS Enhanced Monitoring; it only writes the RDSOSMetrics log group and AWS keeps it current',
    );
    return role;
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
      acknowledge(
        database,
        'CloudFormation-Validate::W3688',
        "MasterUsername is the snapshot's own (cs2admin, this construct's); the resource schema requires it next to " +
          "MasterUserPassword, which gives the restored cluster the master secret's current password",
      );
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
    for (const rule of ['rds_instance_storage_encrypted_check', 'rds_storage_encrypted_kms_key_check'])
      acknowledge(database, `cdk-validator-cfnguard::${rule}`, encryption);
  }
}
