/**
 * Keeps the clients' connection values current: written at each deployment (a CloudFormation
 * custom resource served by this function) and again after every rotation of the database or Redis
 * credentials (EventBridge), followed by a rolling restart of the services that use them.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isCustomResourceEvent, respondToCloudFormation } from '../shared/cloudformation';
import {
  afterRotation,
  atDeployment,
  kindOf,
  readRefreshEnvironment,
  type CredentialKind,
  type RefreshDependencies,
  type RefreshEnvironment,
} from './refresh';

const clients = { secrets: new SecretsManagerClient({}), ecs: new ECSClient({}), elasticache: new ElastiCacheClient({}) };
const log = (entry: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), source: 'credential-refresh', ...entry })}\n`);

/** The secret a rotation event is about: Secret Label Updated (native) or RotationSucceeded (CloudTrail). */
interface RotationEvent {
  readonly 'detail-type'?: string;
  readonly resources?: readonly string[];
  readonly detail?: {
    readonly labelUpdated?: string;
    readonly eventName?: string;
    readonly additionalEventData?: { readonly SecretId?: string };
  };
}

export function rotatedSecret(input: unknown): string | undefined {
  const event = input as RotationEvent | null | undefined;
  if (event?.['detail-type'] === 'Secret Label Updated' && event.detail?.labelUpdated === 'AWSCURRENT') return event.resources?.[0];
  if (event?.detail?.eventName === 'RotationSucceeded') return event.detail.additionalEventData?.SecretId;
  return undefined;
}

/** Which credential an event asks to refresh: a rotation event, or by hand {"refresh": "database" | "redis"}. */
export function requestedKind(env: RefreshEnvironment, event: unknown): CredentialKind | undefined {
  const requested = (event as { refresh?: unknown } | null)?.refresh;
  if (requested === 'database' || requested === 'redis') return requested;
  const secret = rotatedSecret(event);
  return secret ? kindOf(env, secret) : undefined;
}

export async function handler(event: unknown): Promise<unknown> {
  if (isCustomResourceEvent(event)) {
    // Answered before anything can throw: a Delete left unanswered holds the stack for an hour, then fails it.
    if (event.RequestType === 'Delete') return respondToCloudFormation(event, 'SUCCESS', 'nothing to remove');
    // The answer is sent once, after the work: a SUCCESS that fails to arrive is not turned into FAILED.
    let answer: Parameters<typeof respondToCloudFormation>;
    try {
      const deps: RefreshDependencies = { env: readRefreshEnvironment(process.env), ...clients, log };
      const result = await atDeployment(deps);
      log({ event: 'deployment-refresh', ...result });
      answer = [event, 'SUCCESS', 'connection values written'];
    } catch (error) {
      log({ event: 'connection-values-failed', error: (error as Error).message });
      answer = [event, 'FAILED', (error as Error).message];
    }
    return respondToCloudFormation(...answer);
  }
  const deps: RefreshDependencies = { env: readRefreshEnvironment(process.env), ...clients, log };
  const kind = requestedKind(deps.env, event);
  if (!kind) {
    log({ event: 'ignored', secret: rotatedSecret(event) });
    return { ignored: true };
  }
  const result = await afterRotation(deps, kind);
  log({ event: 'refreshed', kind, ...result });
  return result;
}
