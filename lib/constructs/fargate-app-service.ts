import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeConfiguredLogRetention } from '../compliance/acknowledge';
import type { DemoFileSystem } from './demo-file-system';
import { ServiceRole } from './service-role';

/** The writable scratch directory of every container (its root file system is read-only). */
export const SCRATCH_PATH = '/tmp';
/** Where the demo files are mounted in every container that uses them. */
export const DEMO_FILES_MOUNT_PATH = '/mnt/demos';

export interface ServiceSizing {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly spot: boolean;
  readonly port: number;
  readonly healthCheckPath: string;
}

/** A value injected from Secrets Manager by ECS at start: never in the template or the plain environment. */
export interface InjectedSecret {
  readonly secret: secretsmanager.ISecret;
  /** The JSON field of the secret. */
  readonly field: string;
}

export interface FargateAppServiceProps {
  readonly envName: string;
  /** `web`, `api` or `parser`: the Service Connect and log name. */
  readonly name: string;
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
  readonly securityGroups: ec2.ISecurityGroup[];
  /** Encrypts the container logs. */
  readonly logsKey: kms.IKey;
  readonly logRetentionDays: number;
  readonly retainLogs: boolean;
  /** Mount the demo files at DEMO_FILES_MOUNT_PATH (the container runs as their POSIX user). @default - no mount */
  readonly demoFiles?: DemoFileSystem;
  /** The non-root `uid:gid` the container runs as; the demo files' owner where they are mounted. */
  readonly user: string;
  /** Publish this service in Service Connect under its name (other services call http://<name>:<port>). @default false */
  readonly serviceConnectServer?: boolean;
  /** Fargate ephemeral storage (scratch space). @default 20 GiB (Fargate's default) */
  readonly ephemeralStorageGiB?: number;
  /** How long a stopping container gets before SIGKILL. @default 30 seconds */
  readonly stopTimeout?: Duration;
  /** ECS Exec, with the cluster's logged sessions. @default false */
  readonly execEnabled?: boolean;
  /** Where ECS Exec sessions are logged, and their key. Required with execEnabled. */
  readonly execLogging?: { readonly logGroup: logs.ILogGroup; readonly key: kms.IKey };
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

  constructor(scope: Construct, id: string, props: FargateAppServiceProps) {
    super(scope, id);
    const { sizing, name, envName } = props;
    if (props.execEnabled && !props.execLogging) throw new Error(`${name}: execEnabled needs execLogging`);
    const stack = Stack.of(this);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.logsKey,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeConfiguredLogRetention(logGroup, envName, 'services.logRetentionDays', props.logRetentionDays);

    const secrets = Object.values(props.secrets ?? {});
    const executionRole = new ServiceRole(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `${name} ${envName}: pull its image, read its secrets, write its logs`,
      statements: [
        new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
        new iam.PolicyStatement({
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          resources: [props.repository.repositoryArn],
        }),
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
        ...(secrets.length
          ? [
              new iam.PolicyStatement({
                actions: ['secretsmanager:GetSecretValue'],
                resources: [...new Set(secrets.map((injected) => injected.secret.secretArn))],
              }),
            ]
          : []),
        ...(secrets.length && props.secretsKey
          ? [
              new iam.PolicyStatement({
                actions: ['kms:Decrypt'],
                resources: [props.secretsKey.keyArn],
                conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
              }),
            ]
          : []),
      ],
    });
    acknowledge(
      executionRole.policy!,
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken has no resource-level permission; image pulls themselves are limited to this service\'s repository',
    );

    const taskStatements: iam.PolicyStatement[] = [];
    if (props.demoFiles) {
      taskStatements.push(
        new iam.PolicyStatement({
          actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          resources: [props.demoFiles.fileSystem.fileSystemArn],
          conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': props.demoFiles.accessPoint.accessPointArn } },
        }),
      );
    }
    if (props.execEnabled && props.execLogging) {
      taskStatements.push(
        new iam.PolicyStatement({
          actions: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: ['*'] }),
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
          resources: [props.execLogging.logGroup.logGroupArn],
        }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.execLogging.key.keyArn] }),
      );
    }
    // A task role even with nothing to do: the application gets exactly these permissions, or none.
    const taskRole = new ServiceRole(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `${name} ${envName}: what the application itself may call`,
      statements: taskStatements,
    });
    if (props.execEnabled && taskRole.policy) {
      acknowledge(
        taskRole.policy,
        'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        'ECS Exec needs the ssmmessages channel actions and logs:DescribeLogGroups, which have no resource-level permission',
      );
    }

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: `cs2analytics-${envName}-${name}`,
      cpu: sizing.cpu,
      memoryLimitMiB: sizing.memoryMiB,
      executionRole: executionRole.role,
      taskRole: taskRole.role,
      ephemeralStorageGiB: props.ephemeralStorageGiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    // The root file system is read-only; /tmp is the task's own scratch space (ephemeral storage).
    this.taskDefinition.addVolume({ name: 'tmp' });
    if (props.demoFiles) {
      this.taskDefinition.addVolume({
        name: 'demo-files',
        efsVolumeConfiguration: {
          fileSystemId: props.demoFiles.fileSystem.fileSystemId,
          transitEncryption: 'ENABLED',
          authorizationConfig: { accessPointId: props.demoFiles.accessPoint.accessPointId, iam: 'ENABLED' },
        },
      });
    }

    this.container = this.taskDefinition.addContainer('App', {
      containerName: name,
      image: ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag),
      essential: true,
      memoryLimitMiB: sizing.memoryMiB,
      readonlyRootFilesystem: true,
      environment: props.environment,
      // Referenced by ARN: the execution role's policy above already grants exactly these reads, and
      // CDK's own grant would write this stack's role into the data stack's key policy (a cycle).
      secrets: Object.fromEntries(
        Object.entries(props.secrets ?? {}).map(([variable, injected]) => [
          variable,
          ecs.Secret.fromSecretsManager(
            secretsmanager.Secret.fromSecretCompleteArn(this, `${variable}Secret`, injected.secret.secretArn),
            injected.field,
          ),
        ]),
      ),
      portMappings: [{ containerPort: sizing.port, name: `${name}-http`, appProtocol: ecs.AppProtocol.http }],
      healthCheck: {
        // wget is in the Alpine/Debian slim bases the images use; curl is not always.
        command: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${sizing.port}${sizing.healthCheckPath} || exit 1`],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name }),
      user: props.demoFiles ? `${props.demoFiles.posixUser.uid}:${props.demoFiles.posixUser.gid}` : props.user,
      stopTimeout: props.stopTimeout,
    });
    acknowledge(
      this.taskDefinition,
      'AwsSolutions::AwsSolutions-ECS2',
      'The environment holds only non-secret settings (hosts, ports, paths, flags); passwords and tokens are ECS ' +
        'secrets from Secrets Manager, injected at start',
    );
    this.container.addMountPoints({ sourceVolume: 'tmp', containerPath: SCRATCH_PATH, readOnly: false });
    if (props.demoFiles) {
      this.container.addMountPoints({ sourceVolume: 'demo-files', containerPath: DEMO_FILES_MOUNT_PATH, readOnly: false });
    }

    this.service = new ecs.FargateService(this, 'Service', {
      serviceName: `cs2analytics-${envName}-${name}`,
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: sizing.minTasks,
      vpcSubnets: props.subnets,
      securityGroups: props.securityGroups,
      assignPublicIp: false,
      // CloudFormation's own defaults, written out: CDK's differ (aws-facts.md).
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      capacityProviderStrategies: [{ capacityProvider: sizing.spot ? 'FARGATE_SPOT' : 'FARGATE', weight: 1 }],
      enableExecuteCommand: props.execEnabled ?? false,
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
      serviceConnectConfiguration: {
        services: props.serviceConnectServer ? [{ portMappingName: `${name}-http`, dnsName: name, port: sizing.port }] : undefined,
        logDriver: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: `${name}-service-connect` }),
      },
    });

    this.scaling = this.service.autoScaleTaskCount({ minCapacity: sizing.minTasks, maxCapacity: sizing.maxTasks });
    this.scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
  }
}
