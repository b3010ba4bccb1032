import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import type { Secrets } from '../shared/secrets';

export interface CaughtUpOptions {
  readonly secrets: Secrets;
  readonly ecs: Pick<ECSClient, 'send'>;
  /** The secret about to be rotated. */
  readonly rotatedSecretId: string;
  /** The kind of credential it holds (`database`, `redis`). */
  readonly kind: string;
  /** The secret of the connection values made of it (services stack), by name. */
  readonly connectionValuesSecretId: string;
  readonly cluster: string;
  /** The services that use the rotated credential. */
  readonly services: readonly string[];
}

/**
 * Refuses to start a rotation while a service may still run on the credential it would change: a
 * rotation changes the login (or drops the token) that the *previous* rotation retired, which is safe
 * only once the connection values of this credential were rewritten after it and every task of its
 * services started after that. Otherwise (a refresh that failed, a rollout still going) the rotation
 * fails here, before anything changed, and its error alarm says why.
 *
 * Only this credential's values count (a secret of their own): a refresh after another credential's
 * rotation restarts other services, and must not hold this rotation back.
 */
export async function assertServicesCaughtUp(options: CaughtUpOptions): Promise<void> {
  const rotated = await options.secrets.send(new GetSecretValueCommand({ SecretId: options.rotatedSecretId, VersionStage: 'AWSCURRENT' }));
  const rotatedAt = rotated.CreatedDate?.getTime() ?? 0;
  const versions = await options.secrets
    .send(new ListSecretVersionIdsCommand({ SecretId: options.connectionValuesSecretId }))
    .catch((error: Error) => (error.name === 'ResourceNotFoundException' ? undefined : Promise.reject(error)));
  // No values secret: no service uses the credential yet.
  if (!versions) return;
  // Each write of the values is a new current version.
  const changed = versions.Versions?.find((version) => version.VersionStages?.includes('AWSCURRENT'));
  const writtenAt = changed?.CreatedDate?.getTime() ?? 0;
  if (writtenAt < rotatedAt) {
    throw new Error(
      `the services' ${options.kind} connection values were not rewritten after the last rotation (${new Date(rotatedAt).toISOString()}): ` +
        'run the connection refresh first (docs/architecture.md, Credentials and rotation); nothing was changed',
    );
  }
  const { services = [] } = await options.ecs
    .send(new DescribeServicesCommand({ cluster: options.cluster, services: [...options.services] }))
    .catch((error: Error) => (error.name === 'ClusterNotFoundException' ? { services: [] } : Promise.reject(error)));
  for (const service of services) {
    if (service.status !== 'ACTIVE') continue;
    const deployments = service.deployments ?? [];
    const current =
      deployments.length === 1 && deployments[0].rolloutState === 'COMPLETED' && (deployments[0].createdAt?.getTime() ?? 0) >= writtenAt;
    if (!current) {
      throw new Error(
        `service ${service.serviceName} may still run tasks started before its current ${options.kind} connection values (${new Date(writtenAt).toISOString()}): ` +
          'wait for its deployment to complete, or run the connection refresh (docs/architecture.md, Credentials and rotation); nothing was changed',
      );
    }
  }
}
