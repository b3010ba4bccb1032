/**
 * `npm run reboot`: the static parameter changes RDS keeps pending, applied by restarting exactly the
 * instances that wait, in an order that keeps the database serving; RDS faked at the SDK boundary,
 * with the statuses it reports around a restart.
 */
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RebootDBInstanceCommand,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { pendingRebootNotice } from '../scripts/deploy';
import { applyPendingReboots, main, parseRebootArguments } from '../scripts/reboot';
import { runInProcess } from './support/command';

interface FakeInstance {
  status: string;
  pending: boolean;
  multiAz?: boolean;
  replicas?: string[];
  /** Describe calls left before a restarting instance is available again. */
  restarting?: number;
}

/** RDS with instances that restart when asked: `rebooting` for two describes, then available and in sync. */
function fakeRds(instances: Record<string, FakeInstance>, cluster?: { id: string; writer: string; clusterPending: boolean }) {
  const rds = mockClient(RDSClient);
  const reboots: { id: string; failover: boolean }[] = [];
  rds.on(DescribeDBInstancesCommand).callsFake(async ({ DBInstanceIdentifier }) => {
    const instance = instances[DBInstanceIdentifier];
    if (!instance) throw Object.assign(new Error('DBInstance not found'), { name: 'DBInstanceNotFoundFault' });
    if (instance.restarting !== undefined) {
      if (instance.restarting-- <= 0) {
        Object.assign(instance, { status: 'available', pending: false, restarting: undefined });
        if (cluster) cluster.clusterPending = Object.values(instances).some((other) => other.pending);
      }
    }
    const described: DBInstance = {
      DBInstanceIdentifier,
      DBInstanceStatus: instance.status,
      MultiAZ: instance.multiAz,
      ReadReplicaDBInstanceIdentifiers: instance.replicas,
      DBParameterGroups: [{ DBParameterGroupName: 'group', ParameterApplyStatus: instance.pending ? 'pending-reboot' : 'in-sync' }],
    };
    return { DBInstances: [described] };
  });
  rds.on(RebootDBInstanceCommand).callsFake(async ({ DBInstanceIdentifier, ForceFailover }) => {
    reboots.push({ id: DBInstanceIdentifier, failover: ForceFailover === true });
    Object.assign(instances[DBInstanceIdentifier], { status: 'rebooting', restarting: 2 });
    return {};
  });
  if (cluster) {
    rds.on(DescribeDBClustersCommand).callsFake(async () => ({
      DBClusters: [
        {
          DBClusterIdentifier: cluster.id,
          DBClusterMembers: Object.keys(instances).map((id) => ({
            DBInstanceIdentifier: id,
            IsClusterWriter: id === cluster.writer,
            DBClusterParameterGroupStatus: instances[id].pending ? 'pending-reboot' : 'in-sync',
          })),
        },
      ],
    }));
  }
  return { rds, reboots };
}

const noSleep = async () => undefined;

afterEach(() => mockClient(RDSClient).restore());

test('Aurora: the readers that wait restart one at a time, then the writer; what each restart costs is said first', async () => {
  const { reboots } = fakeRds(
    {
      'cs2analytics-prod-writer': { status: 'available', pending: true },
      'cs2analytics-prod-reader1': { status: 'available', pending: true },
      'cs2analytics-prod-reader2': { status: 'available', pending: true },
    },
    { id: 'cs2analytics-prod', writer: 'cs2analytics-prod-writer', clusterPending: true },
  );
  const lines: string[] = [];
  const code = await applyPendingReboots(
    { envName: 'prod', engine: 'aurora', dryRun: false },
    { rds: new RDSClient({}), log: (line) => lines.push(line), intervalMs: 0, sleep: noSleep },
  );
  expect(code).toBe(0);
  expect(reboots).toEqual([
    { id: 'cs2analytics-prod-reader1', failover: false },
    { id: 'cs2analytics-prod-reader2', failover: false },
    { id: 'cs2analytics-prod-writer', failover: false },
  ]);
  expect(lines.slice(0, 4)).toEqual([
    'cs2analytics-prod: 3 instance(s) wait for a reboot to apply static parameters, in this order:',
    "  1. reader cs2analytics-prod-reader1: this reader's connections drop; the read-only endpoint serves from the others",
    "  2. reader cs2analytics-prod-reader2: this reader's connections drop; the read-only endpoint serves from the others",
    '  3. writer cs2analytics-prod-writer: writes wait while the writer restarts, typically under a minute; RDS Proxy holds client connections',
  ]);
  expect(lines[lines.length - 1]).toBe('cs2analytics-prod: every static parameter applied');
});

test('RDS for PostgreSQL: a Multi-AZ primary restarts through a failover, first; then its replicas', async () => {
  const { reboots } = fakeRds({
    'cs2analytics-prod': {
      status: 'available',
      pending: true,
      multiAz: true,
      replicas: ['cs2analytics-prod-replica-1', 'cs2analytics-prod-replica-2'],
    },
    'cs2analytics-prod-replica-1': { status: 'available', pending: true },
    'cs2analytics-prod-replica-2': { status: 'available', pending: false },
  });
  const code = await applyPendingReboots(
    { envName: 'prod', engine: 'instance', dryRun: false },
    { rds: new RDSClient({}), log: () => undefined, intervalMs: 0, sleep: noSleep },
  );
  expect(code).toBe(0);
  expect(reboots).toEqual([
    { id: 'cs2analytics-prod', failover: true },
    { id: 'cs2analytics-prod-replica-1', failover: false },
  ]);
});

test('nothing waits: nothing restarts; a dry run restarts nothing either', async () => {
  const { reboots } = fakeRds({ 'cs2analytics-dev': { status: 'available', pending: false } });
  const lines: string[] = [];
  const deps = { rds: new RDSClient({}), log: (line: string) => lines.push(line), intervalMs: 0, sleep: noSleep };
  expect(await applyPendingReboots({ envName: 'dev', engine: 'instance', dryRun: false }, deps)).toBe(0);
  expect(lines).toEqual(['cs2analytics-dev: no parameter change waits for a reboot']);
  fakeRds({ 'cs2analytics-dev': { status: 'available', pending: true } });
  lines.length = 0;
  expect(await applyPendingReboots({ envName: 'dev', engine: 'instance', dryRun: true }, deps)).toBe(0);
  expect(lines[1]).toBe(
    '  1. writer cs2analytics-dev: the database is down while it restarts, typically a few minutes (no standby: database.multiAz is false)',
  );
  expect(reboots).toEqual([]);
});

test('an instance that is still pending after its restart stops the command with exit 1', async () => {
  const { rds } = fakeRds({ 'cs2analytics-dev': { status: 'available', pending: true } });
  rds.on(RebootDBInstanceCommand).resolves({});
  const lines: string[] = [];
  const code = await applyPendingReboots(
    { envName: 'dev', engine: 'instance', dryRun: false },
    { rds: new RDSClient({}), log: (line) => lines.push(line), intervalMs: 0, timeoutMs: 0, sleep: noSleep },
  );
  expect(code).toBe(1);
  expect(lines[lines.length - 1]).toMatch(/^stopped: cs2analytics-dev is not available again after the restart/);
});

test('the command line: --env or --env=, --dry-run; anything else is exit 2 with the usage', async () => {
  expect(parseRebootArguments(['--env=prod', '--dry-run'])).toEqual({ envName: 'prod', dryRun: true });
  expect(parseRebootArguments(['--env', 'dev'])).toEqual({ envName: 'dev', dryRun: false });
  const unknown = await runInProcess((argv) => main(argv), ['--env', 'dev', '--now']);
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toContain('unknown option --now\nusage: npm run reboot -- --env <env> [--dry-run]');
  const help = await runInProcess((argv) => main(argv), ['--help']);
  expect(help).toMatchObject({ status: 0, stdout: 'usage: npm run reboot -- --env <env> [--dry-run]\n' });
  const badEnv = await runInProcess((argv) => main(argv), ['--env', 'qa']);
  expect(badEnv.status).toBe(2);
  expect(badEnv.stderr).toMatch(/qa/);
});

test('after a deploy, the deploy command names the instances that wait and the command that applies their changes', () => {
  expect(pendingRebootNotice('prod', [])).toBeUndefined();
  expect(
    pendingRebootNotice('prod', [
      { instance: 'cs2analytics-prod-reader1', role: 'reader', forceFailover: false, interruption: '' },
      { instance: 'cs2analytics-prod-writer', role: 'writer', forceFailover: false, interruption: '' },
    ]),
  ).toBe(
    '2 database instance(s) keep static parameter changes pending until they restart (cs2analytics-prod-reader1, cs2analytics-prod-writer): ' +
      'apply them with npm run reboot -- --env prod (--dry-run first says what each restart interrupts)',
  );
});
