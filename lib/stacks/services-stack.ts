import { CfnOutput, CustomResource, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import type { Construct, IDependable } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { DATABASE_NAME } from '../constructs/postgres-database';
import { EncryptionKey } from '../constructs/encryption-key';
import { DEMO_FILES_MOUNT_PATH, FargateAppService, SCRATCH_PATH, type FargateAppServiceProps } from '../constructs/fargate-app-service';
import { CONNECTION_VALUES, ConnectionSecret, type ConnectionKind } from '../constructs/connection-secret';
import { OneOffTaskDefinition } from '../constructs/one-off-task-definition';
import {
  clusterName as clusterNameOf,
  ecsServiceName,
  containerInsightsLogGroupName,
  environmentLogGroupPrefixes,
  imageReference,
  migrationTaskFamily,
  repositoryName,
  SERVICE_CONNECT,
  serviceConnectNamespace,
  OPERATOR_OUTPUTS,
  SERVICES_USING,
  taskDefinitionFamily,
  wafLogDeliveryPolicyName,
  wafLogGroupNamePrefix,
  webAclName,
} from '../config/names';
import { PublicLoadBalancer } from '../constructs/public-load-balancer';
import { RotationSchedule } from '../constructs/rotation-schedule';
import { DeployTimeTask } from '../constructs/deploy-time-task';
import { TABLE_CONVERSION_RESOURCE_TYPE } from '../contract';
import { SCHEDULE } from '../config/schedule';
import type { DataStack } from './data-stack';
import type { MaintenanceStack } from './maintenance-stack';
import type { NetworkStack } from './network-stack';
import type { RegistryStack } from './registry-stack';
import { configuredLogGroup, retainOrDestroy } from '../constructs/retention';

/** The original parser-demos volume, under the parser task's scratch space. */
const PARSER_SCRATCH_DIRECTORY = 'parser-demos';

export interface ServicesStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** Only what this stack uses of it. */
  readonly network: Pick<NetworkStack, 'vpc' | 'subnets'>;
  /** Only what this stack uses of it. */
  readonly data: Pick<
    DataStack,
    | 'database'
    | 'jobQueue'
    | 'appCredentials'
    | 'demoFiles'
    | 'encryptionKey'
    | 'redisCredentialsSecurityGroup'
    | 'redisTokenRotation'
    | 'apiClientSecurityGroup'
    | 'parserClientSecurityGroup'
    | 'migrationClientSecurityGroup'
  >;
  /** Only what this stack uses of it. */
  readonly registry: Pick<RegistryStack, 'repositories'>;
  /** Only what this stack uses of it: the function that converts the tables after the migrations. */
  readonly maintenance: Pick<MaintenanceStack, 'job'>;
}

/** Each service's own group and the data-tier client groups its tasks wear. */
interface ServiceSecurityGroups {
  readonly web: ec2.SecurityGroup;
  readonly api: ec2.SecurityGroup;
  readonly parser: ec2.SecurityGroup;
  readonly apiDataClient: ec2.ISecurityGroup;
  readonly parserDataClient: ec2.ISecurityGroup;
  readonly migrationDataClient: ec2.ISecurityGroup;
}

/** What the three services share. */
type ServiceDefaults = ReturnType<ServicesStack['serviceDefaults']>;

/**
 * Stateless: the ECS cluster, the public load balancer and the three services of the original
 * docker-compose file. Web takes the load balancer's default route, the API its path pattern; the
 * parser is reachable only from the API, as http://parser:8001 through Service Connect.
 */
export class ServicesStack extends Stack {
  readonly web: FargateAppService;
  readonly api: FargateAppService;
  readonly parser: FargateAppService;
  readonly loadBalancer: PublicLoadBalancer;
  readonly cluster: ecs.Cluster;
  /** The services' connection values, rewritten after each rotation. */
  readonly connections: ConnectionSecret;
  readonly targetGroups: { readonly web: elbv2.ApplicationTargetGroup; readonly api: elbv2.ApplicationTargetGroup };
  /** The deploy-time migrations and the table conversion after them, when configured: the API starts after. */
  readonly schemaReady?: IDependable;
  /** The migrations' one-off task: the API's image with the migration login's values. */
  readonly migrationTask: OneOffTaskDefinition;
  /** Encrypts this stack's logs. */
  private readonly logsKey: kms.IKey;

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    this.logsKey = this.createLogsKey(props.config);
    this.cluster = this.createCluster(props);
    this.loadBalancer = this.createLoadBalancer(props);
    const groups = this.serviceSecurityGroups(props);
    this.connections = this.createConnections(props);

    const common = this.serviceDefaults(props);
    this.web = this.createWeb(props, common, groups);
    this.api = this.createApi(props, common, groups);
    this.parser = this.createParser(props, common, groups);
    // The API finds the parser through Service Connect, as a client of the namespace.
    this.api.service.node.addDependency(this.parser.service);
    this.migrationTask = this.createMigrationTask(props, common.user);
    this.schemaReady = this.migrateThenConvert(props, [groups.migrationDataClient]);
    // No new API task serves before the schema it expects is there.
    if (this.schemaReady) this.api.service.node.addDependency(this.schemaReady);
    this.startAfterConnectionsWritten();

    this.scheduleRotations(props);
    this.targetGroups = this.routeTraffic(props);
    this.outputOperatorValues(props, groups.api);
    this.outputImages(props);
  }

  /** Encrypts the container logs, the ECS Exec sessions and the WAF logs. */
  private createLogsKey(config: EnvironmentConfig): kms.IKey {
    return new EncryptionKey(this, 'Key', {
      purpose: `CS2 Analytics ${config.envName} services: container logs, ECS Exec sessions, WAF logs`,
      forCloudWatchLogs: true,
      logGroupNamePrefixes: environmentLogGroupPrefixes(config.envName),
      removalPolicy: retainOrDestroy(config.retainData),
    }).key;
  }

  /** The cluster, with its ECS Exec logging, its Container Insights logs and its Service Connect namespace. */
  private createCluster(props: ServicesStackProps): ecs.Cluster {
    const { config, network } = props;
    const { envName, services } = config;
    const key = this.logsKey;
    const execLogGroup = configuredLogGroup(this, 'ExecSessionLogs', {
      envName: envName,
      retentionField: 'services.logRetentionDays',
      retentionDays: services.logRetentionDays,
      encryptionKey: key,
      retain: config.retainData,
    });
    const clusterName = clusterNameOf(envName);
    const cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName,
      vpc: network.vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      executeCommandConfiguration: {
        kmsKey: key,
        logging: ecs.ExecuteCommandLogging.OVERRIDE,
        logConfiguration: { cloudWatchLogGroup: execLogGroup, cloudWatchEncryptionEnabled: true },
      },
    });
    // Container Insights writes its performance events here; created first so that they are encrypted
    // and expire with the configured retention instead of the group ECS would create.
    const insightsLogs = configuredLogGroup(this, 'ContainerInsightsLogs', {
      logGroupName: containerInsightsLogGroupName(clusterName),
      envName: envName,
      retentionField: 'services.logRetentionDays',
      retentionDays: services.logRetentionDays,
      encryptionKey: key,
    });
    cluster.node.addDependency(insightsLogs);
    cluster.addDefaultCloudMapNamespace({
      name: serviceConnectNamespace(envName),
      type: servicediscovery.NamespaceType.HTTP,
      useForServiceConnect: true,
    });
    return cluster;
  }

  private createLoadBalancer(props: ServicesStackProps): PublicLoadBalancer {
    const { config, network } = props;
    const { envName } = config;
    return new PublicLoadBalancer(this, 'LoadBalancer', {
      envName,
      vpc: network.vpc,
      subnets: network.subnets.public,
      settings: config.loadBalancer,
      wafNames: {
        webAcl: webAclName(envName),
        logGroupPrefix: wafLogGroupNamePrefix(envName),
        logDeliveryPolicy: wafLogDeliveryPolicyName(envName),
      },
      logsKey: this.logsKey,
      logRetentionDays: config.services.logRetentionDays,
    });
  }

  /** Each service's own group, with who may reach it, and the data-tier client groups the tasks wear. */
  private serviceSecurityGroups(props: ServicesStackProps): ServiceSecurityGroups {
    const { config, network, data } = props;
    const { envName, services } = config;
    const group = (name: string, description: string) =>
      new ec2.SecurityGroup(this, name, { vpc: network.vpc, description, allowAllOutbound: true });
    const web = group('WebSecurityGroup', `CS2 Analytics ${envName} web tasks: from the load balancer only`);
    const api = group('ApiSecurityGroup', `CS2 Analytics ${envName} API tasks: from the load balancer only`);
    const parser = group('ParserSecurityGroup', `CS2 Analytics ${envName} parser tasks: from the API only`);
    // Each client's data-tier group (the data stack's: it says what each may reach), attached as an
    // immutable reference: rules added here (the load balancer's, when a service joins a target
    // group) would make the data stack depend on this one.
    const dataClient = (id: string, group: ec2.ISecurityGroup) =>
      ec2.SecurityGroup.fromSecurityGroupId(this, id, group.securityGroupId, { mutable: false });
    const apiDataClient = dataClient('ApiDataClient', data.apiClientSecurityGroup);
    const parserDataClient = dataClient('ParserDataClient', data.parserClientSecurityGroup);
    const migrationDataClient = dataClient('MigrationDataClient', data.migrationClientSecurityGroup);
    const albConnections = this.loadBalancer.loadBalancer.connections;
    web.connections.allowFrom(albConnections, ec2.Port.tcp(services.web.port), 'Load balancer to web');
    api.connections.allowFrom(albConnections, ec2.Port.tcp(services.api.port), 'Load balancer to API');
    parser.connections.allowFrom(api, ec2.Port.tcp(services.parser.port), 'API to parser (Service Connect)');
    return { web, api, parser, apiDataClient, parserDataClient, migrationDataClient };
  }

  /**
   * The connection values with the current credentials inside, under the names the original apps
   * read: written before the services start, and again (with a rolling restart) after each rotation.
   */
  private createConnections(props: ServicesStackProps): ConnectionSecret {
    const { config, network, data } = props;
    const { envName, services } = config;
    const { database, jobQueue } = data;
    return new ConnectionSecret(this, 'Connections', {
      envName,
      appSecret: data.appCredentials.secret,
      loginSecrets: Object.values(database.loginSecrets),
      migrationLoginSecret: database.migrationLogin!.secret,
      redisTokenSecret: jobQueue.authToken,
      dataKey: data.encryptionKey,
      database: {
        name: DATABASE_NAME,
        proxyHost: database.writerEndpoint,
        proxyPort: database.proxyPort,
        readerHost: database.readerEndpoint,
        readerPort: database.readerPort,
      },
      redis: {
        host: jobQueue.primaryEndpoint,
        port: jobQueue.port,
        replicationGroupId: jobQueue.replicationGroup.ref,
        replicationGroupArn: jobQueue.replicationGroupArn,
      },
      // A restore replaces the database, and CloudFormation rewrites the app secret with it (the login in
      // use back to the first): written again, the services follow that login, whose password the
      // maintenance function's deploy-time run has just set.
      writtenAgainWhen: { Database: database.identifier },
      cluster: clusterNameOf(envName),
      services: {
        database: SERVICES_USING.database.map((name) => ecsServiceName(envName, name)),
        redis: SERVICES_USING.redis.map((name) => ecsServiceName(envName, name)),
      },
      key: this.logsKey,
      vpc: network.vpc,
      subnets: network.subnets.privateWithEgress,
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(this, 'RedisCredentials', data.redisCredentialsSecurityGroup.securityGroupId, {
        mutable: false,
      }),
      logRetentionDays: services.logRetentionDays,
      retainLogs: config.retainData,
    });
  }

  /** What the three services share. */
  private serviceDefaults(props: ServicesStackProps) {
    const { config, network } = props;
    const { services } = config;
    return {
      envName: config.envName,
      cluster: this.cluster,
      subnets: network.subnets.privateWithEgress,
      logsKey: this.logsKey,
      logRetentionDays: services.logRetentionDays,
      retainLogs: config.retainData,
      execEnabled: services.execEnabled,
      runHours: services.runHours,
      user: `${config.fileSystem.uid}:${config.fileSystem.gid}`,
    } satisfies Partial<FargateAppServiceProps>;
  }

  /** Each reads its own kind's secret, every key of it. */
  private fromConnections(kind: ConnectionKind) {
    return Object.fromEntries(CONNECTION_VALUES[kind].map((name) => [name, { secret: this.connections.values[kind], field: name }]));
  }

  private createWeb(props: ServicesStackProps, common: ServiceDefaults, groups: ServiceSecurityGroups): FargateAppService {
    const { config, registry } = props;
    const { envName, services } = config;
    return new FargateAppService(this, 'Web', {
      ...common,
      name: 'web',
      serviceName: ecsServiceName(envName, 'web'),
      family: taskDefinitionFamily(envName, 'web'),
      repository: registry.repositories.web,
      imageTag: config.images.web.tag,
      sizing: services.web,
      healthCheck: services.web.healthCheck,
      securityGroups: [groups.web],
      environment: { NODE_ENV: 'production', PORT: String(services.web.port) },
    });
  }

  /** Credentials reach the containers only as ECS secrets, from their kind's connection values, never the master user's. */
  private createApi(props: ServicesStackProps, common: ServiceDefaults, groups: ServiceSecurityGroups): FargateAppService {
    const { config, registry, data } = props;
    const { envName, services } = config;
    return new FargateAppService(this, 'Api', {
      ...common,
      name: 'api',
      serviceName: ecsServiceName(envName, 'api'),
      family: taskDefinitionFamily(envName, 'api'),
      repository: registry.repositories.api,
      imageTag: config.images.api.tag,
      sizing: services.api,
      healthCheck: services.api.healthCheck,
      securityGroups: [groups.api, groups.apiDataClient],
      demoFiles: data.demoFiles,
      serviceConnect: SERVICE_CONNECT.api,
      environment: {
        NODE_ENV: 'production',
        PORT: String(services.api.port),
        PARSER_URL: `http://parser:${services.parser.port}`,
        DEMO_STORAGE_PATH: DEMO_FILES_MOUNT_PATH,
        // One value with the partition retention (archival.thresholdMonths), never two copies.
        ARCHIVAL_ENABLED: String(config.archival.enabled),
        ARCHIVAL_THRESHOLD_MONTHS: String(config.archival.thresholdMonths),
      },
      secrets: this.fromConnections('database'),
      secretsKey: this.logsKey,
    });
  }

  private createParser(props: ServicesStackProps, common: ServiceDefaults, groups: ServiceSecurityGroups): FargateAppService {
    const { config, registry, data } = props;
    const { envName, services } = config;
    return new FargateAppService(this, 'Parser', {
      ...common,
      name: 'parser',
      serviceName: ecsServiceName(envName, 'parser'),
      family: taskDefinitionFamily(envName, 'parser'),
      repository: registry.repositories.parser,
      imageTag: config.images.parser.tag,
      sizing: services.parser,
      healthCheck: services.parser.healthCheck,
      scratchDirectories: [PARSER_SCRATCH_DIRECTORY],
      securityGroups: [groups.parser, groups.parserDataClient],
      demoFiles: data.demoFiles,
      serviceConnect: SERVICE_CONNECT.parser,
      ephemeralStorageGiB: services.parser.ephemeralStorageGiB,
      stopTimeout: Duration.seconds(services.parser.stopTimeoutSeconds),
      environment: {
        WORKERS: String(services.parser.workers),
        PORT: String(services.parser.port),
        DEMO_STORAGE_PATH: DEMO_FILES_MOUNT_PATH,
        // The original parser-demos volume: demos being parsed, on the task's ephemeral storage.
        PARSER_WORK_PATH: `${SCRATCH_PATH}/${PARSER_SCRATCH_DIRECTORY}`,
      },
      secrets: this.fromConnections('redis'),
      secretsKey: this.logsKey,
    });
  }

  /** The migrations: the API's image and command line, the migration login's values, nothing else. */
  private createMigrationTask(props: ServicesStackProps, user: string): OneOffTaskDefinition {
    const { config, registry } = props;
    return new OneOffTaskDefinition(this, 'MigrationTask', {
      family: migrationTaskFamily(config.envName),
      containerName: 'migrations',
      image: ecs.ContainerImage.fromEcrRepository(
        // Named in this stack, as the services name theirs (see FargateAppService).
        ecr.Repository.fromRepositoryName(this, 'ApiRepositoryByName', registry.repositories.api.repositoryName),
        config.images.api.tag,
      ),
      cpu: config.services.api.cpu,
      memoryMiB: config.services.api.memoryMiB,
      user,
      environment: { NODE_ENV: 'production' },
      secrets: {
        secret: this.connections.values.migrations,
        key: this.logsKey,
        fields: Object.fromEntries(CONNECTION_VALUES.migrations.map((name) => [name, name])),
      },
      logGroup: this.api.logGroup,
      streamPrefix: 'migrations',
    });
  }

  /** The services start once the connection values are written. */
  private startAfterConnectionsWritten(): void {
    const { written } = this.connections;
    for (const service of [this.web, this.api, this.parser]) service.service.node.addDependency(written);
    // The refresh looks the services up in the cluster.
    written.node.addDependency(this.cluster);
  }

  /**
   * Rotations start here, last: Secrets Manager rotates at once when a schedule is created, and the
   * refresh must find the services running and its rules in place; the app's logins exist by then
   * (the maintenance stack deployed first).
   */
  private scheduleRotations(props: ServicesStackProps): void {
    const { config, data } = props;
    const rotationsAfter = [
      this.web.service,
      this.api.service,
      this.parser.service,
      this.connections.written,
      ...this.connections.afterRotationRules,
    ];
    new RotationSchedule(this, 'AppCredentialsRotation', {
      secret: data.appCredentials.secret,
      rotationFunction: data.appCredentials.rotationFunction.function,
      days: config.database.credentialRotationDays,
      windowHours: SCHEDULE.rotationWindowHours,
      after: rotationsAfter,
    });
    new RotationSchedule(this, 'RedisTokenRotation', {
      secret: data.jobQueue.authToken,
      rotationFunction: data.redisTokenRotation.rotationFunction.function,
      days: config.cache.authTokenRotationDays,
      windowHours: SCHEDULE.rotationWindowHours,
      after: rotationsAfter,
    });
  }

  /** Web takes the listener's default route, the API its path pattern; each scales on its requests. */
  private routeTraffic(props: ServicesStackProps): ServicesStack['targetGroups'] {
    const { config, network } = props;
    const { services } = config;
    const listener = this.loadBalancer.listener;
    const target = (id: string, service: FargateAppService, port: number, healthCheckPath: string) =>
      new elbv2.ApplicationTargetGroup(this, id, {
        vpc: network.vpc,
        port,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targetType: elbv2.TargetType.IP,
        targets: [service.service],
        deregistrationDelay: Duration.seconds(30),
        healthCheck: { path: healthCheckPath, healthyHttpCodes: '200-399', interval: Duration.seconds(15), healthyThresholdCount: 2 },
      });
    const webTargets = target('WebTargets', this.web, services.web.port, services.web.healthCheckPath);
    const apiTargets = target('ApiTargets', this.api, services.api.port, services.api.healthCheckPath);
    listener.addTargetGroups('Web', { targetGroups: [webTargets] });
    listener.addTargetGroups('Api', {
      targetGroups: [apiTargets],
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns([services.apiPathPattern])],
    });
    for (const [service, targets] of [
      [this.web, webTargets],
      [this.api, apiTargets],
    ] as const) {
      service.scaling.scaleOnRequestCount('Requests', { requestsPerTarget: 500, targetGroup: targets });
    }
    return { web: webTargets, api: apiTargets };
  }

  /** What operators and the commands read (OPERATOR_OUTPUTS): the URL, the cluster, the services, the migrations, the logs. */
  private outputOperatorValues(props: ServicesStackProps, apiGroup: ec2.ISecurityGroup): void {
    const { services } = props.config;
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output(OPERATOR_OUTPUTS.url.name, this.loadBalancer.url, 'Public URL of CS2 Analytics');
    output(OPERATOR_OUTPUTS.cluster.name, this.cluster.clusterName, 'The ECS cluster of web, API and parser');
    output(
      OPERATOR_OUTPUTS.migrationTaskDefinitionFamily.name,
      this.migrationTask.taskDefinition.family,
      "The migrations' task definition family: the API's image, the migration login (npm run migrate)",
    );
    output(OPERATOR_OUTPUTS.migrationContainer.name, this.migrationTask.container.containerName, "The migration task's container");
    output(OPERATOR_OUTPUTS.apiSecurityGroup.name, apiGroup.securityGroupId, "The API tasks' own security group (from the load balancer)");
    output(OPERATOR_OUTPUTS.apiCapacityProvider.name, services.api.spot ? 'FARGATE_SPOT' : 'FARGATE', 'Where the API tasks run');
    output(OPERATOR_OUTPUTS.webLogGroup.name, this.web.logGroup.logGroupName, 'Log group of the web containers');
    output(
      OPERATOR_OUTPUTS.apiLogGroup.name,
      this.api.logGroup.logGroupName,
      'Log group of the API containers and the migrations (stream prefix migrations)',
    );
    output(OPERATOR_OUTPUTS.parserLogGroup.name, this.parser.logGroup.logGroupName, 'Log group of the parser containers');
    for (const [output, service, name] of [
      [OPERATOR_OUTPUTS.webService, this.web, 'web'],
      [OPERATOR_OUTPUTS.apiService, this.api, 'api'],
      [OPERATOR_OUTPUTS.parserService, this.parser, 'parser'],
    ] as const) {
      new CfnOutput(this, output.name, { value: service.service.serviceName, description: `ECS service of ${name}` });
    }
    new CfnOutput(this, 'ConnectionRefreshFunctionName', {
      value: this.connections.refreshFunction.function.functionName,
      description:
        'Rewrites the connection values and restarts the services that use a rotated credential (docs/architecture.md, Credentials and rotation)',
    });
  }

  /**
   * The image each service runs, as its task definition names it (test/image-digests.test.ts): `<repository uri>@sha256:...` when
   * images.<service>.tag is a digest, `<repository uri>:<tag>` otherwise. The next environment's
   * deploy promotes these (docs/delivery.md).
   */
  private outputImages(props: ServicesStackProps): void {
    const { config } = props;
    for (const [output, name] of [
      [OPERATOR_OUTPUTS.webImage, 'web'],
      [OPERATOR_OUTPUTS.apiImage, 'api'],
      [OPERATOR_OUTPUTS.parserImage, 'parser'],
    ] as const) {
      // From the names, not the container's image: that names the registry stack's repository by a
      // cross-stack reference, which CloudFormation does not resolve in an output.
      new CfnOutput(this, output.name, {
        value: imageReference(
          `${this.account}.dkr.ecr.${this.region}.${this.urlSuffix}/${repositoryName(config.envName, name)}`,
          config.images[name].tag,
        ),
        description: `The image the ${name} service runs (images.${name}.tag): by digest (@sha256:...) or by tag`,
      });
    }
  }

  /**
   * The app's migrations in the migration task (the API's image, the migration login), at the first
   * deploy and whenever its definition changes, then the conversion of the tables they created plain
   * (the maintenance function, as a custom resource): each fails the deploy when it fails.
   */
  private migrateThenConvert(props: ServicesStackProps, securityGroups: ec2.ISecurityGroup[]): IDependable | undefined {
    const { config, network, maintenance } = props;
    if (!config.migrations.enabled) return undefined;
    const migrations = new DeployTimeTask(this, 'Migrations', {
      envName: config.envName,
      purpose: "runs the app's schema migrations",
      vpc: network.vpc,
      subnets: network.subnets.privateWithEgress,
      cluster: this.cluster,
      taskDefinition: this.migrationTask.taskDefinition,
      container: this.migrationTask.container,
      command: config.migrations.command,
      taskSecurityGroups: securityGroups,
      capacityProvider: config.services.api.spot ? 'FARGATE_SPOT' : 'FARGATE',
      logGroup: this.api.logGroup,
      streamPrefix: 'migrations',
      timeout: Duration.minutes(config.migrations.timeoutMinutes),
      logsKey: this.logsKey,
      logRetentionDays: config.services.logRetentionDays,
      logRetentionField: 'services.logRetentionDays',
      retainLogs: config.retainData,
    });
    // The task reads the connection values when it starts.
    migrations.node.addDependency(this.connections.written);
    const conversion = new CustomResource(this, 'TableConversion', {
      serviceToken: maintenance.job.function.functionArn,
      resourceType: TABLE_CONVERSION_RESOURCE_TYPE,
      // Not CloudFormation's hour: a conversion that never answers fails the deploy after this.
      serviceTimeout: Duration.minutes(20),
      // Again after each migration run: the same changes run both.
      properties: {
        TaskDefinition: this.migrationTask.taskDefinition.taskDefinitionArn,
        Command: JSON.stringify(config.migrations.command),
      },
    });
    conversion.node.addDependency(migrations);
    return conversion;
  }
}
