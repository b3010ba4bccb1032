import type { EnvironmentName, EnvironmentSettings } from './schema';

/**
 * The three environments, side by side. Read a row across to see how they differ;
 * every value is validated by ./schema.ts before any stack is built.
 * Account ids are left out on purpose: they come from CDK_DEFAULT_ACCOUNT (your credentials)
 * unless you pin them here, which is recommended for staging and prod.
 */
export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentSettings> = {
  dev: {
    region: 'eu-west-1',
    owner: 'platform-team',
    terminationProtection: false,
    network: {
      cidr: '10.10.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      natGateways: 1,
      interfaceEndpoints: false,
      flowLogRetentionDays: 14,
    },
  },
  staging: {
    region: 'eu-west-1',
    owner: 'platform-team',
    terminationProtection: false,
    network: {
      cidr: '10.20.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      natGateways: 1,
      interfaceEndpoints: true,
      flowLogRetentionDays: 90,
    },
  },
  prod: {
    region: 'eu-west-1',
    owner: 'platform-team',
    terminationProtection: true,
    network: {
      cidr: '10.30.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      natGateways: 3,
      interfaceEndpoints: true,
      flowLogRetentionDays: 365,
    },
  },
};
