import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import type { HealthProbe } from '../config/schema';
import type { DemoFileSystem } from './demo-file-system';
import { EXECUTION_ROLE_TRUST, ServiceRole } from './service-role';
import { configuredLogGroup } from './retention';
import { SERVICE_CONNECT_PROXY } from './service-connect-proxy';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** The writable scratch directory of every container (its root file system is read-only). */
export const SCRATCH_PATH = '/tmp';
/** Where the demo files are mounted in every container that uses them. */
export const DEMO_FILES_MOUNT_PATH = '/mnt/demos';

/** The hard memory limit of the short container that prepares the scratch volume. */
export const VOLUME_INIT_MEMORY_MIB = 64;

export interface ServiceSizing {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly spot: boolean;
  readonly port: number;
  readonly healthCheckPath: string;
}

/**
 * The exec-form health-check command for a probe (no shell needed), or undefined for `none`.
 * Debian-slim node and python images have neither wget nor curl; their own runtime is always there.
 */
export function healthCheckCommand(probe: HealthProbe, port: number, path: string): string[] | undefined {
  const url = `http://127.0.0.1:${port}${path}`;
  switch (probe) {
    case 'none':
      return undefined;
    case 'node':
      return ['CMD', 'node', '-e', `require('http').get('${url}',(r)=>process.exit(r.statusCode<400?0:1)).on('error',()=>process.exit(1))`];
    case 'python':
      // urlopen raises on any 4xx/5xx or connection error, which exits non-zero.
      return ['CMD', 'python3', '-c', `import urllib.request; urllib.request.urlopen('${url}', timeout=4)`];
    case 'wget':
      return ['CMD', 'wget', '-q', '-O', '/dev/null', url];
    case 'curl':
      return ['CMD', 'curl', '-fsS', '-o', '/dev/null', url];
  }
}

/** A value injected from Secrets Manager by ECS at start: never in the template or the plain environment. */
export interface InjectedSecret {
  readonly secret: secretsmanager.ISecret;
  /** The JSON field of the secret. */
  readonly field: string;
}

/** Hours a service runs, in UTC; outside them it has no tasks. */
export interface RunHours {
  readonly startHourUtc: number;
  readonly stopHourUtc: number;
  /** Also stopped from Friday's stop to Monday's start. */
  readonly weekdaysOnly: boolean;
}

export interface FargateAppServiceProps {
  readonly envName: string;
  /** `web`, `api` or `parser`: the Service Connect and log name. */
  readonly name: string;
  /** The ECS service's name, which operators and functions outside this stack find it by. */
  readonly serviceName: string;
  /** The task definition family. */
  readonly family: string;
  readonly cluster: ecs.ICluster;
  readonly repository: ecr.IRepository;
  readonly imageTag: string;
  readonly sizing: ServiceSizing;
  /** Non-secret settings. */
  readonly environment: Record<string, string>;
  /** Credentials, injected by ECS from Secrets Manager. @default - none */
  readonly secrets?: Record<string, InjectedSecret>;
  /** The key the secrets are encrypted with (the execution role decrypts them). @default - none */
  readonly secretsKey?: kms.IKey;
  readonly subnets: ec2.SubnetSelection;
  /**
   * The tasks' security groups. Those created in the service's stack are its connections: a load
   * balancer's target group opens them (ingress on them, egress to them). A group imported from
   * another stack (a data-tier client group) is worn by the tasks only: its rules are its owner's.
   */
  readonly securityGroups: ec2.ISecurityGroup[];
  /** Encrypts the container logs. */
  readonly logsKey: kms.IKey;
  readonly logRetentionDays: number;
  readonly retainLogs: boolean;
  /** Mount the demo files at DEMO_FILES_MOUNT_PATH (the container runs as their POSIX user). @default - no mount */
  readonly demoFiles?: DemoFileSystem;
  /** The non-root `uid:gid` the container runs as; the demo files' owner where they are mounted. */
  readonly user: string;
  /**
   * Service Connect: `client` calls the namespace's services by name; `server` also publishes this
   * one under its name (others call http://<name>:<port>). Either way ECS adds its proxy to each task,
   * and the task leaves it SERVICE_CONNECT_PROXY's CPU and memory.
   * @default - not in Service Connect (no proxy)
   */
  readonly serviceConnect?: 'client' | 'server';
  /** Fargate ephemeral storage (scratch space). @default 20 GiB (Fargate's default) */
  readonly ephemeralStorageGiB?: number;
  /** How long a stopping container gets before SIGKILL. @default 30 seconds */
  readonly stopTimeout?: Duration;
  /**
   * ECS Exec, with the cluster's logged sessions. Its agent must write to the container's file
   * system, which AWS does not support on a read-only root: with Exec on, the root stays writable.
   * @default false
   */
  readonly execEnabled?: boolean;
  /**
   * Scales the service to zero outside these hours, and back to its minimum when they start.
   * @default - always running
   */
  readonly runHours?: RunHours;
  /**
   * How the container checks its own health: with a tool the image is sure to have (`node`,
   * `python`, `wget`, `curl`), or `none`, leaving health to the load balancer's checks.
   * @default 'none' (needs nothing in the image)
   */
  readonly healthCheck?: HealthProbe;
  /**
   * Directories under SCRATCH_PATH the application expects to exist, created for its user before it
   * starts (e.g. `parser-demos`).
   * @default - none
   */
  readonly scratchDirectories?: readonly string[];
}

/** The task's two roles: ECS's, to start it, and the application's. */
interface TaskRoles {
  readonly executionRole: ServiceRole;
  readonly taskRole: ServiceRole;
}

/**
 * One containerized service on Fargate: task definition with least-privilege roles (no inline
 * policy, nothing to add later), container health check, encrypted logs, optional demo-files mount
 * as the access point's user, Service Connect, rolling deployments with a circuit breaker that rolls
 * back, tasks spread over the AZs, and CPU autoscaling between the configured bounds.
 */
export class FargateAppService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly scaling: ecs.ScalableTaskCount;
  /** Where its containers log: the application under the stream prefix of its name. */
  readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: FargateAppServiceProps) {
    super(scope, id);
    this.logGroup = this.createLogGroup(props);
    const roles = this.createRoles(props);
    this.taskDefinition = this.createTaskDefinition(props, roles);

    const image = ecs.ContainerImage.fromEcrRepository(repositoryByName(this, props.repository), props.imageTag);
    const user = props.demoFiles ? `${props.demoFiles.posixUser.uid}:${props.demoFiles.posixUser.gid}` : props.user;
    const volumeInit = this.addVolumeInit(props, image, user);
    this.container = this.addAppContainer(props, image, user, volumeInit);

    this.service = this.createService(props);
    this.wearImportedGroups(props);
    this.disableUnusedServiceConnect(props);
    this.acknowledgeGrants(props, roles);

    this.scaling = this.service.autoScaleTaskCount({ minCapacity: props.sizing.minTasks, maxCapacity: props.sizing.maxTasks });
    this.scaleToRunHours(props);
    this.scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
  }

  private createLogGroup(props: FargateAppServiceProps): logs.ILogGroup {
    return configuredLogGroup(this, 'Logs', {
      envName: props.envName,
      retentionField: 'services.logRetentionDays',
      retentionDays: props.logRetentionDays,
      encryptionKey: props.logsKey,
      retain: props.retainLogs,
    });
  }

  /**
   * Both roles get their permissions from the grants of what they use: the image and the log
   * driver grant the execution role, the demo files and ECS Exec the task role. The task role's trust
   * admits ECS for tasks of this account and region only (aws:SourceAccount, and aws:SourceArn
   * arn:<partition>:ecs:<region>:<account>:*, as the ECS developer guide's "Amazon ECS task IAM role"
   * writes it); the execution role's names no source (EXECUTION_ROLE_TRUST).
   */
  private createRoles(props: FargateAppServiceProps): TaskRoles {
    const { name, envName } = props;
    const executionRole = new ServiceRole(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `${name} ${envName}: pull its image, read its secrets, write its logs`,
      withoutSourceConditions: EXECUTION_ROLE_TRUST,
    });
    if (props.secrets && props.secretsKey) {
      // The secrets are imported by ARN (below) so that no grant writes this stack's role into the
      // data stack's key policy (a cycle); the decrypt they need is granted here, through Secrets
      // Manager only.
      executionRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.secretsKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    // A task role even with nothing to do: the application gets exactly what is granted, or nothing.
    const taskRole = new ServiceRole(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `${name} ${envName}: what the application itself may call`,
    });
    props.demoFiles?.grantReadWrite(taskRole);
    return { executionRole, taskRole };
  }

  /** The task definition with its volumes: the scratch space and, where mounted, the demo files. */
  private createTaskDefinition(props: FargateAppServiceProps, roles: TaskRoles): ecs.FargateTaskDefinition {
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family,
      cpu: props.sizing.cpu,
      memoryLimitMiB: props.sizing.memoryMiB,
      executionRole: roles.executionRole.role,
      taskRole: roles.taskRole.role,
      ephemeralStorageGiB: props.ephemeralStorageGiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    // /tmp is the task's own scratch space (ephemeral storage), the only writable path on a read-only root.
    taskDefinition.addVolume({ name: 'tmp' });
    if (props.demoFiles) {
      taskDefinition.addVolume({
        name: 'demo-files',
        efsVolumeConfiguration: {
          fileSystemId: props.demoFiles.fileSystem.fileSystemId,
          transitEncryption: 'ENABLED',
          authorizationConfig: { accessPointId: props.demoFiles.accessPoint.accessPointId, iam: 'ENABLED' },
        },
      });
    }
    return taskDefinition;
  }

  /**
   * Fargate creates a bind-mount volume owned by root, mode 0755: a non-root user cannot write it.
   * A short root container of the same image (already pulled; it needs only sh, mkdir, chown)
   * hands the scratch space to the application's user, which starts once it has succeeded.
   */
  private addVolumeInit(props: FargateAppServiceProps, image: ecs.ContainerImage, user: string): ecs.ContainerDefinition {
    const { name } = props;
    const scratch = [SCRATCH_PATH, ...(props.scratchDirectories ?? []).map((directory) => `${SCRATCH_PATH}/${directory}`)];
    const volumeInit = this.taskDefinition.addContainer('VolumeInit', {
      containerName: `${name}-volume-init`,
      image,
      essential: false,
      user: '0',
      readonlyRootFilesystem: true,
      entryPoint: ['sh', '-c'],
      command: [`mkdir -p ${scratch.join(' ')} && chown ${user} ${scratch.join(' ')} && chmod 0700 ${scratch.join(' ')}`],
      memoryLimitMiB: VOLUME_INIT_MEMORY_MIB,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: `${name}-volume-init` }),
    });
    volumeInit.addMountPoints({ sourceVolume: 'tmp', containerPath: SCRATCH_PATH, readOnly: false });
    acknowledge(this.taskDefinition, {
      reason:
        `Only the non-essential ${name}-volume-init container runs as root, for one chown of the task's scratch volume ` +
        `(Fargate creates it root-owned, 0755); the application container runs as ${user} and starts after it exits`,
      rules: { 'cdk-validator-cfnguard': ['ecs_task_definition_nonroot_user_check'] },
    });
    return volumeInit;
  }

  /** The application's container, started once the volume-init container has succeeded. */
  private addAppContainer(
    props: FargateAppServiceProps,
    image: ecs.ContainerImage,
    user: string,
    volumeInit: ecs.ContainerDefinition,
  ): ecs.ContainerDefinition {
    const { sizing, name, envName } = props;
    const appContainer = appContainerSize(sizing, props.serviceConnect !== undefined);
    const healthCheck = healthCheckCommand(props.healthCheck ?? 'none', sizing.port, sizing.healthCheckPath);
    const container = this.taskDefinition.addContainer('App', {
      containerName: name,
      image,
      essential: true,
      // The containers' hard limits leave the Service Connect proxy its room: what they do not
      // allocate is the proxy's, and an app that reaches its limit is stopped before the proxy starves.
      memoryLimitMiB: appContainer.memoryMiB,
      cpu: appContainer.cpu,
      // ECS Exec's agent writes to the root file system: AWS supports Exec only on a writable one.
      readonlyRootFilesystem: !props.execEnabled,
      environment: props.environment,
      secrets: this.injectedSecrets(props),
      portMappings: [{ containerPort: sizing.port, name: `${name}-http`, appProtocol: ecs.AppProtocol.http }],
      healthCheck: healthCheck && {
        command: healthCheck,
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: name }),
      user,
      stopTimeout: props.stopTimeout,
    });
    container.addContainerDependencies({ container: volumeInit, condition: ecs.ContainerDependencyCondition.SUCCESS });
    if (props.execEnabled) {
      acknowledge(this.taskDefinition, {
        reason:
          `${envName} turns ECS Exec on by config (services.execEnabled), and AWS does not support Exec on a read-only root ` +
          '(its agent writes there); environments with Exec off, like prod, run read-only',
        rules: { 'cdk-validator-cfnguard': ['ecs_containers_readonly_access_check'] },
      });
    }
    acknowledge(this.taskDefinition, {
      reason:
        'The environment holds only non-secret settings (hosts, ports, paths, flags); passwords and tokens are ECS ' +
        'secrets from Secrets Manager, injected at start',
      rules: { AwsSolutions: ['AwsSolutions-ECS2'] },
    });
    container.addMountPoints({ sourceVolume: 'tmp', containerPath: SCRATCH_PATH, readOnly: false });
    if (props.demoFiles) {
      container.addMountPoints({ sourceVolume: 'demo-files', containerPath: DEMO_FILES_MOUNT_PATH, readOnly: false });
    }
    return container;
  }

  /**
   * The credentials as ECS secrets, referenced by ARN: the execution role's policy already grants exactly
   * these reads, and CDK's own grant would write this stack's role into the data stack's key policy (a cycle).
   */
  private injectedSecrets(props: FargateAppServiceProps): Record<string, ecs.Secret> {
    return Object.fromEntries(
      Object.entries(props.secrets ?? {}).map(([variable, injected]) => [
        variable,
        ecs.Secret.fromSecretsManager(
          secretsmanager.Secret.fromSecretCompleteArn(this, `${variable}Secret`, injected.secret.secretArn),
          injected.field,
        ),
      ]),
    );
  }

  /**
   * The service's connections are the groups of its own stack. A target group opens the connections
   * of its targets to the load balancer; an imported group cannot take the ingress (it is immutable,
   * its rules live in its own stack), and the load balancer's group would be left with an egress rule
   * to it that nothing answers. The tasks still wear every group (wearImportedGroups).
   */
  private createService(props: FargateAppServiceProps): ecs.FargateService {
    const { sizing, name } = props;
    const ownGroups = ownStackGroups(props.securityGroups, Stack.of(this));
    if (ownGroups.length === 0) throw new Error(`${this.node.path}: give the service a security group of its own stack`);
    return new ecs.FargateService(this, 'Service', {
      serviceName: props.serviceName,
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      // No DesiredCount: CloudFormation would set it again on every update of the service (a new
      // image included), undoing autoscaling and the run-hours schedule. Left out, a new service
      // starts one task and an update keeps the running count (AWS::ECS::Service, DesiredCount);
      // the scalable target raises a new service to its minimum when it is registered.
      vpcSubnets: props.subnets,
      securityGroups: ownGroups,
      assignPublicIp: false,
      // CloudFormation's own defaults, written out: left unset, CDK uses a minimum healthy of 50 % (it
      // warns so), and a rolling deploy of a one-task service would then stop that task first.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      capacityProviderStrategies: [{ capacityProvider: sizing.spot ? 'FARGATE_SPOT' : 'FARGATE', weight: 1 }],
      enableExecuteCommand: props.execEnabled ?? false,
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
      serviceConnectConfiguration: props.serviceConnect && {
        services: props.serviceConnect === 'server' ? [{ portMappingName: `${name}-http`, dnsName: name, port: sizing.port }] : undefined,
        logDriver: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: `${name}-service-connect` }),
      },
    });
  }

  /** The tasks wear every group, the imported ones too, which the service's connections leave out. */
  private wearImportedGroups(props: FargateAppServiceProps): void {
    if (ownStackGroups(props.securityGroups, Stack.of(this)).length !== props.securityGroups.length) {
      (this.service.node.defaultChild as ecs.CfnService).addPropertyOverride(
        'NetworkConfiguration.AwsvpcConfiguration.SecurityGroups',
        props.securityGroups.map((group) => group.securityGroupId),
      );
    }
  }

  /**
   * Said out loud: ECS keeps a service's Service Connect configuration when an update leaves it
   * out, so a service that had one (web, before) would keep its proxy, now with no room for it.
   */
  private disableUnusedServiceConnect(props: FargateAppServiceProps): void {
    if (!props.serviceConnect) {
      (this.service.node.defaultChild as ecs.CfnService).addPropertyOverride('ServiceConnectConfiguration', { Enabled: false });
    }
  }

  /** The roles' findings, acknowledged once the service exists: the grants are complete then (ECS Exec grants the task role there). */
  private acknowledgeGrants(props: FargateAppServiceProps, roles: TaskRoles): void {
    const { executionRole, taskRole } = roles;
    acknowledge(executionRole.policy!, {
      reason:
        'ecr:GetAuthorizationToken (granted with the image pull) has no resource-level permission; the pull itself is ' +
        "limited to this service's repository",
      rules: { AwsSolutions: ['AwsSolutions-IAM5[Resource::*]'] },
    });
    if (props.execEnabled && taskRole.policy) {
      const stack = Stack.of(this);
      // cdk-nag names an unresolved account or partition by its pseudo parameter (the CLI synthesizes
      // without an account when none is configured).
      const pseudo = (value: string, name: string) => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
      const logGroupArn = `arn:${pseudo(stack.partition, 'Partition')}:logs:${pseudo(stack.region, 'Region')}:${pseudo(stack.account, 'AccountId')}:log-group:<${execLogGroupId(props.cluster)}>:*`;
      for (const finding of ['Resource::*', `Resource::${logGroupArn}`]) {
        acknowledge(taskRole.policy, {
          reason:
            'ECS Exec (granted by the service) needs the ssmmessages channel actions and logs:DescribeLogGroups, which have no ' +
            "resource-level permission, and writes session streams under the cluster's one Exec log group",
          rules: { AwsSolutions: [`AwsSolutions-IAM5[${finding}]`] },
        });
      }
    }
  }

  /** Scales the service to zero outside the run hours, and back to its minimum when they start. */
  private scaleToRunHours(props: FargateAppServiceProps): void {
    const { runHours, sizing } = props;
    if (!runHours) return;
    const weekDay = runHours.weekdaysOnly ? 'MON-FRI' : undefined;
    const at = (hour: number) => appscaling.Schedule.cron({ minute: '0', hour: String(hour), weekDay });
    // A deploy outside the hours sets the scalable target back to its configured range: the
    // service then runs until the next stop.
    this.scaling.scaleOnSchedule('StopOutsideRunHours', { schedule: at(runHours.stopHourUtc), minCapacity: 0, maxCapacity: 0 });
    this.scaling.scaleOnSchedule('StartAtRunHours', {
      schedule: at(runHours.startHourUtc),
      minCapacity: sizing.minTasks,
      maxCapacity: sizing.maxTasks,
    });
  }

  /** A per-minute Container Insights metric of the service (task counts, CPU, memory), labelled with its name. */
  metricContainerInsights(metricName: string, statistic = 'Average'): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName,
      dimensionsMap: { ClusterName: this.service.cluster.clusterName, ServiceName: this.service.serviceName },
      statistic,
      period: Duration.minutes(1),
      label: metricName,
    });
  }
}

/**
 * The application container's CPU units and hard memory limit within its task: the task less the
 * volume-init container's limit, and less the Service Connect proxy's share where the task has one.
 * Throws when the task is too small to leave the app anything.
 */
export function appContainerSize(
  sizing: Pick<ServiceSizing, 'cpu' | 'memoryMiB'>,
  serviceConnect: boolean,
): { cpu?: number; memoryMiB: number } {
  const proxy = serviceConnect ? SERVICE_CONNECT_PROXY : { cpu: 0, memoryMiB: 0 };
  const memoryMiB = sizing.memoryMiB - VOLUME_INIT_MEMORY_MIB - proxy.memoryMiB;
  const cpu = sizing.cpu - proxy.cpu;
  if (cpu <= 0 || memoryMiB <= 0) {
    throw new Error(
      `a task of ${sizing.cpu} CPU units and ${sizing.memoryMiB} MiB leaves its app nothing once the Service Connect proxy has ` +
        `${proxy.cpu} CPU units and ${proxy.memoryMiB} MiB: give it more`,
    );
  }
  // Without a proxy the app shares the task's CPU with nothing but the short init container.
  return { cpu: serviceConnect ? cpu : undefined, memoryMiB };
}

/** The groups created in the service's own stack: its connections (see FargateAppService.createService). */
function ownStackGroups(groups: readonly ec2.ISecurityGroup[], stack: Stack): ec2.SecurityGroup[] {
  return groups.filter((group): group is ec2.SecurityGroup => group instanceof ec2.SecurityGroup && Stack.of(group) === stack);
}

/** The logical id of the cluster's ECS Exec log group, as cdk-nag names it in its findings. */
function execLogGroupId(cluster: ecs.ICluster): string {
  const logGroup = cluster.executeCommandConfiguration?.logConfiguration?.cloudWatchLogGroup;
  const resource = logGroup?.node.defaultChild as logs.CfnLogGroup | undefined;
  return resource ? Stack.of(resource).getLogicalId(resource) : 'none';
}

/**
 * The repository named in `scope`'s own stack, when it lives in another stack of the same account
 * and region (the registry). `ContainerImage.fromEcrRepository` builds the image URI from the
 * repository's ARN with Fn::Split; from another stack that ARN is an Fn::GetStackOutput, a nesting
 * that CloudFormation does not accept in every position (cfn-lint rejects it, E1022). Named in
 * this stack, the URI and the pull grant's ARN are plain joins of the account, the region and the
 * name, which is itself a plain reference.
 */
function repositoryByName(scope: Construct, repository: ecr.IRepository): ecr.IRepository {
  const own = Stack.of(scope);
  const registry = Stack.of(repository);
  if (registry === own) return repository;
  if (registry.account !== own.account || registry.region !== own.region) {
    throw new Error(`${scope.node.path}: the image repository must be in the service's account and region`);
  }
  return ecr.Repository.fromRepositoryName(scope, 'Repository', repository.repositoryName);
}
