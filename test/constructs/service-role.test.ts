/**
 * ServiceRole alone, in a bare stack: the source conditions its trust policy adds for the services
 * that document them, none for Lambda, and the ones a caller names. Each trust policy is also put to
 * the IAM evaluator: the service acting for this account is let in, acting for another is not.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EXECUTION_ROLE_TRUST, ServiceRole } from '../../lib/constructs/service-role';
import { evaluate } from '../rehearsal/iam-evaluator';

const ACCOUNT = '111111111111';
const OTHER = '222222222222';

function trustOf(assumedBy: iam.IPrincipal, sourceArns?: string[], withoutSourceConditions?: string): any {
  const app = new App({ builtinCloudFormationValidation: false, context: { '@aws-cdk/core:enablePartitionLiterals': true } });
  const stack = new Stack(app, 'Bare', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  new ServiceRole(stack, 'Role', { assumedBy, sourceArns, withoutSourceConditions });
  const [role] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
  return role.Properties.AssumeRolePolicyDocument;
}

const assume = (trust: unknown, service: string, context: Record<string, string>) =>
  evaluate({
    principal: service,
    action: 'sts:AssumeRole',
    resource: `arn:aws:iam::${ACCOUNT}:role/Bare-Role`,
    resourceAccount: ACCOUNT,
    context,
    identityPolicies: [],
    resourcePolicy: trust,
  }).then((evaluation) => evaluation.decision);

describe('ServiceRole trust policies', () => {
  test('ECS tasks (task roles): this account, and its ECS resources of this region', async () => {
    const trust = trustOf(new iam.ServicePrincipal('ecs-tasks.amazonaws.com'));
    expect(trust.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': `arn:aws:ecs:eu-west-1:${ACCOUNT}:*` },
        },
      },
    ]);
    const task = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/cs2analytics-prod/0123456789abcdef`;
    expect(await assume(trust, 'ecs-tasks.amazonaws.com', { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': task })).toBe('Allowed');
    expect(
      await assume(trust, 'ecs-tasks.amazonaws.com', {
        'aws:SourceAccount': OTHER,
        'aws:SourceArn': `arn:aws:ecs:eu-west-1:${OTHER}:task/theirs/0123456789abcdef`,
      }),
    ).toBe('ImplicitlyDenied');
  });

  test('VPC flow logs: this account, and its flow logs of this region', async () => {
    const trust = trustOf(new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'));
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc-flow-log/*` },
    });
    const flowLog = (account: string) => ({
      'aws:SourceAccount': account,
      'aws:SourceArn': `arn:aws:ec2:eu-west-1:${account}:vpc-flow-log/fl-0123456789abcdef0`,
    });
    expect(await assume(trust, 'vpc-flow-logs.amazonaws.com', flowLog(ACCOUNT))).toBe('Allowed');
    expect(await assume(trust, 'vpc-flow-logs.amazonaws.com', flowLog(OTHER))).toBe('ImplicitlyDenied');
  });

  test('an ECS task execution role: no condition, as the ECS developer guide documents it', () => {
    expect(trustOf(new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), undefined, EXECUTION_ROLE_TRUST).Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' } },
    ]);
  });

  test('Lambda: no condition, since Lambda documents none for an execution role', () => {
    expect(trustOf(new iam.ServicePrincipal('lambda.amazonaws.com')).Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });

  test('a caller names the sources of a service with no default (RDS): every pattern, and the account', async () => {
    const database = `arn:aws:rds:eu-west-1:${ACCOUNT}:cluster:cs2analytics-prod`;
    const trust = trustOf(new iam.ServicePrincipal('rds.amazonaws.com'), [database, `${database}-r*`]);
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': [database, `${database}-r*`] },
    });
    expect(await assume(trust, 'rds.amazonaws.com', { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `${database}-r2` })).toBe('Allowed');
    expect(
      await assume(trust, 'rds.amazonaws.com', {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': `arn:aws:rds:eu-west-1:${ACCOUNT}:cluster:someone-else`,
      }),
    ).toBe('ImplicitlyDenied');
    expect(() => trustOf(new iam.ServicePrincipal('rds.amazonaws.com'), [])).toThrow(/sourceArns must name at least one source/);
  });
});
