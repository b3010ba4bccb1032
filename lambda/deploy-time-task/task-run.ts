import { DescribeTasksCommand, RunTaskCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

/**
 * One ECS task run to completion during a deployment (the app's migrations): started by the custom
 * resource's onEvent, watched by its isComplete until it stops. Its exit code decides the deployment;
 * a failure says the code, why ECS stopped it, and the last lines of its log, which CloudFormation
 * shows in the stack's events.
 */

/** What the custom resource's properties say to run (lib/constructs/deploy-time-task.ts writes them). */
export interface TaskRunProperties {
  readonly Cluster: string;
  readonly TaskDefinition: string;
  readonly Container: string;
  /** JSON: the command, exec form. */
  readonly Command: string;
  /** JSON: subnet ids and security-group ids. */
  readonly Subnets: string;
  readonly SecurityGroups: string;
  readonly CapacityProvider: string;
  readonly LogGroup: string;
  /** The container's awslogs stream prefix: its stream is `<prefix>/<container>/<task id>`. */
  readonly StreamPrefix: string;
}

export interface TaskRunDependencies {
  readonly ecs: Pick<ECSClient, 'send'>;
  readonly logs: Pick<CloudWatchLogsClient, 'send'>;
}

/** How many of the task's last log lines a failure carries (CloudFormation keeps about 4 KB of a reason). */
export const LOG_TAIL_LINES = 15;

/** Starts the task; returns its ARN. */
export async function startTask(deps: TaskRunDependencies, properties: TaskRunProperties, startedBy: string): Promise<string> {
  const { tasks = [], failures = [] } = await deps.ecs.send(
    new RunTaskCommand({
      cluster: properties.Cluster,
      taskDefinition: properties.TaskDefinition,
      count: 1,
      capacityProviderStrategy: [{ capacityProvider: properties.CapacityProvider, weight: 1 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: JSON.parse(properties.Subnets) as string[],
          securityGroups: JSON.parse(properties.SecurityGroups) as string[],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: { containerOverrides: [{ name: properties.Container, command: JSON.parse(properties.Command) as string[] }] },
      startedBy: startedBy.slice(0, 128),
    }),
  );
  const arn = tasks[0]?.taskArn;
  if (!arn)
    throw new Error(
      `ECS did not start the task: ${failures.map((failure) => `${failure.arn ?? ''} ${failure.reason ?? ''}`.trim()).join('; ') || 'no reason given'}`,
    );
  return arn;
}

export type TaskOutcome = { readonly done: false } | { readonly done: true; readonly exitCode: number };

/** Whether the task has stopped, and how; throws with the reason and the log's last lines when it failed. */
export async function taskOutcome(deps: TaskRunDependencies, properties: TaskRunProperties, taskArn: string): Promise<TaskOutcome> {
  const { tasks = [] } = await deps.ecs.send(new DescribeTasksCommand({ cluster: properties.Cluster, tasks: [taskArn] }));
  const task = tasks[0];
  if (!task) throw new Error(`task ${taskArn} is gone (ECS keeps a stopped task for about an hour)`);
  if (task.lastStatus !== 'STOPPED') return { done: false };
  const container = task.containers?.find((candidate) => candidate.name === properties.Container);
  const exitCode = container?.exitCode;
  if (exitCode === 0) return { done: true, exitCode };
  const why = [exitCode === undefined ? 'no exit code' : `exit code ${exitCode}`, container?.reason, task.stoppedReason].filter(Boolean);
  const taskId = taskArn.split('/').pop()!;
  const tail = await logTail(deps, properties.LogGroup, `${properties.StreamPrefix}/${properties.Container}/${taskId}`);
  throw new Error(
    `${properties.Container} in task ${taskId} failed (${why.join('; ')})` +
      (tail.length > 0 ? `; its last log lines:\n${tail.join('\n')}` : '; it wrote no log lines'),
  );
}

async function logTail(deps: TaskRunDependencies, logGroupName: string, logStreamName: string): Promise<string[]> {
  try {
    const { events = [] } = await deps.logs.send(
      new GetLogEventsCommand({ logGroupName, logStreamName, limit: LOG_TAIL_LINES, startFromHead: false }),
    );
    return events.map((event) => String(event.message ?? '').trimEnd());
  } catch (error) {
    return [`(the log could not be read: ${(error as Error).message})`];
  }
}
