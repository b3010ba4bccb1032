/**
 * `npm run migrate`: the app's migrations now, as a deploy runs them, from the services stack's
 * outputs; CloudFormation, ECS and CloudWatch Logs faked at the SDK client boundary.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { OPERATOR_OUTPUTS, stackName } from '../lib/config/names';
import { main } from '../scripts/migrate';
import { runInProcess } from './support/command';

const cloudformation = mockClient(CloudFormationClient);
const ecs = mockClient(ECSClient);
const logs = mockClient(CloudWatchLogsClient);
const TASK = 'arn:aws:ecs:eu-west-1:111111111111:task/cs2analytics-prod/feedface';
/** What each stack outputs, by output name (OPERATOR_OUTPUTS says which stack holds which). */
const VALUES: Record<keyof typeof OPERATOR_OUTPUTS, string> = {
  url: 'https://cs2.example.com',
  cluster: 'cs2analytics-prod',
  migrationTaskDefinitionFamily: 'cs2analytics-prod-migrations',
  migrationContainer: 'migrations',
  apiSecurityGroup: 'sg-api',
  apiCapacityProvider: 'FARGATE',
  webLogGroup: 'web-logs',
  apiLogGroup: 'api-logs',
  parserLogGroup: 'parser-logs',
  webService: 'cs2analytics-prod-web',
  apiService: 'cs2analytics-prod-api',
  parserService: 'cs2analytics-prod-parser',
  maintenanceFunction: 'cs2analytics-prod-maintenance',
  privateSubnets: 'subnet-a,subnet-b,subnet-c',
  migrationClientSecurityGroup: 'sg-migrations',
  webImage: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/cs2analytics-prod-web@sha256:' + 'a'.repeat(64),
  apiImage: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/cs2analytics-prod-api@sha256:' + 'b'.repeat(64),
  parserImage: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/cs2analytics-prod-parser@sha256:' + 'c'.repeat(64),
};
const clients = () => ({
  cloudformation: new CloudFormationClient({}),
  ecs: new ECSClient({}),
  logs: new CloudWatchLogsClient({}),
  intervalMs: 0,
  sleep: async () => undefined,
});
/** The environment's stacks as CloudFormation describes them, with the outputs of `keys`. */
const deployed = (keys: readonly (keyof typeof OPERATOR_OUTPUTS)[]) =>
  cloudformation.on(DescribeStacksCommand).callsFake(async ({ StackName }) => ({
    Stacks: [
      {
        StackName,
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: keys
          .filter((key) => stackName('prod', OPERATOR_OUTPUTS[key].stack) === StackName)
          .map((key) => ({ OutputKey: OPERATOR_OUTPUTS[key].name, OutputValue: VALUES[key] })),
      },
    ],
  }));
const ALL = Object.keys(OPERATOR_OUTPUTS) as (keyof typeof OPERATOR_OUTPUTS)[];

beforeEach(() => {
  cloudformation.reset();
  ecs.reset();
  logs.reset();
  deployed(ALL);
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
});

test('runs the configured command in a task of the latest migration task definition, in its network, and waits for it', async () => {
  ecs
    .on(DescribeTasksCommand)
    .resolvesOnce({ tasks: [{ lastStatus: 'RUNNING' }] })
    .resolves({ tasks: [{ lastStatus: 'STOPPED', containers: [{ name: 'migrations', exitCode: 0 }] }] });
  const result = await runInProcess((argv) => main(argv, clients()), ['--env', 'prod']);
  expect(result).toMatchObject({ status: 0, stderr: '' });
  expect(result.stdout.split('\n').at(-2)).toBe('migrations succeeded (exit code 0)');
  expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input).toMatchObject({
    cluster: 'cs2analytics-prod',
    taskDefinition: 'cs2analytics-prod-migrations',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b', 'subnet-c'], securityGroups: ['sg-migrations'] } },
    overrides: { containerOverrides: [{ name: 'migrations', command: ['npx', 'prisma', 'migrate', 'deploy'] }] },
  });
  expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(2);
});

test('a failed migration exits 1 with its exit code and last log lines on stderr', async () => {
  ecs.on(DescribeTasksCommand).resolves({ tasks: [{ lastStatus: 'STOPPED', containers: [{ name: 'migrations', exitCode: 3 }] }] });
  logs.on(GetLogEventsCommand).resolves({ events: [{ message: 'Error: P1001 cannot reach database server' }] });
  const result = await runInProcess((argv) => main(argv, clients()), ['--env=prod']);
  expect(result.status).toBe(1);
  expect(result.stderr).toBe(
    'migrations in task feedface failed (exit code 3); its last log lines:\nError: P1001 cannot reach database server\n',
  );
});

test('reads only the outputs it needs: an environment deployed before other outputs (the images) migrates', async () => {
  deployed(ALL.filter((key) => !/Image$/.test(key)));
  ecs.on(DescribeTasksCommand).resolves({ tasks: [{ lastStatus: 'STOPPED', containers: [{ name: 'migrations', exitCode: 0 }] }] });
  expect((await runInProcess((argv) => main(argv, clients()), ['--env', 'prod'])).status).toBe(0);
});

test('an environment not deployed, or deployed before these outputs, says so; bad arguments exit 2', async () => {
  deployed(ALL.filter((key) => key !== 'privateSubnets' && key !== 'migrationContainer'));
  const old = await runInProcess((argv) => main(argv, clients()), ['--env', 'prod']);
  expect(old).toMatchObject({
    status: 1,
    stderr:
      'no output Cs2Analytics-prod-services MigrationContainerName, Cs2Analytics-prod-network PrivateSubnetIds: deploy the environment first\n',
  });
  cloudformation
    .on(DescribeStacksCommand)
    .rejects(Object.assign(new Error('Stack with id Cs2Analytics-prod-services does not exist'), { name: 'ValidationError' }));
  const missing = await runInProcess((argv) => main(argv, clients()), ['--env', 'prod']);
  expect(missing).toMatchObject({ status: 1, stderr: expect.stringMatching(/is not deployed .*: deploy the environment first/) });
  expect((await runInProcess((argv) => main(argv, clients()), [])).status).toBe(2);
  expect((await runInProcess((argv) => main(argv, clients()), ['--env', 'prod', '--now'])).stderr).toBe(
    'unknown option --now\nusage: npm run migrate -- --env <env>\n',
  );
});
