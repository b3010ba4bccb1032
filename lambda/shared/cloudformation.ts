/**
 * The partition-maintenance and credential-refresh functions are their custom resources' service
 * tokens and answer CloudFormation here, not through aws-cdk-lib's custom-resource `Provider`: their
 * work ends within one invocation, so the Provider's isComplete polling would serve nothing, while
 * each Provider adds a framework function of its own (built, traced, sized and acknowledged to
 * cdk-nag like the deploy-time task's) and a second log to look for a failure in. The deploy-time
 * task does use the Provider: its wait outlasts one invocation.
 */
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';

/** The few fields of a CloudFormation custom-resource request the functions use (ResourceType says which kind). */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType?: string;
  readonly ResourceProperties?: Record<string, unknown>;
}

export function isCustomResourceEvent(event: unknown): event is CustomResourceEvent {
  const candidate = event as Partial<CustomResourceEvent> | null;
  return typeof candidate?.RequestType === 'string' && typeof candidate.ResponseURL === 'string';
}

/** Answers CloudFormation on the pre-signed URL of the request (S3, reached through the VPC). */
export async function respondToCloudFormation(
  event: CustomResourceEvent,
  status: 'SUCCESS' | 'FAILED',
  reason: string,
  data: Record<string, string> = {},
): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 1000),
    PhysicalResourceId: event.PhysicalResourceId ?? `cs2analytics-${event.LogicalResourceId}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  // A few tries: an answer that never arrives holds the stack until the custom resource times out.
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(event.ResponseURL, {
        method: 'PUT',
        body,
        headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
      });
      if (response.ok) return;
      // A 4xx (an expired or wrong URL) does not get better with time.
      if (response.status < 500 || attempt >= RESPONSE_ATTEMPTS)
        throw new Error(`CloudFormation response rejected: HTTP ${response.status}`);
    } catch (error) {
      if ((error as Error).message.startsWith('CloudFormation response rejected') || attempt >= RESPONSE_ATTEMPTS) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, RESPONSE_BACKOFF_MS * attempt));
  }
}

/** Tries at sending the answer, and the wait before the second (then twice as long before the third). */
const RESPONSE_ATTEMPTS = 3;
const RESPONSE_BACKOFF_MS = 1000;

/**
 * Whether the request's stack is rolling back. CloudFormation then sends an Update with the previous
 * properties, and a failure there leaves the stack UPDATE_ROLLBACK_FAILED: such an Update must
 * succeed. An error asking counts as "not rolling back" (the caller does its work as usual).
 */
export async function stackIsRollingBack(
  cloudFormation: CloudFormationClient,
  event: Pick<CustomResourceEvent, 'StackId'>,
): Promise<boolean> {
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: event.StackId }));
    return /ROLLBACK_IN_PROGRESS$/.test(Stacks?.[0]?.StackStatus ?? '');
  } catch {
    return false;
  }
}
