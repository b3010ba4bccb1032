/**
 * The rotation functions of the application's database credentials and of the Redis AUTH token:
 * Secrets Manager invokes them, one step at a time. Thin on purpose: the steps are in rotation.ts,
 * postgres-app.ts and redis-token.ts.
 */
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { postgresAppRotator } from './postgres-app';
import { redisTokenRotator } from './redis-token';
import { isRotationEvent, rotate } from './rotation';

const secrets = new SecretsManagerClient({});
const log = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

function rotationEvent(event: unknown) {
  if (!isRotationEvent(event)) throw new Error('not a Secrets Manager rotation event');
  return event;
}

export async function postgresApp(event: unknown): Promise<void> {
  await rotate(rotationEvent(event), secrets, postgresAppRotator({ secrets, tls: process.env.DB_TLS === 'disable' ? 'disable' : 'verify-full' }), log);
}

export async function redisToken(event: unknown): Promise<void> {
  const required = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`environment variable ${name} is required`);
    return value;
  };
  const rotator = redisTokenRotator({
    secrets,
    elasticache: new ElastiCacheClient({}),
    replicationGroupId: required('REPLICATION_GROUP_ID'),
    host: required('REDIS_HOST'),
    port: Number(required('REDIS_PORT')),
    tls: process.env.REDIS_TLS !== 'disable',
  });
  await rotate(rotationEvent(event), secrets, rotator, log);
}
