/**
 * The custom resource that runs one ECS task at deploy time (the app's migrations), through
 * aws-cdk-lib's custom-resource Provider: `onEvent` starts it, `isComplete` is asked every half
 * minute until it has stopped, for as long as the Provider's total timeout (which may exceed one
 * Lambda invocation). Thin on purpose: the work is in task-run.ts.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { stackIsRollingBack, type CustomResourceEvent } from '../shared/cloudformation';
import { startTask, taskOutcome, type TaskRunProperties } from './task-run';

const deps = { ecs: new ECSClient({}), logs: new CloudWatchLogsClient({}) };
const cloudFormation = new CloudFormationClient({});
const log = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

/** What the Provider passes on from onEvent to isComplete. */
interface ProviderEvent extends Omit<CustomResourceEvent, 'ResponseURL' | 'ResourceProperties'> {
  readonly ResourceProperties: TaskRunProperties;
  readonly Data?: { readonly TaskArn?: string };
}

export async function onEvent(event: ProviderEvent): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const physicalResourceId = event.PhysicalResourceId ?? `task-run-${event.LogicalResourceId}`;
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId };
  // A rollback sends the previous properties: what the failed deployment's task changed stays (a
  // migration moves forward only), and running the previous image's task again must not fail it.
  if (event.RequestType === 'Update' && (await stackIsRollingBack(cloudFormation, event))) {
    log({ event: 'rollback', note: 'no task run while the stack rolls back' });
    return { PhysicalResourceId: physicalResourceId };
  }
  const taskArn = await startTask(deps, event.ResourceProperties, `cfn-${event.LogicalResourceId}`);
  log({ event: 'task-started', taskArn, taskDefinition: event.ResourceProperties.TaskDefinition });
  return { PhysicalResourceId: physicalResourceId, Data: { TaskArn: taskArn } };
}

export async function isComplete(event: ProviderEvent): Promise<{ IsComplete: boolean; Data?: Record<string, string> }> {
  const taskArn = event.Data?.TaskArn;
  if (event.RequestType === 'Delete' || !taskArn) return { IsComplete: true };
  const outcome = await taskOutcome(deps, event.ResourceProperties, taskArn);
  if (!outcome.done) return { IsComplete: false };
  log({ event: 'task-succeeded', taskArn });
  return { IsComplete: true, Data: { TaskArn: taskArn, ExitCode: String(outcome.exitCode) } };
}
