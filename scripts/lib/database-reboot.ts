import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RebootDBInstanceCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';

/**
 * Applying static parameter changes (`max_connections`, `shared_preload_libraries`, ...): RDS marks
 * each instance whose parameter group changed them `pending-reboot` and applies them only when the
 * instance restarts, which CloudFormation never does (RDS and Aurora user guides, "Modifying
 * parameters in a DB parameter group"). This restarts exactly the instances that wait, one at a time,
 * in the order that keeps the database serving longest:
 *
 * - Aurora: the readers first (the read-only endpoint moves to the others meanwhile), the writer
 *   last, once: writes wait for it, typically less than a minute (Aurora user guide, "Rebooting").
 * - RDS for PostgreSQL: the primary first (with a failover to its standby where Multi-AZ, typically
 *   60-120 seconds of refused writes; a restart of a few minutes without one), then each replica. A
 *   replica whose limits are lower than the restarted primary's pauses its replay until it restarts
 *   too (PostgreSQL 14 and later), so either direction of a change applies in this order; for a
 *   raise, the replicas serve reads that lag until their own restart, a few minutes later.
 */

export type Engine = 'aurora' | 'instance';

export interface RebootStep {
  readonly instance: string;
  readonly role: 'writer' | 'reader';
  /** RDS for PostgreSQL Multi-AZ primary: restart through a failover to the standby. */
  readonly forceFailover: boolean;
  /** What the applications notice meanwhile. */
  readonly interruption: string;
}

export interface RebootDependencies {
  readonly rds: Pick<RDSClient, 'send'>;
  readonly log: (line: string) => void;
  /** How long one instance may take to be available again. @default 30 minutes */
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const PENDING = 'pending-reboot';

function waitsForReboot(instance: DBInstance, clusterStatus?: string): boolean {
  return clusterStatus === PENDING || (instance.DBParameterGroups ?? []).some((group) => group.ParameterApplyStatus === PENDING);
}

async function describeInstance(rds: RebootDependencies['rds'], id: string): Promise<DBInstance | undefined> {
  const { DBInstances = [] } = await rds
    .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
    .catch((error: Error) => (error.name === 'DBInstanceNotFoundFault' ? { DBInstances: [] } : Promise.reject(error)));
  return DBInstances[0];
}

/** The restarts that apply every pending static parameter, in order; none when nothing waits. */
export async function rebootPlan(rds: RebootDependencies['rds'], engine: Engine, identifier: string): Promise<RebootStep[]> {
  if (engine === 'aurora') {
    const { DBClusters = [] } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    const members = DBClusters[0]?.DBClusterMembers ?? [];
    const steps: RebootStep[] = [];
    for (const member of members) {
      const instance = await describeInstance(rds, member.DBInstanceIdentifier!);
      if (!instance || !waitsForReboot(instance, member.DBClusterParameterGroupStatus)) continue;
      steps.push(
        member.IsClusterWriter
          ? {
              instance: member.DBInstanceIdentifier!,
              role: 'writer',
              forceFailover: false,
              interruption: 'writes wait while the writer restarts, typically under a minute; RDS Proxy holds client connections',
            }
          : {
              instance: member.DBInstanceIdentifier!,
              role: 'reader',
              forceFailover: false,
              interruption: "this reader's connections drop; the read-only endpoint serves from the others",
            },
      );
    }
    return [...steps.filter((step) => step.role === 'reader'), ...steps.filter((step) => step.role === 'writer')];
  }
  const primary = await describeInstance(rds, identifier);
  if (!primary) throw new Error(`no database instance ${identifier}: deploy the environment first`);
  const steps: RebootStep[] = [];
  if (waitsForReboot(primary)) {
    steps.push({
      instance: identifier,
      role: 'writer',
      forceFailover: primary.MultiAZ === true,
      interruption: primary.MultiAZ
        ? 'writes are refused during the failover to the standby, typically 60-120 seconds'
        : 'the database is down while it restarts, typically a few minutes (no standby: database.multiAz is false)',
    });
  }
  for (const replicaId of primary.ReadReplicaDBInstanceIdentifiers ?? []) {
    const replica = await describeInstance(rds, replicaId);
    if (replica && waitsForReboot(replica)) {
      steps.push({
        instance: replicaId,
        role: 'reader',
        forceFailover: false,
        interruption: "this replica's connections drop; the reader name keeps serving from the others",
      });
    }
  }
  return steps;
}

/** Restarts each instance of the plan and waits until it is available with its parameters in sync. */
export async function reboot(deps: RebootDependencies, steps: readonly RebootStep[]): Promise<void> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  for (const step of steps) {
    deps.log(`restarting ${step.role} ${step.instance}${step.forceFailover ? ' with a failover' : ''}: ${step.interruption}`);
    await deps.rds.send(
      new RebootDBInstanceCommand({ DBInstanceIdentifier: step.instance, ...(step.forceFailover ? { ForceFailover: true } : {}) }),
    );
    const deadline = Date.now() + (deps.timeoutMs ?? 30 * 60_000);
    // RDS reports `rebooting` a moment after the call: wait for that before waiting for `available`.
    let restarted = false;
    for (;;) {
      await sleep(deps.intervalMs ?? 15_000);
      const instance = await describeInstance(deps.rds, step.instance);
      if (instance?.DBInstanceStatus !== 'available') restarted = true;
      else if (restarted || !waitsForReboot(instance)) {
        if (waitsForReboot(instance)) throw new Error(`${step.instance} restarted but still waits for a reboot`);
        break;
      }
      if (Date.now() >= deadline)
        throw new Error(`${step.instance} is not available again after the restart (${instance?.DBInstanceStatus})`);
    }
    deps.log(`${step.instance} is available, its parameters in sync`);
  }
}
