import type { EnvironmentName } from '../../lib/config/schema';

/** What the test run synthesizes once: every environment, plus the config variants worth pinning. */
export interface Variant {
  readonly name: string;
  readonly envName: EnvironmentName;
  readonly overrides?: Readonly<Record<string, unknown>>;
}

/** Prod on the other engine mode, with the original's two replicas. */
const INSTANCE_ENGINE = {
  'database.engine': 'instance',
  'database.readers': 2,
  'database.multiAz': true,
  'database.allocatedStorageGiB': 100,
  'database.maxAllocatedStorageGiB': 1000,
};

export const VARIANTS: readonly Variant[] = [
  { name: 'dev', envName: 'dev' },
  { name: 'staging', envName: 'staging' },
  { name: 'prod', envName: 'prod' },
  // The other engine mode, with the original's two replicas: RDS for PostgreSQL behind the proxy.
  {
    name: 'prod-instance',
    envName: 'prod',
    overrides: INSTANCE_ENGINE,
  },
  // Restores (database.restore), whose templates drop or add what CloudFormation's validation and the
  // rule packs judge: each engine from a snapshot and to a point in time.
  {
    name: 'prod-restored',
    envName: 'prod',
    overrides: { 'database.restore.generation': 2, 'database.restore.snapshot': 'awsbackup:job-0f1e2d3c' },
  },
  {
    name: 'prod-restored-to-time',
    envName: 'prod',
    overrides: {
      'database.restore.generation': 2,
      'database.restore.pointInTime.source': 'cs2analytics-prod',
      'database.restore.pointInTime.time': 'latest',
    },
  },
  {
    name: 'prod-instance-restored-snapshot',
    envName: 'prod',
    overrides: { ...INSTANCE_ENGINE, 'database.restore.generation': 2, 'database.restore.snapshot': 'cs2analytics-prod-before-upgrade' },
  },
  {
    name: 'prod-instance-restored',
    envName: 'prod',
    overrides: {
      ...INSTANCE_ENGINE,
      'database.restore.generation': 3,
      'database.restore.pointInTime.source': 'cs2analytics-prod-r2',
      'database.restore.pointInTime.time': '2026-12-07T03:15:00Z',
    },
  },
];

export const SYNTH_ROOT = `${__dirname}/../../.jest-synth`;
