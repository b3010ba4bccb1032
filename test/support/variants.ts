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
];

export const SYNTH_ROOT = `${__dirname}/../../.jest-synth`;
