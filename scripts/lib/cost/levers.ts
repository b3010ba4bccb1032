import type { EnvironmentName, EnvironmentSettings } from '../../../lib/config/schema';
import { ENVIRONMENTS } from '../../../lib/config/environments';

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

/**
 * The cheaper form of each lever is dev's (lib/config/environments.ts, where all of them are on): one
 * place for the values, so that a lever priced on another environment is the one dev runs.
 */
const DEV = ENVIRONMENTS.dev;
function fromDev<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new Error(`cost levers: dev's config no longer sets ${field}, the cheaper form of its lever`);
  return value;
}
const devDatabase = () => {
  if (DEV.database.engine !== 'instance')
    throw new Error("cost levers: dev's database.engine is no longer instance, the cheaper form of its lever");
  return DEV.database;
};
const hour = (value: number) => `${String(value).padStart(2, '0')}:00`;
const SERVICES = ['web', 'api', 'parser'] as const;

export const COST_LEVERS: readonly CostLever[] = [
  {
    name: 'NAT instance instead of NAT gateway',
    fields: 'network.natInstanceType',
    isOn: (settings) => settings.network.natInstanceType !== undefined,
    flip: (settings) => ({
      ...settings,
      network: {
        ...settings.network,
        natInstanceType:
          settings.network.natInstanceType === undefined ? fromDev(DEV.network.natInstanceType, 'network.natInstanceType') : undefined,
      },
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
      services: {
        ...settings.services,
        runHours: settings.services.runHours === undefined ? fromDev(DEV.services.runHours, 'services.runHours') : undefined,
      },
    }),
    tradeOff:
      `no site, API or parsing outside the hours (${runHoursOfDev()} in dev); the load balancer, database ` +
      'and cache keep running (and costing); the target and task alarms count only while tasks are meant to run, and give a ' +
      'scheduled start 10 minutes (an outage is reported that much later); a deploy outside the hours leaves the services ' +
      'stopped, unless it changes their task counts (the scalable target is registered again and starts them until the next stop)',
  },
  {
    name: `RDS for PostgreSQL db.${devDatabase().instanceType} instead of Aurora db.t4g.medium`,
    fields: 'database.engine, database.instanceType',
    isOn: (settings) => settings.database.engine === 'instance',
    flip: (settings) => ({
      ...settings,
      database: flipEngine(settings.database),
    }),
    tradeOff:
      "one instance with 1 GiB of memory and burstable CPU instead of Aurora's storage (six copies over three AZs, fast " +
      'replicas); the same PostgreSQL version behind the same proxy, endpoints and secrets, so the applications see no ' +
      'difference. An environment already deployed cannot switch by a deploy (npm run impact refuses it and says how to ' +
      'move the data)',
  },
];

/** Aurora db.t4g.medium (Aurora PostgreSQL's smallest class) to dev's RDS instance settings, and back. */
function flipEngine(database: EnvironmentSettings['database']): EnvironmentSettings['database'] {
  if (database.engine === 'instance') {
    const { multiAz: _multiAz, allocatedStorageGiB: _allocated, maxAllocatedStorageGiB: _max, ...common } = database;
    return { ...common, engine: 'aurora', instanceType: 't4g.medium' };
  }
  const dev = devDatabase();
  return {
    ...database,
    engine: 'instance',
    instanceType: dev.instanceType,
    multiAz: dev.multiAz,
    allocatedStorageGiB: dev.allocatedStorageGiB,
    maxAllocatedStorageGiB: dev.maxAllocatedStorageGiB,
  };
}

/** dev's run hours as the trade-off says them, e.g. `06:00-20:00 UTC, Monday to Friday`. */
function runHoursOfDev(): string {
  const hours = fromDev(DEV.services.runHours, 'services.runHours');
  return `${hour(hours.startHourUtc)}-${hour(hours.stopHourUtc)} UTC${hours.weekdaysOnly ? ', Monday to Friday' : ', every day'}`;
}

export type LeverEnvironments = Record<EnvironmentName, EnvironmentSettings>;
