/**
 * The rotation functions of the application's database credentials and of the Redis AUTH token:
 * Secrets Manager invokes them, one step at a time. Thin on purpose: the steps are in rotation.ts,
 * postgres-app.ts and redis-token.ts.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { assertServicesCaughtUp } from './caught-up';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { postgresAppRotator } from './postgres-app';
import { redisTokenRotator } from './redis-token';
import { isRotationEvent, rotate } from './rotation';
import { ROTATION_ENVIRONMENT as ROTATION } from '../../lib/contract';

const secrets = new SecretsManagerClient({});
const ecs = new ECSClient({});
const log = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

function rotationEvent(event: unknown) {
  if (!isRotationEvent(event)) throw new Error('not a Secrets Manager rotation event');
  return event;
}

const required = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
};

/** No rotation while a service may still use what it would change (see caught-up.ts). */
const caughtUp = (secretId: string) => () =>
  assertServicesCaughtUp({
    secrets,
    ecs,
    rotatedSecretId: secretId,
    kind: required(ROTATION.credentialKind),
    connectionValuesSecretId: required(ROTATION.connectionValuesSecretName),
    cluster: required(ROTATION.cluster),
    services: JSON.parse(required(ROTATION.services)) as string[],
  });

export async function postgresApp(event: unknown): Promise<void> {
  const rotation = rotationEvent(event);
  await rotate(
    rotation,
    secrets,
    postgresAppRotator({ secrets, tls: process.env[ROTATION.databaseTls] === 'disable' ? 'disable' : 'verify-full' }),
    log,
    caughtUp(rotation.SecretId),
  );
}

export async function redisToken(event: unknown): Promise<void> {
  const rotator = redisTokenRotator({
    secrets,
    elasticache: new ElastiCacheClient({}),
    replicationGroupId: required(ROTATION.replicationGroupId),
    host: required(ROTATION.redisHost),
    port: Number(required(ROTATION.redisPort)),
    tls: process.env[ROTATION.redisTls] !== 'disable',
  });
  const rotation = rotationEvent(event);
  await rotate(rotation, secrets, rotator, log, caughtUp(rotation.SecretId));
}
