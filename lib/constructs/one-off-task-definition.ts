import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { EXECUTION_ROLE_TRUST, ServiceRole } from './service-role';

/** The writable scratch directory of the container (its root file system is read-only). */
const SCRATCH_PATH = '/tmp';
/** The hard memory limit of the short container that prepares the scratch volume. */
const VOLUME_INIT_MEMORY_MIB = 64;

export interface OneOffTaskDefinitionProps {
  /** The task definition's family. */
  readonly family: string;
  /** The container's name. */
  readonly containerName: string;
  /** Its image: the task runs the command a RunTask override gives (none here, so a new command is no new revision). */
  readonly image: ecs.ContainerImage;
  readonly cpu: number;
  readonly memoryMiB: number;
  /** The non-root `uid:gid` the container runs as. */
  readonly user: string;
  /** Non-secret settings. @default - none */
  readonly environment?: Record<string, string>;
  /**
   * Values injected from one Secrets Manager secret by ECS at start, by variable name: the field of
   * the secret each takes. The execution role reads this secret and no other.
   * @default - none
   */
  readonly secrets?: { readonly secret: secretsmanager.ISecret; readonly key: kms.IKey; readonly fields: Record<string, string> };
  readonly logGroup: logs.ILogGroup;
  readonly streamPrefix: string;
}

/**
 * A Fargate task definition for a one-off command (no service runs it): one non-root container on a
 * read-only root with a writable /tmp, encrypted logs, an execution role that pulls its image and
 * reads its one secret (decrypted through Secrets Manager only), and a task role that may call
 * nothing.
 */
export class OneOffTaskDefinition extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;

  constructor(scope: Construct, id: string, props: OneOffTaskDefinitionProps) {
    super(scope, id);
    if (!/^\d+:\d+$/.test(props.user) || props.user.startsWith('0:')) {
      throw new Error(`OneOffTaskDefinition: user must be a non-root uid:gid (got '${props.user}')`);
    }
    const stack = Stack.of(this);
    const executionRole = new ServiceRole(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `${props.family}: pull its image, read its secret, write its logs`,
      withoutSourceConditions: EXECUTION_ROLE_TRUST,
    });
    if (props.secrets) {
      // By ARN, so that no grant writes this role into the key's policy in another stack (a cycle).
      executionRole.addToPolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.secrets.secret.secretArn] }),
      );
      executionRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.secrets.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    const taskRole = new ServiceRole(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `${props.family}: what the command itself may call (nothing)`,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family,
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      executionRole: executionRole.role,
      taskRole: taskRole.role,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    // Fargate creates a bind-mount volume owned by root, mode 0755: a short root container of the same
    // image hands it to the command's user, which starts once it has succeeded.
    this.taskDefinition.addVolume({ name: 'tmp' });
    const logging = (prefix: string) => ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: prefix });
    const volumeInit = this.taskDefinition.addContainer('VolumeInit', {
      containerName: `${props.containerName}-volume-init`,
      image: props.image,
      essential: false,
      user: '0',
      readonlyRootFilesystem: true,
      entryPoint: ['sh', '-c'],
      command: [`chown ${props.user} ${SCRATCH_PATH} && chmod 0700 ${SCRATCH_PATH}`],
      memoryLimitMiB: VOLUME_INIT_MEMORY_MIB,
      logging: logging(`${props.streamPrefix}-volume-init`),
    });
    volumeInit.addMountPoints({ sourceVolume: 'tmp', containerPath: SCRATCH_PATH, readOnly: false });
    acknowledge(this.taskDefinition, {
      reason:
        `Only the non-essential ${props.containerName}-volume-init container runs as root, for one chown of the task's scratch ` +
        `volume (Fargate creates it root-owned, 0755); the command runs as ${props.user} and starts after it exits`,
      rules: { 'cdk-validator-cfnguard': ['ecs_task_definition_nonroot_user_check'] },
    });
    this.container = this.taskDefinition.addContainer('Command', {
      containerName: props.containerName,
      image: props.image,
      essential: true,
      memoryLimitMiB: props.memoryMiB - VOLUME_INIT_MEMORY_MIB,
      readonlyRootFilesystem: true,
      user: props.user,
      environment: props.environment,
      secrets:
        props.secrets &&
        Object.fromEntries(
          Object.entries(props.secrets.fields).map(([variable, field]) => [
            variable,
            ecs.Secret.fromSecretsManager(
              secretsmanager.Secret.fromSecretCompleteArn(this, `${variable}Secret`, props.secrets!.secret.secretArn),
              field,
            ),
          ]),
        ),
      logging: logging(props.streamPrefix),
    });
    this.container.addContainerDependencies({ container: volumeInit, condition: ecs.ContainerDependencyCondition.SUCCESS });
    this.container.addMountPoints({ sourceVolume: 'tmp', containerPath: SCRATCH_PATH, readOnly: false });
    acknowledge(this.taskDefinition, {
      reason: 'The environment holds only non-secret settings; passwords are ECS secrets from Secrets Manager, injected at start',
      rules: { AwsSolutions: ['AwsSolutions-ECS2'] },
    });
    const pullPolicy = executionRole.policy;
    if (pullPolicy) {
      acknowledge(pullPolicy, {
        reason:
          'ecr:GetAuthorizationToken (granted with the image pull) has no resource-level permission; the pull itself is ' +
          'limited to the image repository',
        rules: { AwsSolutions: ['AwsSolutions-IAM5[Resource::*]'] },
      });
    }
  }
}
