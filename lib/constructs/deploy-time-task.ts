import { Aws, CustomResource, Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { configuredLogGroup } from './retention';
import { ServiceRole, sourceConditions } from './service-role';
import { acknowledgeVpcFunctionStatements, VpcFunction, vpcFunctionStatements } from './vpc-function';
import { acknowledgeRegionalRuntime } from './lambda-node-runtime';

/** The CloudFormation type of a DeployTimeTask's run: its status and reason are the last run's. */
export const DEPLOY_TIME_TASK_RESOURCE_TYPE = 'Custom::DeployTimeTask';

export interface DeployTimeTaskProps {
  readonly envName: string;
  /** What the task does, for descriptions and messages. */
  readonly purpose: string;
  readonly vpc: ec2.IVpc;
  /** Private subnets with egress: where the task and the functions that watch it run. */
  readonly subnets: ec2.SubnetSelection;
  readonly cluster: ecs.ICluster;
  /** The task definition to run (its revision: a new one runs the task again). */
  readonly taskDefinition: ecs.TaskDefinition;
  /** The container whose command is replaced and whose exit code decides. */
  readonly container: ecs.ContainerDefinition;
  /** The command, exec form. */
  readonly command: readonly string[];
  /** The task's security groups. */
  readonly taskSecurityGroups: readonly ec2.ISecurityGroup[];
  /** `FARGATE` or `FARGATE_SPOT`. */
  readonly capacityProvider: string;
  /** The container's log group and awslogs stream prefix: a failure quotes the task's last lines. */
  readonly logGroup: logs.ILogGroup;
  readonly streamPrefix: string;
  /** How long the task may run before the deployment fails: at most 55 minutes (a custom resource's hour). */
  readonly timeout: Duration;
  /** Encrypts the functions' logs and the waiter's. */
  readonly logsKey: kms.IKey;
  readonly logRetentionDays: number;
  readonly logRetentionField: string;
  readonly retainLogs: boolean;
  /**
   * Values whose change runs the task again, besides the task definition's revision and the command.
   * @default - none
   */
  readonly runAgainWhen?: Readonly<Record<string, string>>;
}

/**
 * Runs one ECS task to completion during a deployment, whenever its task definition or command
 * changes: the deployment waits for it, fails with its exit code and its last log lines when it
 * fails, and whatever depends on this construct is created or updated only after it succeeded. The
 * wait may outlast one Lambda invocation: aws-cdk-lib's custom-resource Provider asks `isComplete`
 * every 30 seconds up to `timeout`. While the stack rolls back, nothing runs.
 */
export class DeployTimeTask extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DeployTimeTaskProps) {
    super(scope, id);
    if (props.timeout.toMinutes() > 55)
      throw new Error(`${this.node.path}: timeout must be at most 55 minutes (got ${props.timeout.toMinutes()})`);
    if (props.command.length === 0) throw new Error(`${this.node.path}: command must not be empty`);
    const stack = Stack.of(this);
    const functionGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: props.vpc,
      description: `${props.purpose} (${props.envName}): the functions that start and watch the task reach the ECS and Logs APIs`.replace(
        /'/g,
        '',
      ),
      allowAllOutbound: false,
    });
    functionGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the AWS APIs');
    const common = {
      envName: props.envName,
      code: { folder: 'deploy-time-task', handler: '' },
      vpc: props.vpc,
      subnets: props.subnets,
      securityGroups: [functionGroup],
      logsKey: props.logsKey,
      logRetentionDays: props.logRetentionDays,
      logRetentionField: props.logRetentionField,
      retainLogs: props.retainLogs,
      timeout: Duration.minutes(1),
      invokedSynchronouslyBy: 'The custom-resource Provider framework',
    };
    const start = new VpcFunction(this, 'Start', {
      ...common,
      purpose: `starts the task that ${props.purpose}`,
      code: { folder: 'deploy-time-task', handler: 'onEvent' },
    });
    const watch = new VpcFunction(this, 'Watch', {
      ...common,
      purpose: `watches the task that ${props.purpose}`,
      code: { folder: 'deploy-time-task', handler: 'isComplete' },
    });

    const definition = props.taskDefinition;
    start.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [definition.taskDefinitionArn],
        conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
      }),
    );
    start.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [definition.taskRole.roleArn, ...(definition.executionRole ? [definition.executionRole.roleArn] : [])],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    start.role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [Aws.STACK_ID] }));
    watch.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:DescribeTasks'],
        resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${props.cluster.clusterName}/*` })],
      }),
    );
    watch.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:GetLogEvents'],
        resources: [`${props.logGroup.logGroupArn.replace(/:\*$/, '')}:log-stream:${props.streamPrefix}/*`],
      }),
    );

    const frameworkLogs = configuredLogGroup(this, 'ProviderLogs', {
      envName: props.envName,
      retentionField: props.logRetentionField,
      retentionDays: props.logRetentionDays,
      encryptionKey: props.logsKey,
      retain: props.retainLogs,
    });
    // The framework's functions get roles like this project's own (one managed policy each, nothing
    // AWS-managed), which the framework then grants what it invokes.
    const frameworkRole = (roleId: string, what: string) =>
      new ServiceRole(this, roleId, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${props.purpose} (${props.envName}): the custom-resource framework's ${what}`,
        statements: vpcFunctionStatements(frameworkLogs, props.vpc),
      });
    const onEventRole = frameworkRole('FrameworkOnEventRole', 'function that starts a run');
    const waitRole = frameworkRole('FrameworkWaitRole', 'functions that wait for a run and time it out');
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: start.function,
      isCompleteHandler: watch.function,
      queryInterval: Duration.seconds(30),
      totalTimeout: props.timeout,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [functionGroup],
      logGroup: frameworkLogs,
      frameworkOnEventRole: onEventRole.role,
      frameworkCompleteAndTimeoutRole: waitRole.role,
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: { destination: frameworkLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      providerFunctionEnvEncryption: props.logsKey,
    });

    const subnetIds = props.vpc.selectSubnets(props.subnets).subnetIds;
    this.resource = new CustomResource(this, 'Run', {
      serviceToken: provider.serviceToken,
      resourceType: DEPLOY_TIME_TASK_RESOURCE_TYPE,
      // The Provider answers within its total timeout; CloudFormation waits a little longer.
      serviceTimeout: Duration.minutes(props.timeout.toMinutes() + 5),
      properties: {
        Cluster: props.cluster.clusterName,
        TaskDefinition: definition.taskDefinitionArn,
        Container: props.container.containerName,
        Command: JSON.stringify(props.command),
        Subnets: stack.toJsonString(subnetIds),
        SecurityGroups: stack.toJsonString(props.taskSecurityGroups.map((group) => group.securityGroupId)),
        CapacityProvider: props.capacityProvider,
        LogGroup: props.logGroup.logGroupName,
        StreamPrefix: props.streamPrefix,
        ...props.runAgainWhen,
      },
    });
    this.acknowledgeFramework(provider, [onEventRole, waitRole]);
    for (const role of [onEventRole, waitRole]) acknowledgeVpcFunctionStatements(role.policy!, props.vpc);
    this.guardWaiterTrust(provider);
    // Invoking a function grants its versions and aliases too (`<arn>:*`): the framework's own grant.
    const invokeFindings = (functions: readonly lambda.CfnFunction[]) =>
      functions.map((fn) => `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn)}.Arn>:*]`);
    for (const role of [onEventRole, waitRole]) {
      acknowledge(role.policy!, {
        reason: "The custom-resource framework's grant to invoke the start and watch functions, which covers their versions (<arn>:*)",
        rules: { AwsSolutions: invokeFindings([start, watch].map((fn) => fn.function.node.defaultChild as lambda.CfnFunction)) },
      });
    }
    const waiterPolicy = provider.node.tryFindChild('waiter-state-machine')?.node.tryFindChild('Role')?.node.tryFindChild('DefaultPolicy');
    if (waiterPolicy) {
      const frameworkFunctions = ['framework-isComplete', 'framework-onTimeout'].map(
        (id) => provider.node.findChild(id).node.defaultChild as lambda.CfnFunction,
      );
      acknowledge(waiterPolicy, {
        reason: "The custom-resource framework's grant to its waiter to invoke its functions, which covers their versions (<arn>:*)",
        rules: { AwsSolutions: invokeFindings(frameworkFunctions) },
      });
    }
    acknowledge(watch.role.policy!, {
      reason: "A run's task ARN is known only once it started: the watch may describe the cluster's tasks",
      rules: {
        AwsSolutions: [
          `AwsSolutions-IAM5[Resource::arn:${pseudo(stack.partition, 'Partition')}:ecs:${pseudo(stack.region, 'Region')}:${pseudo(stack.account, 'AccountId')}:task/<${stack.getLogicalId(props.cluster.node.defaultChild as ecs.CfnCluster)}>/*]`,
        ],
      },
    });
    acknowledge(watch.role.policy!, {
      reason:
        "A run's log stream is named after its task: the watch may read the container's streams of that log group, to quote a failure's last lines",
      rules: {
        AwsSolutions: [
          `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(props.logGroup.node.defaultChild as logs.CfnLogGroup)}.Arn>:log-stream:${props.streamPrefix}/*]`,
        ],
      },
    });
  }

  /**
   * The framework's waiter is a state machine whose role aws-cdk-lib writes with a bare
   * states.amazonaws.com trust: it gets the source conditions Step Functions sends (this account, and
   * its state machines of this region: aws:SourceArn arn:<partition>:states:<region>:<account>:stateMachine:*,
   * the trust policy the Step Functions console writes for a state machine's role).
   */
  private guardWaiterTrust(provider: cr.Provider): void {
    const role = provider.node.tryFindChild('waiter-state-machine')?.node.tryFindChild('Role');
    if (!role) return;
    const stack = Stack.of(this);
    const trust = stack.resolve((role.node.defaultChild as iam.CfnRole).assumeRolePolicyDocument);
    const statements = (trust?.Statement ?? []) as { Principal?: { Service?: string } }[];
    if (statements.length !== 1 || statements[0].Principal?.Service !== 'states.amazonaws.com') {
      throw new Error(`${role.node.path}: expected one states.amazonaws.com trust statement (aws-cdk-lib changed the waiter's role)`);
    }
    (role.node.defaultChild as iam.CfnRole).addPropertyOverride(
      'AssumeRolePolicyDocument.Statement.0.Condition',
      sourceConditions(stack, [`arn:${stack.partition}:states:${stack.region}:${stack.account}:stateMachine:*`]),
    );
  }

  /**
   * The Provider framework's own functions and waiter, which aws-cdk-lib builds: traced and sized like
   * this project's functions where a property allows it, and acknowledged where it does not.
   */
  private acknowledgeFramework(provider: cr.Provider, roles: readonly ServiceRole[]): void {
    for (const id of ['framework-onEvent', 'framework-isComplete', 'framework-onTimeout']) {
      const fn = provider.node.tryFindChild(id);
      if (!fn) continue;
      const resource = fn.node.defaultChild as lambda.CfnFunction;
      resource.tracingConfig = { mode: 'Active' };
      resource.memorySize = 256;
      acknowledge(fn, {
        reason:
          'A custom-resource framework function: CloudFormation and the waiter invoke it synchronously and handle its failure (the deployment fails); a dead-letter queue would never receive anything',
        rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-LambdaDLQ'], Serverless: ['Serverless-LambdaDLQ'] },
      });
      acknowledge(fn, {
        reason:
          'No reserved concurrency on purpose: it runs once per deployment, and any reservation fails to deploy on new accounts whose concurrency quota is 10',
        rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-LambdaConcurrency'] },
      });
      acknowledge(fn, {
        reason:
          'The function runs in the private subnets of the network stack (the Provider is given the VPC); their ids arrive as cross-stack references, which this control cannot follow to a literal subnet id',
        rules: { 'cdk-validator-cfnguard': ['lambda_inside_vpc_check'] },
      });
      acknowledgeRegionalRuntime(fn);
    }
    for (const role of roles) {
      acknowledge(role.policy!, {
        reason:
          'Only ec2:DescribeNetworkInterfaces (which Lambda needs to run in the VPC) and X-Ray trace publishing use *: neither supports resource-level permissions',
        rules: { AwsSolutions: ['AwsSolutions-IAM5[Resource::*]'] },
      });
    }
    const waiter = provider.node.tryFindChild('waiter-state-machine');
    if (waiter) {
      acknowledge(waiter, {
        reason:
          "The custom-resource framework's waiter only calls isComplete every 30 seconds; the functions it calls are traced themselves, and aws-cdk-lib offers no tracing switch for it",
        rules: {
          AwsSolutions: ['AwsSolutions-SF2'],
          Serverless: ['Serverless-StepFunctionStateMachineXray'],
          'cdk-validator-cfnguard': ['step_functions_state_machine_tracing_enabled_check'],
        },
      });
      const policy = waiter.node.tryFindChild('Role')?.node.tryFindChild('DefaultPolicy') ?? waiter;
      acknowledge(policy, {
        reason:
          "The custom-resource framework writes its waiter's role as an inline policy; it grants only invoking the framework's two functions and writing the waiter's log",
        rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-IAMNoInlinePolicy'] },
      });
      acknowledge(policy, {
        reason:
          "CloudWatch Logs' log-delivery actions for a state machine's logging support no resource-level permission (the framework grants them on *)",
        rules: { AwsSolutions: ['AwsSolutions-IAM5[Resource::*]'] },
      });
    }
  }
}

/** cdk-nag names an unresolved account, region or partition by its pseudo parameter. */
function pseudo(value: string, name: string): string {
  return Token.isUnresolved(value) ? `<AWS::${name}>` : value;
}
