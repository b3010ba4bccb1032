import { ENVIRONMENTS } from '../lib/config/environments';
import { ConfigError, loadConfig } from '../lib/config/load';
import { ENVIRONMENT_NAMES } from '../lib/config/schema';

function errorsOf(envName: string, overrides: Record<string, unknown>): string[] {
  try {
    loadConfig({ envName, overrides });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the environments as written', () => {
  test.each(ENVIRONMENT_NAMES)('%s is valid', (envName) => {
    const config = loadConfig({ envName });
    expect(config.envName).toBe(envName);
    expect(config.network.availabilityZones.every((zone) => zone.startsWith(config.region))).toBe(true);
  });

  test('readers: dev 0, staging 1, prod 2 (the original two replicas); Aurora in staging and prod, RDS for PostgreSQL in dev (cost)', () => {
    expect(ENVIRONMENT_NAMES.map((envName) => loadConfig({ envName }).database.readers)).toEqual([0, 1, 2]);
    expect(ENVIRONMENT_NAMES.map((envName) => loadConfig({ envName }).database.engine)).toEqual(['instance', 'aurora', 'aurora']);
  });

  test('prod protects its stateful stacks and has a NAT gateway per zone; dev has one', () => {
    const prod = loadConfig({ envName: 'prod' });
    const dev = loadConfig({ envName: 'dev' });
    expect(prod.terminationProtection).toBe(true);
    expect(dev.terminationProtection).toBe(false);
    expect(prod.network.natGateways).toBe(prod.network.availabilityZones.length);
    expect(dev.network.natGateways).toBe(1);
    expect(dev.network.interfaceEndpoints).toBe(false);
  });
});

describe('defaults and overrides merged', () => {
  // Written out, not recomputed from the defaults: a merge that drops or misplaces a value fails here.
  test.each<[string, Record<string, unknown>]>([
    [
      'dev',
      {
        region: 'eu-west-1',
        retainData: false,
        network: { natGateways: 1, natInstanceType: 't4g.micro', availabilityZones: ['eu-west-1a', 'eu-west-1b'] },
        database: { engine: 'instance', readers: 0, instanceType: 't4g.micro', multiAz: false, maxConnections: 250 },
        cache: { engine: 'redis', engineVersion: '7.1', nodes: 1 },
        services: {
          runHours: { startHourUtc: 6, stopHourUtc: 20, weekdaysOnly: true },
          web: { cpu: 256, spot: true, port: 3000, healthCheckPath: '/', healthCheck: 'node' },
          parser: { ephemeralStorageGiB: 30, workers: 2, stopTimeoutSeconds: 120, port: 8001 },
        },
      },
    ],
    [
      'staging',
      {
        retainData: true,
        network: { cidr: '10.20.0.0/16', interfaceEndpoints: true },
        database: {
          engine: 'aurora',
          readers: 1,
          instanceType: 'r6g.large',
          proxy: { maxConnectionsPercent: 90, borrowTimeoutSeconds: 120 },
        },
        backup: { dailyRetentionDays: 14, monthlyRetentionDays: 90 },
        services: { api: { maxTasks: 4, spot: false, port: 3001, healthCheckPath: '/api/health' }, parser: { spot: true } },
      },
    ],
    [
      'prod',
      {
        terminationProtection: true,
        network: { natGateways: 3, availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
        database: { engine: 'aurora', readers: 2, instanceType: 'r6g.xlarge', performanceInsightsRetentionDays: 31 },
        cache: { nodes: 2, automaticFailover: true, authTokenRotationDays: 30 },
        backup: { copyToRegion: 'eu-central-1' },
        maintenance: { convertPlainTables: false, tables: [{ schema: 'public', table: 'GameEvent', column: 'createdAt' }] },
        monitoring: { alarmEmails: ['oncall@example.com'], redisEvictions: 1 },
        services: { execEnabled: false, parser: { cpu: 2048, memoryMiB: 4096, spot: false, healthCheck: 'python' } },
      },
    ],
  ])('%s', (envName, expected) => {
    expect(ENVIRONMENTS[envName as keyof typeof ENVIRONMENTS]).toMatchObject(expected);
  });

  test('a field one environment lacks stays absent there', () => {
    expect(ENVIRONMENTS.staging.network.natInstanceType).toBeUndefined();
    expect(ENVIRONMENTS.prod.services.runHours).toBeUndefined();
    expect(ENVIRONMENTS.dev.backup.copyToRegion).toBeUndefined();
    expect(ENVIRONMENTS.dev.loadBalancer.domainName).toBeUndefined();
  });
});

describe('choosing the environment', () => {
  test('an unknown environment names the choices', () => {
    expect(() => loadConfig({ envName: 'qa' })).toThrow('unknown environment "qa": choose one of dev, staging, prod with -c env=<name>');
  });

  test('account and region fall back to CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION only when unset', () => {
    const config = loadConfig({ envName: 'dev', defaultAccount: '123456789012', defaultRegion: 'us-east-1' });
    expect(config.account).toBe('123456789012');
    expect(config.region).toBe('eu-west-1');
  });

  test('a pinned account wins over CDK_DEFAULT_ACCOUNT', () => {
    const config = loadConfig({
      envName: 'prod',
      overrides: { account: '210987654321' },
      defaultAccount: '123456789012',
    });
    expect(config.account).toBe('210987654321');
  });
});

describe('overrides from -c <dotted.path>=<value>', () => {
  test('strings from the command line become the field type', () => {
    const config = loadConfig({
      envName: 'dev',
      overrides: {
        'network.natGateways': '2',
        'network.interfaceEndpoints': 'true',
        'network.availabilityZones': 'eu-west-1a,eu-west-1b,eu-west-1c',
        owner: 'data-team',
      },
    });
    expect(config.network.natGateways).toBe(2);
    expect(config.network.interfaceEndpoints).toBe(true);
    expect(config.network.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(config.owner).toBe('data-team');
  });

  test('an override changes one environment only, and not the shared definitions', () => {
    loadConfig({ envName: 'dev', overrides: { 'network.natGateways': '2' } });
    expect(loadConfig({ envName: 'dev' }).network.natGateways).toBe(1);
  });

  test('an image tag is chosen per deploy', () => {
    expect(loadConfig({ envName: 'prod', overrides: { 'images.api.tag': '1.4.2' } }).images.api.tag).toBe('1.4.2');
  });

  test('JSON lists are accepted too', () => {
    const config = loadConfig({
      envName: 'dev',
      overrides: { 'network.availabilityZones': '["eu-west-1b","eu-west-1c"]' },
    });
    expect(config.network.availabilityZones).toEqual(['eu-west-1b', 'eu-west-1c']);
  });
});

describe('each bad value fails with a message naming the environment and the field', () => {
  test.each<[string, string, Record<string, unknown>, string]>([
    ['integer out of range', 'prod', { 'network.natGateways': '40' }, 'prod: network.natGateways must be an integer from 1 to 3 (got 40)'],
    [
      'not a number',
      'staging',
      { 'network.natGateways': 'two' },
      'staging: network.natGateways must be an integer from 1 to 3 (got "two")',
    ],
    ['fraction', 'dev', { 'network.natGateways': '1.5' }, 'dev: network.natGateways must be an integer from 1 to 3 (got 1.5)'],
    ['not a boolean', 'dev', { 'network.interfaceEndpoints': 'yes' }, 'dev: network.interfaceEndpoints must be true or false (got "yes")'],
    [
      'bad CIDR',
      'prod',
      { 'network.cidr': '10.0.0.0/8' },
      'prod: network.cidr must be an IPv4 CIDR block from /16 to /20, e.g. 10.0.0.0/16 (got "10.0.0.0/8")',
    ],
    [
      'bad retention',
      'dev',
      { 'network.flowLogRetentionDays': '10' },
      'dev: network.flowLogRetentionDays must be a CloudWatch Logs retention in days (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (got 10)',
    ],
    [
      'zone of another region',
      'dev',
      { 'network.availabilityZones': 'eu-west-1a,us-east-1b' },
      'dev: network.availabilityZones.1 must be in region eu-west-1 (got "us-east-1b")',
    ],
    [
      'same zone twice',
      'dev',
      { 'network.availabilityZones': 'eu-west-1a,eu-west-1a' },
      'dev: network.availabilityZones must not list an availability zone twice (got ["eu-west-1a","eu-west-1a"])',
    ],
    [
      'one zone only',
      'dev',
      { 'network.availabilityZones': 'eu-west-1a' },
      'dev: network.availabilityZones must list 2 or 3 availability zones (got ["eu-west-1a"])',
    ],
    [
      'more NAT gateways than zones',
      'staging',
      { 'network.natGateways': '3' },
      'staging: network.natGateways must not exceed the number of availability zones (2) (got 3)',
    ],
    [
      'NAT instance not a t4g type',
      'dev',
      { 'network.natInstanceType': 'm5.large' },
      'dev: network.natInstanceType must be a t4g instance type for NAT, e.g. t4g.nano (got "m5.large")',
    ],
    [
      'run hours ending before they start',
      'dev',
      { 'services.runHours.stopHourUtc': '5' },
      'dev: services.runHours.stopHourUtc must come after startHourUtc, on the same UTC day (got 5)',
    ],
    [
      'CIDR with host bits (the CDK would round the VPC up, the rules would not)',
      'prod',
      { 'network.cidr': '10.10.5.0/16' },
      'prod: network.cidr must be a network address, without host bits: 10.10.5.0/16 is in 10.10.0.0/16 (got "10.10.5.0/16")',
    ],
    [
      'instance class of no known size',
      'prod',
      { 'database.instanceType': 'foo.bar' },
      'prod: database.instanceType must be an RDS instance class, e.g. r6g.large (got "foo.bar")',
    ],
    [
      'retired instance family',
      'dev',
      { 'database.instanceType': 't2.micro' },
      'dev: database.instanceType must be a current instance class: RDS offers no PostgreSQL 17 on the t2 family (got "t2.micro")',
    ],
    [
      'Aurora on a micro class',
      'staging',
      { 'database.instanceType': 't4g.micro' },
      'staging: database.instanceType must be medium or large in a burstable family under Aurora (its smallest classes are t3.medium and t4g.medium) (got "t4g.micro")',
    ],
    [
      'storage ceiling less than 10 % above the floor',
      'dev',
      { 'database.maxAllocatedStorageGiB': '21' },
      'dev: database.maxAllocatedStorageGiB must be at least 10 % above database.allocatedStorageGiB (20): 22 or more (got 21)',
    ],
    [
      'cache version ElastiCache does not run',
      'prod',
      { 'cache.engineVersion': '7.9' },
      'prod: cache.engineVersion must be a Redis OSS version ElastiCache runs: 7.0, 7.1 (got "7.9")',
    ],
    [
      'retired cache node',
      'dev',
      { 'cache.nodeType': 'cache.t2.micro' },
      'dev: cache.nodeType must be a current node type: ElastiCache creates no new cluster on T1, T2, M1, M2, M3, C1 or R3 nodes (got "cache.t2.micro")',
    ],
    [
      'burstable cache node of a size ElastiCache does not offer',
      'dev',
      { 'cache.nodeType': 'cache.t3.large' },
      'dev: cache.nodeType must be a burstable node of size micro, small or medium (the sizes ElastiCache offers for T3 and T4g) (got "cache.t3.large")',
    ],
    [
      'cache node of no known size',
      'dev',
      { 'cache.nodeType': 'cache.foo.bar' },
      'dev: cache.nodeType must be an ElastiCache node type, e.g. cache.t4g.small (got "cache.foo.bar")',
    ],
    [
      'path pattern over 128 characters',
      'prod',
      { 'services.apiPathPattern': `/${'a'.repeat(128)}` },
      `prod: services.apiPathPattern must be an ALB path pattern of at most 128 characters, e.g. /api/* (got "/${'a'.repeat(128)}")`,
    ],
    [
      'table name not in ASCII (it names CloudWatch metrics)',
      'prod',
      { 'maintenance.tables.0.table': 'Événement' },
      'prod: maintenance.tables.0.table must be a PostgreSQL name of 1 to 63 printable ASCII characters (it names CloudWatch metrics), exact and case-sensitive (got "Événement")',
    ],
    [
      'table listed twice',
      'prod',
      { 'maintenance.tables.1.schema': 'public', 'maintenance.tables.1.table': 'GameEvent', 'maintenance.tables.1.column': 'createdAt' },
      'prod: maintenance.tables must list each table once (its alarm is named after it) (got [{"schema":"public","table":"GameEvent","column":"createdAt"},{"schema":"public","table":"GameEvent","column":"createdAt"}])',
    ],
    [
      'hosted zone id over 32 characters',
      'prod',
      { 'loadBalancer.hostedZoneId': `Z${'A'.repeat(32)}` },
      `prod: loadBalancer.hostedZoneId must be a Route 53 hosted zone id, e.g. Z0123456789ABC (got "Z${'A'.repeat(32)}")`,
    ],
    [
      'owner with the aws: prefix',
      'dev',
      { owner: 'aws:team' },
      'dev: owner must not start with aws: (AWS keeps that prefix for its own tags) (got "aws:team")',
    ],
    [
      'domain name over 64 characters (the certificate would refuse it)',
      'prod',
      { 'loadBalancer.domainName': `${'a'.repeat(55)}.example.com` },
      `prod: loadBalancer.domainName must be a lower-case DNS name of at most 64 characters, e.g. cs2.example.com (got "${'a'.repeat(55)}.example.com")`,
    ],
    [
      'the same e-mail twice',
      'prod',
      { 'monitoring.alarmEmails': 'oncall@example.com,OnCall@example.com' },
      'prod: monitoring.alarmEmails must list each e-mail address once (one subscription each) (got ["oncall@example.com","OnCall@example.com"])',
    ],
    ['a prototype name as a setting', 'dev', { 'database.toString': '1' }, 'dev: database.toString is not a known setting'],
    [
      'a list indexed by a name',
      'dev',
      { 'network.availabilityZones.x': 'eu-west-1a' },
      'dev: network.availabilityZones.x is not a valid setting path: network.availabilityZones is a list, indexed by number',
    ],
    ['bad account', 'prod', { account: '1234' }, 'prod: account must be a 12-digit AWS account id (got "1234")'],
    ['bad region', 'prod', { region: 'Ireland' }, 'prod: region must be an AWS region name, e.g. eu-west-1 (got "Ireland")'],
    [
      'unknown key',
      'prod',
      { 'network.natGateway': '1' },
      'prod: network.natGateway is not a known setting (did you mean network.natGateways?)',
    ],
    ['unknown group', 'dev', { 'databse.readers': '2' }, 'dev: databse is not a known setting (did you mean database?)'],
    ['readers out of range', 'prod', { 'database.readers': '40' }, 'prod: database.readers must be an integer from 0 to 15 (got 40)'],
    ['unknown engine', 'prod', { 'database.engine': 'mysql' }, 'prod: database.engine must be one of aurora, instance (got "mysql")'],
    [
      'not PostgreSQL 17',
      'staging',
      { 'database.postgresVersion': '16.4' },
      'staging: database.postgresVersion must be a PostgreSQL 17 version with its minor, e.g. 17.6 (got "16.4")',
    ],
    [
      'failover on a single node',
      'dev',
      { 'cache.automaticFailover': 'true' },
      'dev: cache.automaticFailover needs at least 2 cache.nodes, and cache.nodes is 1: a single node has nothing to fail over to (got true)',
    ],
    [
      'Valkey with a Redis version',
      'dev',
      { 'cache.engine': 'valkey' },
      'dev: cache.engineVersion must be a Valkey version ElastiCache runs: 7.2, 8.0, 8.1, 8.2, 9.0, 9.1 (got "7.1")',
    ],
    ['unknown cache engine', 'dev', { 'cache.engine': 'memcached' }, 'dev: cache.engine must be one of redis, valkey (got "memcached")'],
    [
      'idle pool above the pool',
      'prod',
      { 'database.proxy.maxIdleConnectionsPercent': '95' },
      'prod: database.proxy.maxIdleConnectionsPercent must not exceed database.proxy.maxConnectionsPercent (90) (got 95)',
    ],
    [
      'app logins allowed more connections than the server has',
      'prod',
      { 'database.appConnectionLimit': '300' },
      'prod: database.appConnectionLimit must not exceed database.maxConnections (250) (got 300)',
    ],
    [
      'a token never rotated',
      'staging',
      { 'cache.authTokenRotationDays': '0' },
      'staging: cache.authTokenRotationDays must be an integer from 1 to 365 (got 0)',
    ],
    [
      'storage ceiling under the floor',
      'dev',
      { 'database.maxAllocatedStorageGiB': '10' },
      'dev: database.maxAllocatedStorageGiB must be an integer from 20 to 65536 (got 10)',
    ],
    [
      'storage ceiling under the floor, in range',
      'dev',
      { 'database.allocatedStorageGiB': '200' },
      'dev: database.maxAllocatedStorageGiB must be at least 10 % above database.allocatedStorageGiB (200): 220 or more (got 100)',
    ],
    [
      'a standby setting under Aurora',
      'prod',
      { 'database.multiAz': 'true' },
      'prod: database.multiAz applies only to database.engine instance: Aurora keeps six copies over three AZs and fails over to a reader; remove it (got true)',
    ],
    [
      'a storage setting under Aurora',
      'staging',
      { 'database.allocatedStorageGiB': '50' },
      'staging: database.allocatedStorageGiB applies only to database.engine instance: Aurora storage grows by itself; remove it (got 50)',
    ],
    [
      'the instance engine without its storage',
      'prod',
      { 'database.engine': 'instance' },
      'prod: database.allocatedStorageGiB is required when database.engine is instance',
    ],
    [
      'Performance Insights retention',
      'dev',
      { 'database.performanceInsightsRetentionDays': '30' },
      'dev: database.performanceInsightsRetentionDays must be 7, a multiple of 31 up to 713 (23 months), or 731 (got 30)',
    ],
    [
      'monitoring interval',
      'dev',
      { 'database.monitoringIntervalSeconds': '0' },
      'dev: database.monitoringIntervalSeconds must be one of 1, 5, 10, 15, 30, 60 (got 0)',
    ],
    [
      'EFS transition',
      'dev',
      { 'fileSystem.transitionToInfrequentAccessDays': '45' },
      'dev: fileSystem.transitionToInfrequentAccessDays must be one of 1, 7, 14, 30, 60, 90, 180, 270, 365 (got 45)',
    ],
    ['root uid', 'dev', { 'fileSystem.uid': '0' }, 'dev: fileSystem.uid must be an integer from 1 to 2147483647 (got 0)'],
    [
      'HTTPS asked for without a domain',
      'dev',
      { 'loadBalancer.allowPlainHttp': 'false' },
      'dev: loadBalancer.allowPlainHttp must be true when no loadBalancer.domainName is set: HTTPS needs a certificate for a domain (got false)',
    ],
    [
      'a domain without its hosted zone',
      'staging',
      { 'loadBalancer.domainName': 'cs2.example.org' },
      'staging: loadBalancer.hostedZoneId is required with loadBalancer.domainName: the two are set together',
    ],
    [
      'min tasks above max',
      'prod',
      { 'services.api.minTasks': '12' },
      'prod: services.api.minTasks must not exceed services.api.maxTasks (10) (got 12)',
    ],
    [
      'memory that Fargate does not offer with the CPU',
      'dev',
      { 'services.web.memoryMiB': '4096' },
      'dev: services.web.memoryMiB must be one of 512, 1024, 2048 with 256 CPU units (got 4096)',
    ],
    [
      'Redis replicas without failover',
      'prod',
      { 'cache.automaticFailover': 'false' },
      'prod: cache.automaticFailover must be true when cache.nodes is more than 1 with Redis OSS (got 2 nodes): a replica is there to fail over to (got false)',
    ],
    [
      'a maintenance hour in the weekly database maintenance window',
      'prod',
      { 'maintenance.scheduleHourUtc': '4' },
      "prod: maintenance.scheduleHourUtc must keep the daily pass (HH:30, up to 15 minutes) out of the database's weekly maintenance window (sun:04:30-sun:05:30 UTC), when RDS may restart the database (got 4)",
    ],
    [
      'a maintenance hour in the credential rotation window',
      'prod',
      { 'maintenance.scheduleHourUtc': '0' },
      'prod: maintenance.scheduleHourUtc must keep the daily pass out of the credential rotation window (00:00 to 01:00 UTC), when the master password it logs in with may change (got 0)',
    ],
    [
      'a task too small to leave the Service Connect proxy its CPU',
      'dev',
      { 'services.api.cpu': '256', 'services.api.memoryMiB': '512' },
      'dev: services.api.cpu must be at least 512: each api task runs the Service Connect proxy, which takes 256 CPU units (ECS developer guide, Service Connect proxy) (got 256)',
    ],
    [
      'CPU that Fargate does not offer',
      'dev',
      { 'services.parser.cpu': '300' },
      'dev: services.parser.cpu must be one of 256, 512, 1024, 2048, 4096 (got 300)',
    ],
    [
      'a bad image tag',
      'dev',
      { 'images.api.tag': 'bad tag!' },
      'dev: images.api.tag must be a Docker image tag, e.g. 1.4.2 (got "bad tag!")',
    ],
    [
      'a scratch space Fargate does not offer',
      'dev',
      { 'services.parser.ephemeralStorageGiB': '10' },
      'dev: services.parser.ephemeralStorageGiB must be an integer from 21 to 200 (got 10)',
    ],
    [
      'too few months ahead',
      'dev',
      { 'maintenance.futureMonths': '1' },
      'dev: maintenance.futureMonths must be an integer from 2 to 24 (got 1)',
    ],
    [
      'a retention of zero',
      'dev',
      { 'archival.thresholdMonths': '0' },
      'dev: archival.thresholdMonths must be an integer from 1 to 120 (got 0)',
    ],
    [
      'an alarm e-mail that is not an address',
      'prod',
      { 'monitoring.alarmEmails': 'oncall-at-example.com' },
      'prod: monitoring.alarmEmails.0 must be an e-mail address (got "oncall-at-example.com")',
    ],
    [
      'a copy region that is not one',
      'prod',
      { 'backup.copyToRegion': 'Frankfurt' },
      'prod: backup.copyToRegion must be an AWS region name, e.g. eu-central-1 (got "Frankfurt")',
    ],
    [
      'path through a value',
      'dev',
      { 'network.cidr.mask': '16' },
      'dev: network.cidr.mask cannot be set: network.cidr is not a group of settings',
    ],
  ])('%s', (_case, envName, overrides, message) => {
    expect(errorsOf(envName, overrides)).toContain(message);
  });

  test.each<[string, Record<string, unknown>]>([
    ['Performance Insights kept 731 days (its two-year option)', { 'database.performanceInsightsRetentionDays': '731' }],
    ['Valkey 9.1', { 'cache.engine': 'valkey', 'cache.engineVersion': '9.1' }],
    [
      'a storage ceiling exactly 10 % above the floor',
      {
        'database.engine': 'instance',
        'database.multiAz': 'true',
        'database.allocatedStorageGiB': '200',
        'database.maxAllocatedStorageGiB': '220',
      },
    ],
    ['an Aurora burstable class of the smallest size Aurora offers', { 'database.instanceType': 't4g.medium' }],
  ])('accepts what AWS accepts at the edge: %s', (_case, overrides) => {
    expect(loadConfig({ envName: 'prod', overrides }).envName).toBe('prod');
  });

  test('only dev may lose its data on deletion', () => {
    expect(errorsOf('staging', { retainData: 'false' })).toEqual([
      'staging: retainData must be true outside dev: only dev may lose its data on deletion (got false)',
    ]);
    expect(loadConfig({ envName: 'dev', overrides: { retainData: 'false' } }).retainData).toBe(false);
  });

  test('the other engine mode and more readers are one override away', () => {
    const config = loadConfig({
      envName: 'prod',
      overrides: {
        'database.engine': 'instance',
        'database.readers': '2',
        'database.multiAz': 'true',
        'database.allocatedStorageGiB': '100',
        'database.maxAllocatedStorageGiB': '1000',
      },
    });
    expect(config.database).toMatchObject({ engine: 'instance', readers: 2, multiAz: true, allocatedStorageGiB: 100 });
  });

  test('a required field left out says so', () => {
    const environments = {
      dev: { ...loadConfig({ envName: 'dev' }), owner: undefined },
    } as never;
    expect(() => loadConfig({ envName: 'dev', environments })).toThrow('dev: owner is required');
  });

  test('a missing region with no CDK_DEFAULT_REGION says so', () => {
    const { envName: _ignored, region: _region, ...dev } = loadConfig({ envName: 'dev' });
    expect(() => loadConfig({ envName: 'dev', environments: { dev } as never })).toThrow('dev: region is required');
    expect(loadConfig({ envName: 'dev', environments: { dev } as never, defaultRegion: 'eu-west-1' }).region).toBe('eu-west-1');
  });

  test('every problem is reported at once', () => {
    const errors = errorsOf('prod', { 'network.natGateways': '0', 'network.cidr': 'nope', owner: '' });
    expect(errors).toHaveLength(3);
    expect(errors.every((line) => line.startsWith('prod: '))).toBe(true);
  });
});

describe('database.restore', () => {
  const restore = (fields: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(fields).map(([key, value]) => [`database.restore.${key}`, value]));

  test('a snapshot or a point in time of an earlier database of the environment is accepted', () => {
    expect(
      loadConfig({ envName: 'prod', overrides: restore({ generation: 2, snapshot: 'awsbackup:job-0f1e2d3c' }) }).database.restore,
    ).toEqual({
      generation: 2,
      snapshot: 'awsbackup:job-0f1e2d3c',
    });
    const pointInTime = restore({ generation: 3, 'pointInTime.source': 'cs2analytics-prod-r2', 'pointInTime.time': 'latest' });
    expect(loadConfig({ envName: 'prod', overrides: pointInTime }).database.restore?.pointInTime).toEqual({
      source: 'cs2analytics-prod-r2',
      time: 'latest',
    });
    expect(
      loadConfig({
        envName: 'staging',
        overrides: restore({ generation: 2, snapshot: 'arn:aws:rds:eu-west-1:210987654321:cluster-snapshot:awsbackup:job-0f1e2d3c' }),
      }).database.restore?.snapshot,
    ).toBe('arn:aws:rds:eu-west-1:210987654321:cluster-snapshot:awsbackup:job-0f1e2d3c');
  });

  test('one source, not none or two', () => {
    expect(errorsOf('prod', restore({ generation: 2 }))).toEqual([
      'prod: database.restore.snapshot or pointInTime must be set, not both: what to restore from',
    ]);
    expect(
      errorsOf(
        'prod',
        restore({ generation: 2, snapshot: 'snap', 'pointInTime.source': 'cs2analytics-prod', 'pointInTime.time': 'latest' }),
      ),
    ).toEqual(['prod: database.restore.snapshot or pointInTime must be set, not both: what to restore from (got "snap")']);
  });

  test('bad values name the field', () => {
    expect(errorsOf('prod', restore({ generation: 1, snapshot: 'snap' }))).toEqual([
      'prod: database.restore.generation must be an integer from 2 to 99 (got 1)',
    ]);
    expect(errorsOf('prod', restore({ generation: 2, snapshot: 'my snapshot' }))).toEqual([
      'prod: database.restore.snapshot must be a DB snapshot (instance engine) or DB cluster snapshot (aurora) name or ARN (got "my snapshot")',
    ]);
    expect(
      errorsOf('prod', restore({ generation: 2, 'pointInTime.source': 'cs2analytics-prod', 'pointInTime.time': '2026-12-07 03:15' })),
    ).toEqual([
      'prod: database.restore.pointInTime.time must be a UTC time such as 2026-12-07T03:15:00Z, or latest (got "2026-12-07 03:15")',
    ]);
  });

  test("the point in time's source must be a database of this environment from before this generation", () => {
    expect(
      errorsOf('prod', restore({ generation: 2, 'pointInTime.source': 'cs2analytics-staging', 'pointInTime.time': 'latest' })),
    ).toEqual([
      'prod: database.restore.pointInTime.source must be a database of prod before generation 2 (cs2analytics-prod), the one in service now (got "cs2analytics-staging")',
    ]);
    expect(
      errorsOf('prod', restore({ generation: 2, 'pointInTime.source': 'cs2analytics-prod-r2', 'pointInTime.time': 'latest' })),
    ).toEqual([
      'prod: database.restore.pointInTime.source must be a database of prod before generation 2 (cs2analytics-prod), the one in service now (got "cs2analytics-prod-r2")',
    ]);
  });
});
