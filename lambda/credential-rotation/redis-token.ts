import { DescribeReplicationGroupsCommand, ModifyReplicationGroupCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetRandomPasswordCommand } from '@aws-sdk/client-secrets-manager';
import { redisAcceptsToken } from '../shared/redis-auth';
import type { Secrets } from '../shared/secrets';
import { waitFor } from '../shared/wait-for';
import type { Rotator } from './rotation';

/** The Redis AUTH token secret: `{ "token": "..." }`. */
export interface RedisToken {
  readonly token: string;
}

export interface RedisTokenOptions {
  readonly secrets: Secrets;
  readonly elasticache: Pick<ElastiCacheClient, 'send'>;
  readonly replicationGroupId: string;
  /** The primary endpoint, to try a token. */
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** How long ElastiCache may stay `modifying`. @default 13 minutes (the function has 15) */
  readonly modifyWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The AUTH token of the job queue. setSecret adds the new token with AuthTokenUpdateStrategy ROTATE:
 * the server then accepts both, so the tasks running on the old one keep working. Only once the
 * services have restarted on the new token does the refresh function SET it alone (see
 * lambda/credential-refresh); a later ROTATE also drops the oldest of two.
 */
export function redisTokenRotator(options: RedisTokenOptions): Rotator<RedisToken> {
  const status = async () =>
    (await options.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: options.replicationGroupId })))
      .ReplicationGroups?.[0]?.Status;
  const accepts = (token: string) => redisAcceptsToken({ host: options.host, port: options.port, token, tls: options.tls });
  const untilAvailable = () =>
    waitFor(`replication group ${options.replicationGroupId} to be available`, async () => (await status()) === 'available', {
      timeoutMs: options.modifyWaitMs ?? 780_000,
      intervalMs: 15_000,
      sleep: options.sleep,
    });
  return {
    async create() {
      // ElastiCache takes 16-128 printable characters, a few punctuation marks only: letters and digits.
      const { RandomPassword: token } = await options.secrets.send(
        new GetRandomPasswordCommand({ PasswordLength: 64, ExcludePunctuation: true }),
      );
      if (!token) throw new Error('Secrets Manager returned no token');
      return { token };
    },
    async set(pending) {
      await untilAvailable();
      // A rerun after a failure: the server may accept the new token already.
      if (await accepts(pending.token)) return;
      await options.elasticache.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: options.replicationGroupId,
          AuthToken: pending.token,
          AuthTokenUpdateStrategy: 'ROTATE',
          ApplyImmediately: true,
        }),
      );
    },
    async test(pending) {
      await untilAvailable();
      if (!(await accepts(pending.token))) throw new Error(`replication group ${options.replicationGroupId} does not accept the new token`);
    },
  };
}
