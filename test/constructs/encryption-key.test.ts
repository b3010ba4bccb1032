/**
 * EncryptionKey alone, in a bare stack: which log groups CloudWatch Logs may use it for (the names
 * CloudFormation gives in the key's stack, and the environment's fixed names), checked with the IAM
 * evaluator against groups of this environment and of others; and the synth error for a group the
 * statement would not cover.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { environmentLogGroupPrefixes } from '../../lib/config/names';
import { EncryptionKey } from '../../lib/constructs/encryption-key';
import { evaluate } from '../rehearsal/iam-evaluator';

const ACCOUNT = '111111111111';
const CONTEXT = { '@aws-cdk/core:enablePartitionLiterals': true };

function keyIn(stackName: string, envName?: string) {
  const app = new App({ builtinCloudFormationValidation: false, context: CONTEXT });
  const stack = new Stack(app, 'Bare', { stackName, env: { account: ACCOUNT, region: 'eu-west-1' } });
  const logGroupNamePrefixes = envName ? environmentLogGroupPrefixes(envName) : undefined;
  const key = new EncryptionKey(stack, 'LogsKey', { purpose: 'test', forCloudWatchLogs: true, logGroupNamePrefixes });
  return { app, stack, key };
}

function logsStatement(stack: Stack): any {
  const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  return key.Properties.KeyPolicy.Statement.find((statement: any) => statement.Sid === 'AllowCloudWatchLogsOfThisAccountAndRegion');
}

const logGroupArn = (name: string) => `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${name}`;
const decrypt = async (stack: Stack, logGroupName: string) => {
  const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  const evaluation = await evaluate({
    principal: 'logs.eu-west-1.amazonaws.com',
    action: 'kms:Decrypt',
    resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d`,
    resourceAccount: ACCOUNT,
    context: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn(logGroupName) },
    identityPolicies: [],
    resourcePolicy: key.Properties.KeyPolicy,
  });
  return evaluation.decision;
};

describe('EncryptionKey for CloudWatch Logs', () => {
  test("an environment's stack: its generated names and exactly the environment's fixed name prefixes", () => {
    const { stack } = keyIn('Cs2Analytics-prod-data', 'prod');
    expect(logsStatement(stack).Condition).toEqual({
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': [
          logGroupArn('Cs2Analytics-prod-data-*'),
          logGroupArn('/aws/lambda/cs2analytics-prod-*'),
          logGroupArn('/aws/rds/cluster/cs2analytics-prod/*'),
          logGroupArn('/aws/rds/cluster/cs2analytics-prod-*'),
          logGroupArn('/aws/rds/instance/cs2analytics-prod/*'),
          logGroupArn('/aws/rds/instance/cs2analytics-prod-*'),
          logGroupArn('/aws/ecs/containerinsights/cs2analytics-prod/*'),
          logGroupArn('aws-waf-logs-cs2analytics-prod-*'),
        ],
      },
    });
  });

  test('CloudWatch Logs may use it for the groups of its environment, not for those of another or of the account', async () => {
    const { stack } = keyIn('Cs2Analytics-prod-data', 'prod');
    for (const name of [
      'Cs2Analytics-prod-data-AppCredentialsRotationLogsAE794120-AbCdEfGhIjKl',
      '/aws/lambda/cs2analytics-prod-db-rotation',
      '/aws/rds/cluster/cs2analytics-prod/postgresql',
      '/aws/rds/instance/cs2analytics-prod-r2-replica-1/postgresql',
      '/aws/ecs/containerinsights/cs2analytics-prod/performance',
      'aws-waf-logs-cs2analytics-prod-0123abcd-4567-89ef-0123-456789abcdef',
    ]) {
      expect([name, await decrypt(stack, name)]).toEqual([name, 'Allowed']);
    }
    for (const name of [
      'Cs2Analytics-staging-data-AppCredentialsRotationLogsAE794120-AbCdEfGhIjKl',
      'Cs2Analytics-prod-services-WebLogsD9759FC4-AbCdEfGhIjKl',
      '/aws/lambda/someone-elses-function',
      '/aws/rds/cluster/cs2analytics-production/postgresql',
      'aws-waf-logs-cs2analytics-dev-0123abcd',
    ]) {
      expect([name, await decrypt(stack, name)]).toEqual([name, 'ImplicitlyDenied']);
    }
  });

  test("another environment's names; without fixed names, only the generated names of its stack", () => {
    expect(logsStatement(keyIn('Probe', 'dev').stack).Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toEqual(
      expect.arrayContaining([logGroupArn('Probe-*'), logGroupArn('/aws/ecs/containerinsights/cs2analytics-dev/*')]),
    );
    expect(logsStatement(keyIn('Probe').stack).Condition).toEqual({
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': [logGroupArn('Probe-*')] },
    });
  });

  test('a group encrypted with it under a name no prefix covers fails synth, naming the group; covered ones pass', () => {
    const { app, stack, key } = keyIn('Cs2Analytics-prod-services', 'prod');
    new logs.LogGroup(stack, 'Generated', { encryptionKey: key.key });
    new logs.LogGroup(stack, 'Insights', {
      encryptionKey: key.key,
      logGroupName: '/aws/ecs/containerinsights/cs2analytics-prod/performance',
    });
    expect(() => app.synth()).not.toThrow();
    const other = keyIn('Cs2Analytics-prod-services', 'prod');
    new logs.LogGroup(other.stack, 'Stray', { encryptionKey: other.key.key, logGroupName: '/cs2analytics/prod/stray' });
    expect(() => other.app.synth()).toThrow(
      /Bare\/Stray\/Resource: log group "\/cs2analytics\/prod\/stray" is encrypted with Bare\/LogsKey/,
    );
  });
});
