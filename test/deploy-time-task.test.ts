/**
 * The deploy-time task (the app's migrations): started by the custom resource's onEvent, watched by
 * its isComplete until it stops; a failure carries the exit code, ECS's reason and the task's last
 * log lines. ECS, CloudWatch Logs and CloudFormation faked at the SDK client boundary.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { isComplete, onEvent } from '../lambda/deploy-time-task/index';
import { LOG_TAIL_LINES, type TaskRunProperties } from '../lambda/deploy-time-task/task-run';

const ecs = mockClient(ECSClient);
const logs = mockClient(CloudWatchLogsClient);
const cloudFormation = mockClient(CloudFormationClient);

const TASK = 'arn:aws:ecs:eu-west-1:111111111111:task/cs2analytics-prod/0123456789abcdef';
const PROPERTIES: TaskRunProperties = {
  Cluster: 'cs2analytics-prod',
  TaskDefinition: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/cs2analytics-prod-api:7',
  Container: 'api',
  Command: JSON.stringify(['npx', 'prisma', 'migrate', 'deploy']),
  Subnets: JSON.stringify(['subnet-1', 'subnet-2']),
  SecurityGroups: JSON.stringify(['sg-api']),
  CapacityProvider: 'FARGATE',
  LogGroup: 'cs2analytics-prod-api-logs',
  StreamPrefix: 'api',
};
const event = (RequestType: 'Create' | 'Update' | 'Delete', Data?: Record<string, string>) => ({
  RequestType,
  StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/Cs2Analytics-prod-services/1',
  RequestId: 'request',
  LogicalResourceId: 'MigrationsRun',
  PhysicalResourceId: RequestType === 'Create' ? undefined : 'task-run-MigrationsRun',
  ResourceType: 'Custom::DeployTimeTask',
  ResourceProperties: PROPERTIES,
  Data,
});
const stopped = (exitCode: number | undefined, stoppedReason = 'Essential container in task exited') => ({
  tasks: [
    {
      taskArn: TASK,
      lastStatus: 'STOPPED',
      stoppedReason,
      containers: [
        { name: 'api', exitCode },
        { name: 'api-volume-init', exitCode: 0 },
      ],
    },
  ],
});

beforeEach(() => {
  ecs.reset();
  logs.reset();
  cloudFormation.reset();
  cloudFormation
    .on(DescribeStacksCommand)
    .resolves({ Stacks: [{ StackName: 'x', CreationTime: new Date(), StackStatus: 'UPDATE_IN_PROGRESS' }] });
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
});

test('onEvent starts one task of the task definition, with the command in the container, in the given network', async () => {
  await expect(onEvent(event('Create'))).resolves.toEqual({ PhysicalResourceId: 'task-run-MigrationsRun', Data: { TaskArn: TASK } });
  expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input).toEqual({
    cluster: 'cs2analytics-prod',
    taskDefinition: PROPERTIES.TaskDefinition,
    count: 1,
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    networkConfiguration: {
      awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-api'], assignPublicIp: 'DISABLED' },
    },
    overrides: { containerOverrides: [{ name: 'api', command: ['npx', 'prisma', 'migrate', 'deploy'] }] },
    startedBy: 'cfn-MigrationsRun',
  });
});

test('isComplete waits while the task runs, and completes when the container exits 0', async () => {
  ecs
    .on(DescribeTasksCommand)
    .resolvesOnce({ tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] })
    .resolves(stopped(0));
  await expect(isComplete(event('Create', { TaskArn: TASK }))).resolves.toEqual({ IsComplete: false });
  await expect(isComplete(event('Create', { TaskArn: TASK }))).resolves.toEqual({
    IsComplete: true,
    Data: { TaskArn: TASK, ExitCode: '0' },
  });
});

test('a failed migration fails the deploy with its exit code and its last log lines', async () => {
  ecs.on(DescribeTasksCommand).resolves(stopped(1));
  logs
    .on(GetLogEventsCommand)
    .resolves({ events: [{ message: 'Applying migration 0042_game_events' }, { message: 'Error: P3018 relation "x" exists\n' }] });
  await expect(isComplete(event('Update', { TaskArn: TASK }))).rejects.toThrow(
    'api in task 0123456789abcdef failed (exit code 1; Essential container in task exited); its last log lines:\n' +
      'Applying migration 0042_game_events\nError: P3018 relation "x" exists',
  );
  expect(logs.commandCalls(GetLogEventsCommand)[0].args[0].input).toEqual({
    logGroupName: 'cs2analytics-prod-api-logs',
    logStreamName: 'api/api/0123456789abcdef',
    limit: LOG_TAIL_LINES,
    startFromHead: false,
  });
});

test('a task that never ran its container (an image it cannot pull) says why ECS stopped it', async () => {
  ecs.on(DescribeTasksCommand).resolves(stopped(undefined, 'CannotPullContainerError: pull image manifest has been retried'));
  logs
    .on(GetLogEventsCommand)
    .rejects(Object.assign(new Error('The specified log stream does not exist.'), { name: 'ResourceNotFoundException' }));
  await expect(isComplete(event('Create', { TaskArn: TASK }))).rejects.toThrow(
    /failed \(no exit code; CannotPullContainerError: pull image manifest has been retried\); its last log lines:\n\(the log could not be read: The specified log stream does not exist\.\)/,
  );
});

test('ECS refusing to start the task fails at once, with its reasons', async () => {
  ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ arn: PROPERTIES.TaskDefinition, reason: 'MISSING' }] });
  await expect(onEvent(event('Update'))).rejects.toThrow(`ECS did not start the task: ${PROPERTIES.TaskDefinition} MISSING`);
});

test('while the stack rolls back, and on delete, nothing runs and the resource completes', async () => {
  cloudFormation
    .on(DescribeStacksCommand)
    .resolves({ Stacks: [{ StackName: 'x', CreationTime: new Date(), StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' }] });
  await expect(onEvent(event('Update'))).resolves.toEqual({ PhysicalResourceId: 'task-run-MigrationsRun' });
  await expect(onEvent(event('Delete'))).resolves.toEqual({ PhysicalResourceId: 'task-run-MigrationsRun' });
  await expect(isComplete(event('Update'))).resolves.toEqual({ IsComplete: true });
  expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
});
