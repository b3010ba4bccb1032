import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';

/** The few fields of a CloudFormation custom-resource request this function uses. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
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
    PhysicalResourceId: event.PhysicalResourceId ?? `partition-maintenance-${event.LogicalResourceId}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  const response = await fetch(event.ResponseURL, {
    method: 'PUT',
    body,
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
  });
  if (!response.ok) throw new Error(`CloudFormation response rejected: HTTP ${response.status}`);
}

/**
 * Whether the request's stack is rolling back. CloudFormation then sends an Update with the previous
 * properties, and a failure there leaves the stack UPDATE_ROLLBACK_FAILED: such an Update must
 * succeed. An error asking counts as "not rolling back" (the caller does its work as usual).
 */
export async function stackIsRollingBack(cloudFormation: CloudFormationClient, event: CustomResourceEvent): Promise<boolean> {
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: event.StackId }));
    return /ROLLBACK_IN_PROGRESS$/.test(Stacks?.[0]?.StackStatus ?? '');
  } catch {
    return false;
  }
}
