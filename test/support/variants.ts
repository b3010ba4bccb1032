import type { EnvironmentName } from '../../lib/config/schema';

/** What the test run synthesizes once: every environment, plus the config variants worth pinning. */
export interface Variant {
  readonly name: string;
  readonly envName: EnvironmentName;
  readonly overrides?: Readonly<Record<string, unknown>>;
}

export const VARIANTS: readonly Variant[] = [
  { name: 'dev', envName: 'dev' },
  { name: 'staging', envName: 'staging' },
  { name: 'prod', envName: 'prod' },
  // The other engine mode, with the original's two replicas: RDS for PostgreSQL behind the proxy.
  {
    name: 'prod-instance',
    envName: 'prod',
    overrides: {
      'database.engine': 'instance',
      'database.readers': 2,
      'database.multiAz': true,
      'database.allocatedStorageGiB': 100,
      'database.maxAllocatedStorageGiB': 1000,
    },
  },
];

export const SYNTH_ROOT = `${__dirname}/../../.jest-synth`;
