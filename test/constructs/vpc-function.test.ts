/**
 * VpcFunction and its network-interface statements alone, in a bare stack: the EC2 actions Lambda takes
 * with the execution role held to the function's VPC where EC2 offers a key, put to the IAM evaluator;
 * and the dead-letter queue's key used only through SQS.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { VpcFunction, vpcFunctionStatements } from '../../lib/constructs/vpc-function';
import { evaluate } from '../rehearsal/iam-evaluator';

const ACCOUNT = '111111111111';
const VPC_ARN = `arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc/vpc-0123456789abcdef0`;

function bareStack(): Stack {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { '@aws-cdk/core:enablePartitionLiterals': true, 'aws:cdk:bundling-stacks': [] },
  });
  return new Stack(app, 'Bare', { env: { account: ACCOUNT, region: 'eu-west-1' } });
}

function importedVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
  });
}

describe('vpcFunctionStatements', () => {
  const stack = bareStack();
  const logGroup = new logs.LogGroup(stack, 'Logs');
  const statements = vpcFunctionStatements(logGroup, importedVpc(stack)).map((statement) => stack.resolve(statement.toStatementJson()));
  // The log group's statement names it by reference, which the evaluator cannot read: EC2 is what is asked here.
  const policy = {
    Version: '2012-10-17',
    Statement: statements.filter(
      (statement) => statement.Action !== 'logs:CreateLogStream' && ![statement.Action].flat().includes('logs:PutLogEvents'),
    ),
  };
  const decide = (action: string, resource: string, context: Record<string, string>) =>
    evaluate({
      principal: `arn:aws:iam::${ACCOUNT}:role/function-role`,
      action,
      resource,
      resourceAccount: ACCOUNT,
      context,
      identityPolicies: [policy],
    }).then((evaluation) => evaluation.decision);
  const ec2Arn = (resource: string) => `arn:aws:ec2:eu-west-1:${ACCOUNT}:${resource}`;

  test('the network-interface actions name their resources and the VPC; only DescribeNetworkInterfaces is on *', () => {
    expect(policy.Statement.filter((statement: any) => statement.Resource === '*').map((statement: any) => statement.Action)).toEqual([
      'ec2:DescribeNetworkInterfaces',
      ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    ]);
    expect(policy.Statement.filter((statement: any) => statement.Condition).map((statement: any) => statement.Condition)).toEqual([
      { ArnEquals: { 'ec2:Vpc': VPC_ARN } },
      { ArnEquals: { 'ec2:Vpc': VPC_ARN } },
    ]);
  });

  test("Lambda may create interfaces in the function's VPC and manage them there, not in another VPC", async () => {
    const inVpc = { 'ec2:Vpc': VPC_ARN };
    const otherVpc = { 'ec2:Vpc': ec2Arn('vpc/vpc-0fffffffffffffff0') };
    expect(await decide('ec2:CreateNetworkInterface', ec2Arn('subnet/subnet-0aaaaaaaaaaaaaaa1'), inVpc)).toBe('Allowed');
    expect(await decide('ec2:CreateNetworkInterface', ec2Arn('security-group/sg-0aaaaaaaaaaaaaaa1'), inVpc)).toBe('Allowed');
    expect(await decide('ec2:CreateNetworkInterface', ec2Arn('network-interface/eni-0aaaaaaaaaaaaaaa9'), {})).toBe('Allowed');
    expect(await decide('ec2:CreateNetworkInterface', ec2Arn('subnet/subnet-0fffffffffffffff1'), otherVpc)).toBe('ImplicitlyDenied');
    for (const action of ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses']) {
      expect([action, await decide(action, ec2Arn('network-interface/eni-0aaaaaaaaaaaaaaa1'), inVpc)]).toEqual([action, 'Allowed']);
      expect([action, await decide(action, ec2Arn('network-interface/eni-0fffffffffffffff1'), otherVpc)]).toEqual([
        action,
        'ImplicitlyDenied',
      ]);
    }
  });

  test('without a VPC, the shape of AWSLambdaVPCAccessExecutionRole (for callers that pass none yet)', () => {
    const plain = vpcFunctionStatements(new logs.LogGroup(bareStack(), 'Logs')).map((s) => s.toStatementJson());
    expect(plain.find((statement) => [statement.Action].flat().includes('ec2:CreateNetworkInterface'))?.Resource).toBe('*');
  });
});

describe('VpcFunction', () => {
  test("the dead-letter queue's key only through SQS; the network-interface statements in the role's policy", () => {
    const stack = bareStack();
    const vpc = importedVpc(stack);
    const key = new kms.Key(stack, 'Key');
    new VpcFunction(stack, 'Job', {
      envName: 'bare',
      purpose: 'test',
      code: { folder: 'partition-maintenance', handler: 'handler' },
      vpc,
      subnets: { subnets: vpc.privateSubnets },
      securityGroups: [new ec2.SecurityGroup(stack, 'Group', { vpc })],
      logsKey: key,
      logRetentionDays: 30,
      logRetentionField: 'test',
      retainLogs: false,
      timeout: Duration.minutes(1),
      deadLetterQueue: { queue: new sqs.Queue(stack, 'Dlq', { encryptionMasterKey: key }), key },
    });
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements.find((statement: any) => [statement.Action].flat().includes('kms:Decrypt')).Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' },
    });
    expect(statements.filter((statement: any) => JSON.stringify(statement.Condition ?? {}).includes('ec2:Vpc'))).toHaveLength(2);
  });
});
