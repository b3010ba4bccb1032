/**
 * The PostgreSQL tuning carried over from the original config/postgres/postgresql.conf (primary)
 * and postgresql-replica.conf (replicas), limited to what RDS and Aurora let a parameter group set.
 * Each setting says why it is there. Memory settings use RDS formula variables so that they follow
 * the instance class instead of hard-coding one machine's RAM.
 */

export type ParameterScope =
  /** Aurora: the cluster parameter group (applies to every instance). RDS: every instance. */
  | 'cluster'
  /** The writer's / primary's instance parameter group only. */
  | 'writer'
  /** The readers' / replicas' instance parameter group only. */
  | 'reader'
  /** Both instance parameter groups. */
  | 'instance';

export interface PostgresParameter {
  readonly name: string;
  readonly value: string;
  readonly scope: ParameterScope;
  /** RDS for PostgreSQL only (Aurora manages it itself or does not offer it). */
  readonly instanceEngineOnly?: boolean;
  /**
   * Static: a change waits for the next restart of each instance ("pending-reboot"; PostgreSQL's
   * `postmaster` context). CloudFormation restarts nothing: `npm run reboot` applies it.
   */
  readonly static?: boolean;
  readonly why: string;
}

export function postgresParameters(maxConnections: number): readonly PostgresParameter[] {
  return [
    // Security
    { name: 'rds.force_ssl', value: '1', scope: 'cluster', why: 'refuse any connection without TLS' },

    // Observability: what the original logged for debugging, and query statistics.
    {
      name: 'shared_preload_libraries',
      value: 'pg_stat_statements',
      scope: 'cluster',
      static: true,
      why: 'per-query statistics (CREATE EXTENSION pg_stat_statements)',
    },
    {
      name: 'pg_stat_statements.track',
      value: 'all',
      scope: 'cluster',
      why: 'count statements run inside functions too (the partition functions)',
    },
    {
      name: 'pg_stat_statements.max',
      value: '10000',
      scope: 'cluster',
      static: true,
      why: "room for the API's many distinct analytics queries",
    },
    { name: 'track_io_timing', value: '1', scope: 'cluster', why: 'I/O time per query in pg_stat_statements and EXPLAIN' },
    {
      name: 'log_min_duration_statement',
      value: '1000',
      scope: 'cluster',
      why: 'log every statement slower than 1 s (the original slow-query log)',
    },
    {
      name: 'log_lock_waits',
      value: '1',
      scope: 'cluster',
      why: 'log waits longer than deadlock_timeout: partition DDL contention shows here',
    },
    { name: 'log_temp_files', value: '10240', scope: 'cluster', why: 'log sorts and hashes spilling more than 10 MB to disk' },
    { name: 'log_autovacuum_min_duration', value: '10000', scope: 'cluster', why: 'log autovacuum runs over 10 s on the big event tables' },
    {
      name: 'idle_in_transaction_session_timeout',
      value: '300000',
      scope: 'cluster',
      why: 'a client that forgets an open transaction for 5 minutes must not hold locks and block partition rotation',
    },

    // Connections: a known server limit, which the proxy's percentages apply to.
    {
      name: 'max_connections',
      value: String(maxConnections),
      scope: 'instance',
      static: true,
      why: "fixed so that RDS Proxy's percentages map onto the original PgBouncer pool sizes",
    },

    // WAL (RDS for PostgreSQL; Aurora's storage layer has no WAL settings to tune).
    {
      name: 'max_wal_size',
      value: '4096',
      scope: 'writer',
      instanceEngineOnly: true,
      why: 'MB of WAL between checkpoints: fewer forced checkpoints during bulk demo imports',
    },
    {
      name: 'checkpoint_timeout',
      value: '900',
      scope: 'writer',
      instanceEngineOnly: true,
      why: 'seconds between checkpoints: spreads checkpoint I/O (the original used 15 minutes)',
    },

    // Writer: moderate memory per query, the OLTP side of the API.
    { name: 'work_mem', value: '16384', scope: 'writer', why: 'kB per sort/hash: moderate, many concurrent API queries' },
    { name: 'max_parallel_workers_per_gather', value: '2', scope: 'writer', why: 'some parallelism without starving concurrent writes' },

    // Readers: the original replica profile, more cache and aggressive parallelism for analytics.
    {
      name: 'effective_cache_size',
      value: '{DBInstanceClassMemory*3/32768}',
      scope: 'reader',
      why: 'three quarters of RAM, in 8 kB pages: plan as if most data is cached',
    },
    { name: 'work_mem', value: '65536', scope: 'reader', why: 'kB per sort/hash: large analytics aggregations stay in memory' },
    {
      name: 'max_parallel_workers_per_gather',
      value: '4',
      scope: 'reader',
      why: 'aggressive parallelism for scans over months of game events',
    },
    { name: 'parallel_setup_cost', value: '100', scope: 'reader', why: 'make the planner choose parallel plans more readily' },
    { name: 'parallel_tuple_cost', value: '0.05', scope: 'reader', why: 'same: cheaper parallel tuple transfer in cost estimates' },
    {
      name: 'hot_standby_feedback',
      value: '1',
      scope: 'reader',
      instanceEngineOnly: true,
      why: 'long analytics queries are not cancelled by vacuum on the primary (Aurora readers do not need it)',
    },
    {
      name: 'max_standby_streaming_delay',
      value: '300000',
      scope: 'reader',
      instanceEngineOnly: true,
      why: 'ms a replica may delay replay for a running query before cancelling it',
    },
  ];
}

/** The names of the static parameters: a change applies at the next restart of each instance. */
export const STATIC_PARAMETER_NAMES: ReadonlySet<string> = new Set(
  postgresParameters(100)
    .filter((parameter) => parameter.static)
    .map((parameter) => parameter.name),
);

/** The parameters of one parameter group, as the CDK parameter-group `parameters` map. */
export function parametersFor(
  all: readonly PostgresParameter[],
  engine: 'aurora' | 'instance',
  group: 'cluster' | 'writer' | 'reader',
): Record<string, string> {
  const wanted = (scope: ParameterScope): boolean => {
    if (engine === 'aurora') return scope === group || (scope === 'instance' && group !== 'cluster');
    // RDS for PostgreSQL has no cluster group: every instance carries the cluster-wide settings.
    return scope === 'cluster' || scope === 'instance' || scope === group;
  };
  const entries = all
    .filter((parameter) => wanted(parameter.scope) && !(engine === 'aurora' && parameter.instanceEngineOnly))
    .map((parameter) => [parameter.name, parameter.value] as const);
  return Object.fromEntries(entries);
}
