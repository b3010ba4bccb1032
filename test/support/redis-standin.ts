import { DescribeReplicationGroupsCommand, ElastiCacheClient, ModifyReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import * as net from 'net';

/** A Redis stand-in for ElastiCache: answers AUTH with the tokens the fake ElastiCache API set. */
export class RedisStandIn {
  tokens: string[] = [];
  server = net.createServer((socket) => {
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const parts = buffer.split('\r\n');
      if (parts.length < 6) return;
      socket.write(parts[2] === 'AUTH' && this.tokens.includes(parts[4]) ? '+OK\r\n' : '-WRONGPASS invalid username-password pair\r\n');
      buffer = '';
    });
  });
  port = 0;
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  stop() {
    this.server.close();
  }
}

/** ElastiCache faked: ROTATE adds a token (two at most, the oldest goes), SET keeps one; status as set. */
export function fakeElastiCache(redis: RedisStandIn) {
  const mock = mockClient(ElastiCacheClient);
  const state = { status: 'available', modifications: [] as string[] };
  mock
    .on(DescribeReplicationGroupsCommand)
    .callsFake(async () => ({ ReplicationGroups: [{ ReplicationGroupId: 'jobs', Status: state.status }] }));
  mock.on(ModifyReplicationGroupCommand).callsFake(async ({ AuthToken, AuthTokenUpdateStrategy }) => {
    state.modifications.push(AuthTokenUpdateStrategy!);
    if (AuthTokenUpdateStrategy === 'ROTATE') redis.tokens = [...redis.tokens, AuthToken!].slice(-2);
    if (AuthTokenUpdateStrategy === 'SET') {
      if (!redis.tokens.includes(AuthToken!)) throw new Error('SET must name the last rotated token');
      redis.tokens = [AuthToken!];
    }
    return {};
  });
  return { mock, state };
}
