import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { bundledLambdaCode } from './bundled-lambda-code';
import { acknowledgeRegionalRuntime, lambdaNodeRuntime } from './lambda-node-runtime';
import { ServiceRole } from './service-role';
import { configuredLogGroup } from './retention';

/**
 * What any function in the VPC needs from the start, in its role's policy: writing its own log group,
 * the network-interface actions Lambda takes with the execution role when it creates and scales a VPC
 * function (Lambda developer guide, "Giving Lambda functions access to resources in an Amazon VPC"),
 * and X-Ray tracing.
 *
 * With `vpc`, the network-interface actions are held to that VPC, as far as EC2 allows (Service
 * Authorization Reference, Amazon EC2): CreateNetworkInterface on the VPC's subnets and security
 * groups (condition key ec2:Vpc) and on a new interface (no VPC key for an interface being created);
 * DeleteNetworkInterface and the private-address actions on interfaces in the VPC (ec2:Vpc). Only
 * DescribeNetworkInterfaces, which has no resource type, stays on `*`. Without it, every
 * network-interface action is on `*` (the shape of AWSLambdaVPCAccessExecutionRole).
 */
export function vpcFunctionStatements(logGroup: logs.ILogGroup, vpc?: ec2.IVpc): iam.PolicyStatement[] {
  const logsStatement = new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  });
  const tracing = new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] });
  if (!vpc) {
    return [
      logsStatement,
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
      tracing,
    ];
  }
  const stack = Stack.of(vpc);
  const ec2Arn = (resource: string) => `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:${resource}`;
  const inVpc = { ArnEquals: { 'ec2:Vpc': ec2Arn(`vpc/${vpc.vpcId}`) } };
  return [
    logsStatement,
    new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface'],
      resources: [ec2Arn('subnet/*'), ec2Arn('security-group/*')],
      conditions: inVpc,
    }),
    new iam.PolicyStatement({ actions: ['ec2:CreateNetworkInterface'], resources: [ec2Arn('network-interface/*')] }),
    new iam.PolicyStatement({
      actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: [ec2Arn('network-interface/*')],
      conditions: inVpc,
    }),
    new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces'], resources: ['*'] }),
    tracing,
  ];
}

/**
 * The IAM5 findings the VPC-scoped network-interface statements raise, as cdk-nag names them, with the
 * reason: a function's interfaces, subnets and groups are not known before Lambda creates them.
 */
export function acknowledgeVpcFunctionStatements(policy: IConstruct, vpc: ec2.IVpc): void {
  const stack = Stack.of(vpc);
  const pseudo = (value: string, name: string) => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
  const prefix = `arn:${pseudo(stack.partition, 'Partition')}:ec2:${pseudo(stack.region, 'Region')}:${pseudo(stack.account, 'AccountId')}`;
  acknowledge(policy, {
    reason:
      "Lambda creates and deletes the function's network interfaces with its execution role; they, and the subnet and " +
      'security group it picks for each, are known only then: the statements hold them to the VPC (ec2:Vpc) where EC2 offers the key',
    rules: {
      AwsSolutions: ['subnet/*', 'security-group/*', 'network-interface/*'].map(
        (resource) => `AwsSolutions-IAM5[Resource::${prefix}:${resource}]`,
      ),
    },
  });
}

export interface VpcFunctionProps {
  readonly envName: string;
  /** What it does, for its description. */
  readonly purpose: string;
  /** The folder under lambda/ and the exported handler, e.g. `credential-rotation` and `postgresApp`. */
  readonly code: { readonly folder: string; readonly handler: string };
  readonly vpc: ec2.IVpc;
  /** Private subnets with egress: the AWS APIs it calls (NAT or endpoints). */
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  /** Encrypts its log group. */
  readonly logsKey: kms.IKey;
  readonly logRetentionDays: number;
  /** The config field the retention comes from, for the acknowledgement of a short one. */
  readonly logRetentionField: string;
  readonly retainLogs: boolean;
  readonly environment?: Record<string, string>;
  /** @default 5 minutes */
  readonly timeout?: Duration;
  /**
   * Who invokes it and how, for the acknowledgement of the asynchronous-failure rule: a function
   * invoked synchronously (Secrets Manager rotation, CloudFormation) has nowhere to send a failure.
   * @default - the function is given no such acknowledgement
   */
  readonly invokedSynchronouslyBy?: string;
  /**
   * Where events that failed every retry of an asynchronous invocation wait, and the key of that
   * queue (the function's role may use it).
   * @default - none
   */
  readonly deadLetterQueue?: { readonly queue: sqs.IQueue; readonly key: kms.IKey };
}

/**
 * A Node.js function from lambda/<folder>/index.ts, bundled by esbuild (never Docker), running in the
 * VPC's private subnets: an encrypted log group with the configured retention, a role whose grants
 * land in one managed policy (the network-interface and tracing actions a VPC function needs are
 * there from the start, so it can be created), JSON logs, active tracing, no reserved concurrency.
 */
export class VpcFunction extends Construct implements iam.IGrantable {
  readonly function: lambda.Function;
  readonly role: ServiceRole;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: VpcFunctionProps) {
    super(scope, id);
    const logGroup = configuredLogGroup(this, 'Logs', {
      envName: props.envName,
      retentionField: props.logRetentionField,
      retentionDays: props.logRetentionDays,
      encryptionKey: props.logsKey,
      retain: props.retainLogs,
    });

    this.role = new ServiceRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.purpose} (${props.envName})`,
      statements: [
        ...vpcFunctionStatements(logGroup, props.vpc),
        // Lambda checks these when it creates a function with a dead-letter queue. The key only through
        // SQS, which uses it for the queue (kms:ViaService; AWS KMS developer guide, "kms:ViaService").
        ...(props.deadLetterQueue
          ? [
              new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queue.queueArn] }),
              new iam.PolicyStatement({
                actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
                resources: [props.deadLetterQueue.key.keyArn],
                conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(this).region}.amazonaws.com` } },
              }),
            ]
          : []),
      ],
    });
    this.grantPrincipal = this.role.grantPrincipal;

    const runtime = lambdaNodeRuntime(this);
    this.function = new lambda.Function(this, 'Function', {
      description: `CS2 Analytics ${props.envName}: ${props.purpose}`,
      code: bundledLambdaCode({ folder: props.code.folder, runtime }),
      handler: `index.${props.code.handler}`,
      runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout ?? Duration.minutes(5),
      role: this.role.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: props.securityGroups,
      deadLetterQueue: props.deadLetterQueue?.queue,
      environment: {
        // Node.js 20+ runtimes no longer trust the Amazon CAs by default; this bundle has the RDS ones.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        ...props.environment,
      },
    });

    acknowledge(this.role.policy!, {
      reason:
        'Only ec2:DescribeNetworkInterfaces (which Lambda needs to run in the VPC), X-Ray trace publishing and, in a ' +
        "rotation function, Secrets Manager's GetRandomPassword use *: none supports resource-level permissions; every " +
        'other statement names its resource',
      rules: { AwsSolutions: ['AwsSolutions-IAM5[Resource::*]'] },
    });
    acknowledgeVpcFunctionStatements(this.role.policy!, props.vpc);
    acknowledgeRegionalRuntime(this.function);
    acknowledge(this.function, {
      reason:
        'The function runs in the private subnets of the network stack (VpcConfig); their ids arrive as cross-stack ' +
        'references, which this control cannot follow to a literal subnet id',
      rules: { 'cdk-validator-cfnguard': ['lambda_inside_vpc_check'] },
    });
    acknowledge(this.function, {
      reason:
        'No reserved concurrency on purpose: its callers never run it in parallel bursts, and any reservation fails to ' +
        'deploy on new accounts whose concurrency quota is 10',
      rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-LambdaConcurrency'] },
    });
    if (props.invokedSynchronouslyBy) {
      acknowledge(this.function, {
        reason:
          `${props.invokedSynchronouslyBy} invokes it synchronously and sees its failures itself (and retries): an ` +
          'asynchronous failure destination would never receive anything',
        rules: {
          Serverless: ['Serverless-LambdaDLQ', 'Serverless-LambdaAsyncFailureDestination'],
          'NIST.800.53.R5': ['NIST.800.53.R5-LambdaDLQ'],
        },
      });
    }
  }

  /**
   * Lets Secrets Manager invoke the function to rotate that one secret, in this account (a permission
   * with no source would leave the function open to any account's Secrets Manager: Control Tower
   * CT.LAMBDA.PR.2, and the confused-deputy advice).
   */
  allowRotationOf(secret: secretsmanager.ISecret): void {
    this.function.addPermission('InvokedBySecretsManager', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceAccount: Stack.of(this).account,
      sourceArn: secret.secretArn,
    });
  }
}
