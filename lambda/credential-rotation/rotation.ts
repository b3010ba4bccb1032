import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { secretJson, type Secrets } from '../shared/secrets';

/**
 * Secrets Manager's rotation contract (four steps, each invoked separately and retried as a whole
 * when one fails): createSecret puts the new value under AWSPENDING, setSecret makes the service
 * accept it, testSecret proves it works, finishSecret moves AWSCURRENT to it. Every step here can run
 * again after a failure half-way, and none takes away a credential that is in use.
 */

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export interface RotationEvent {
  readonly Step: RotationStep;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

export function isRotationEvent(event: unknown): event is RotationEvent {
  const candidate = event as Partial<RotationEvent> | null;
  return typeof candidate?.Step === 'string' && typeof candidate.SecretId === 'string' && typeof candidate.ClientRequestToken === 'string';
}

/** The steps of one kind of secret. */
export interface Rotator<T> {
  /** The new value, made from the current one. */
  create(current: T): Promise<T>;
  /** Makes the service accept the pending value (the current one must keep working). */
  set(pending: T, current: T): Promise<void>;
  /** Proves the pending value works. */
  test(pending: T): Promise<void>;
}

/**
 * Runs one step of a rotation, after checking that the token is a version of the secret to rotate.
 * `beforeStart` runs before a rotation creates its new value (not on a rerun that has one): it may
 * refuse the rotation while nothing has changed yet, which then leaves no pending version behind.
 */
export async function rotate<T>(
  event: RotationEvent,
  secrets: Secrets,
  rotator: Rotator<T>,
  log: (entry: Record<string, unknown>) => void,
  beforeStart?: () => Promise<void>,
): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const description = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (description.RotationEnabled === false) throw new Error(`rotation is not enabled for ${secretId}`);
  const stages = description.VersionIdsToStages ?? {};
  if (!stages[token]) throw new Error(`version ${token} of ${secretId} has no stage: not a rotation of this secret`);
  if (stages[token].includes('AWSCURRENT')) {
    log({ event: 'rotation-step', step, secretId, outcome: 'already current' });
    return;
  }
  if (!stages[token].includes('AWSPENDING')) throw new Error(`version ${token} of ${secretId} is not pending rotation`);
  const current = await secretJson<T>(secrets, secretId);

  switch (step) {
    case 'createSecret': {
      // A pending value from an earlier attempt is kept: the service may accept it already.
      const existing = await secrets
        .send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }))
        .then(
          () => true,
          (error: Error) => (error.name === 'ResourceNotFoundException' ? false : Promise.reject(error)),
        );
      if (!existing) {
        try {
          await beforeStart?.();
        } catch (error) {
          // Secrets Manager labels the new version AWSPENDING before it calls this step; left there, the
          // label makes every later rotation (and a CloudFormation update of the schedule) fail with
          // "A previous rotation isn't complete". Refused before anything changed, nothing is pending.
          await secrets.send(
            new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }),
          );
          throw error;
        }
        const pending = await rotator.create(current);
        await secrets.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            ClientRequestToken: token,
            SecretString: JSON.stringify(pending),
            VersionStages: ['AWSPENDING'],
          }),
        );
      }
      break;
    }
    case 'setSecret':
      await rotator.set(await secretJson<T>(secrets, secretId, { VersionId: token, VersionStage: 'AWSPENDING' }), current);
      break;
    case 'testSecret':
      await rotator.test(await secretJson<T>(secrets, secretId, { VersionId: token, VersionStage: 'AWSPENDING' }));
      break;
    case 'finishSecret': {
      const currentVersion = Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
      await secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token,
          RemoveFromVersionId: currentVersion,
        }),
      );
      break;
    }
    default:
      throw new Error(`unknown rotation step ${String(step)}`);
  }
  log({ event: 'rotation-step', step, secretId, outcome: 'done' });
}
