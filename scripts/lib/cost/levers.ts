import type { EnvironmentName, EnvironmentSettings } from '../../../lib/config/schema';

/**
 * The config's cost levers: each turns one big item to its cheaper form or back. `npm run cost --
 * --levers` prices the environment with each lever flipped, so that the README's figures for what a
 * lever saves come from the tool too.
 */
export interface CostLever {
  readonly name: string;
  /** The config fields it sets. */
  readonly fields: string;
  /** Whether the environment's config has it on. */
  readonly isOn: (settings: EnvironmentSettings) => boolean;
  /** The settings with the lever flipped. */
  readonly flip: (settings: EnvironmentSettings) => EnvironmentSettings;
  /** What turning it on trades away. */
  readonly tradeOff: string;
}

const DEV_RUN_HOURS = { startHourUtc: 6, stopHourUtc: 20, weekdaysOnly: true };
const SERVICES = ['web', 'api', 'parser'] as const;

export const COST_LEVERS: readonly CostLever[] = [
  {
    name: 'NAT instance instead of NAT gateway',
    fields: 'network.natInstanceType',
    isOn: (settings) => settings.network.natInstanceType !== undefined,
    flip: (settings) => ({
      ...settings,
      network: { ...settings.network, natInstanceType: settings.network.natInstanceType === undefined ? 't4g.micro' : undefined },
    }),
    tradeOff:
      "a burstable instance's bandwidth instead of a managed 5-100 Gbit/s gateway; no failover (one instance per natGateways, " +
      "its AZ's outage or a reboot cuts the private subnets off); replaced, with a minute without egress, whenever a deploy " +
      'finds a newer Amazon Linux 2023 image',
  },
  {
    name: 'Fargate Spot for every service',
    fields: 'services.<name>.spot',
    isOn: (settings) => SERVICES.every((name) => settings.services[name].spot),
    flip: (settings) => {
      const spot = !SERVICES.every((name) => settings.services[name].spot);
      return {
        ...settings,
        services: {
          ...settings.services,
          web: { ...settings.services.web, spot },
          api: { ...settings.services.api, spot },
          parser: { ...settings.services.parser, spot },
        },
      };
    },
    tradeOff:
      "Fargate may stop a task with two minutes' notice when it needs the capacity back; with one task per service the " +
      'site or the API is down until the replacement starts (about a minute), and a demo being parsed is retried',
  },
  {
    name: 'services stopped outside working hours',
    fields: 'services.runHours',
    isOn: (settings) => settings.services.runHours !== undefined,
    flip: (settings) => ({
      ...settings,
      services: { ...settings.services, runHours: settings.services.runHours === undefined ? DEV_RUN_HOURS : undefined },
    }),
    tradeOff:
      'no site, API or parsing outside the hours (06:00-20:00 UTC, Monday to Friday in dev); the load balancer, database ' +
      'and cache keep running (and costing); the no-healthy-targets and running-below-desired alarms go off while stopped (dev ' +
      'has no alarm e-mails); a deploy outside the hours ' +
      'starts the services until the next stop',
  },
  {
    name: 'RDS for PostgreSQL db.t4g.micro instead of Aurora db.t4g.medium',
    fields: 'database.engine, database.instanceType',
    isOn: (settings) => settings.database.engine === 'instance',
    flip: (settings) => ({
      ...settings,
      database: flipEngine(settings.database),
    }),
    tradeOff:
      "one instance with 1 GiB of memory and burstable CPU instead of Aurora's storage (six copies over three AZs, fast " +
      'replicas); the same PostgreSQL version behind the same proxy, endpoints and secrets, so the applications see no ' +
      'difference. Switching an environment already deployed replaces its database (destroy its data stack first: the ' +
      'secret and identifiers keep their names)',
  },
];

/** Aurora db.t4g.medium to RDS db.t4g.micro (Single-AZ, 20 GiB growing to 100) and back. */
function flipEngine(database: EnvironmentSettings['database']): EnvironmentSettings['database'] {
  if (database.engine === 'instance') {
    const { multiAz: _multiAz, allocatedStorageGiB: _allocated, maxAllocatedStorageGiB: _max, ...common } = database;
    return { ...common, engine: 'aurora', instanceType: 't4g.medium' };
  }
  return {
    ...database,
    engine: 'instance',
    instanceType: 't4g.micro',
    multiAz: false,
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 100,
  };
}

export type LeverEnvironments = Record<EnvironmentName, EnvironmentSettings>;
