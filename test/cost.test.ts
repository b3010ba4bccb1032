import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  estimate,
  FREE_RESOURCE_TYPES,
  PRICED_RESOURCE_TYPES,
  scheduledRunningShare,
  UnpricedResourceError,
  type StackTemplate,
} from '../scripts/lib/cost/estimate';
import { main as cost } from '../scripts/cost';
import { formatEnvironments, formatEstimate, formatSummary } from '../scripts/lib/cost/format';
import { PRICE_TABLES, priceTableFor, type Price, type PriceTable } from '../scripts/lib/cost/price-table';
import { idleUsage } from '../scripts/lib/cost/usage';
import { runInProcess } from './support/command';
import { synthesized, templatesForConfig } from './support/synthesized';

const root = path.join(__dirname, '..');

/** Round prices, so that the fixture can be priced by hand below. */
function fixtureTable(): PriceTable {
  const real = PRICE_TABLES['eu-west-1'];
  const price = (usd: number, unit = 'unit'): Price => ({ usd, unit, page: 'https://example.com/fixture' });
  const zero = Object.fromEntries(Object.entries(real.prices).map(([key, value]) => [key, 'usd' in value ? price(0) : {}]));
  return {
    region: 'fixture-1',
    date: '2026-01-01',
    prices: {
      ...(zero as unknown as PriceTable['prices']),
      natGatewayHour: price(0.05),
      natGatewayGb: price(0.05),
      publicIpv4Hour: price(0.005),
      auroraInstanceHour: { 'db.t4g.medium': price(0.1) },
      auroraStorageGbMonth: price(0.1),
      auroraIoMillion: price(0.2),
      rdsProxyVcpuHour: price(0.015),
      fargateSpotVcpuHour: price(0.01),
      fargateSpotGbHour: price(0.001),
      logsIngestedGb: price(0.5),
      logsStoredGbMonth: price(0.03),
    },
  };
}

const FIXTURE: StackTemplate = {
  stackName: 'Fixture',
  template: {
    Resources: {
      Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} },
      NatAddress: { Type: 'AWS::EC2::EIP', Properties: {} },
      Cluster: { Type: 'AWS::RDS::DBCluster', Properties: { Engine: 'aurora-postgresql' } },
      Writer: {
        Type: 'AWS::RDS::DBInstance',
        Properties: { Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium', DBClusterIdentifier: { Ref: 'Cluster' } },
      },
      Proxy: { Type: 'AWS::RDS::DBProxy', Properties: {} },
      ProxyTargets: {
        Type: 'AWS::RDS::DBProxyTargetGroup',
        Properties: { DBProxyName: { Ref: 'Proxy' }, DBClusterIdentifiers: [{ Ref: 'Cluster' }] },
      },
      Task: {
        Type: 'AWS::ECS::TaskDefinition',
        Properties: { Cpu: '512', Memory: '1024', RuntimePlatform: { CpuArchitecture: 'X86_64' } },
      },
      Service: {
        Type: 'AWS::ECS::Service',
        Properties: {
          TaskDefinition: { Ref: 'Task' },
          DesiredCount: 2,
          CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
        },
      },
      ServiceScaling: {
        Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
        Properties: {
          MinCapacity: 2,
          MaxCapacity: 4,
          ResourceId: { 'Fn::Join': ['', ['service/', { Ref: 'ClusterName' }, '/', { 'Fn::GetAtt': ['Service', 'Name'] }]] },
          ScheduledActions: [
            { ScheduledActionName: 'stop', Schedule: 'cron(0 19 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 } },
            { ScheduledActionName: 'start', Schedule: 'cron(0 7 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 4 } },
          ],
        },
      },
      Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
    },
  },
};

describe('the estimate', () => {
  test('prices a small fixture as computed by hand', () => {
    const usage = idleUsage({ database: { allocatedStorageGiB: 20 } });
    const result = estimate([FIXTURE], fixtureTable(), usage);
    const runningShare = (12 * 5) / 168; // 07:00-19:00 UTC, Monday to Friday
    const byHand = {
      nat: 730 * 0.05 + 10 * 0.05,
      address: 730 * 0.005,
      writer: 730 * 0.1,
      cluster: 20 * 0.1 + 1 * 0.2,
      proxy: 2 * 730 * 0.015, // the minimum: 2 vCPUs
      service: 2 * 730 * runningShare * (0.5 * 0.01 + 1 * 0.001),
      logs: 0.5 * 0.5 + 0.5 * (30 / 30.42) * 0.03,
    };
    const of = (resource: string) =>
      result.lines.filter((line) => line.resource === resource).reduce((sum, line) => sum + line.monthlyUsd, 0);
    expect(of('Nat')).toBeCloseTo(byHand.nat, 3);
    expect(of('NatAddress')).toBeCloseTo(byHand.address, 3);
    expect(of('Writer')).toBeCloseTo(byHand.writer, 3);
    expect(of('Cluster')).toBeCloseTo(byHand.cluster, 3);
    expect(of('Proxy')).toBeCloseTo(byHand.proxy, 3);
    expect(of('Service')).toBeCloseTo(byHand.service, 2);
    expect(of('Logs')).toBeCloseTo(byHand.logs, 3);
    expect(of('Role')).toBe(0);
    const total = Object.values(byHand).reduce((sum, value) => sum + value, 0);
    expect(result.totalUsd).toBeCloseTo(total, 1);
    expect(result.stacks).toEqual([{ stack: 'Fixture', monthlyUsd: result.totalUsd }]);
  });

  test('fails on a resource type it neither prices nor lists as free, naming it', () => {
    const unknown: StackTemplate = {
      stackName: 'S',
      template: { Resources: { Thing: { Type: 'AWS::Foo::Bar' }, Role: { Type: 'AWS::IAM::Role' } } },
    };
    expect(() => estimate([unknown], fixtureTable(), idleUsage({ database: { allocatedStorageGiB: 20 } }))).toThrow(
      /no price and no free listing for: S Thing \(AWS::Foo::Bar\)/,
    );
  });

  test('refuses a class the region does not offer, saying which sizes its family comes in', () => {
    const micro: StackTemplate = {
      stackName: 'S',
      template: {
        Resources: {
          Cache: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: 'cache.r7g.micro', NumCacheClusters: 1 } },
        },
      },
    };
    expect(() => estimate([micro], PRICE_TABLES['eu-west-1'], idleUsage({ database: { allocatedStorageGiB: 20 } }))).toThrow(
      'S Cache: no ElastiCache node price for cache.r7g.micro: not offered in the region (cache.r7g comes in large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge)',
    );
  });

  test('prices a Valkey node at Valkey prices, and refuses an engine it has none for', () => {
    const cache = (Engine: string): StackTemplate => ({
      stackName: 'S',
      template: {
        Resources: {
          Cache: {
            Type: 'AWS::ElastiCache::ReplicationGroup',
            Properties: { Engine, CacheNodeType: 'cache.t4g.small', NumCacheClusters: 2 },
          },
        },
      },
    });
    const usage = idleUsage({ database: { allocatedStorageGiB: 20 } });
    const valkey = estimate([cache('valkey')], PRICE_TABLES['eu-west-1'], usage).lines[0];
    expect([valkey.item, valkey.unitUsd, valkey.monthlyUsd]).toEqual(['2 x cache.t4g.small Valkey node', 0.0284, 41.464]);
    const redis = estimate([cache('redis')], PRICE_TABLES['eu-west-1'], usage).lines[0];
    expect([redis.item, redis.unitUsd, redis.monthlyUsd]).toEqual(['2 x cache.t4g.small node', 0.0355, 51.83]);
    expect(() => estimate([cache('memcached')], PRICE_TABLES['eu-west-1'], usage)).toThrow(
      /S Cache: no price for ElastiCache engine memcached/,
    );
  });

  test('fails on an instance class the table has no price for', () => {
    const big: StackTemplate = {
      stackName: 'S',
      template: {
        Resources: {
          Cache: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: 'cache.x2gd.16xlarge', NumCacheClusters: 1 } },
        },
      },
    };
    expect(() => estimate([big], PRICE_TABLES['eu-west-1'], idleUsage({ database: { allocatedStorageGiB: 20 } }))).toThrow(
      UnpricedResourceError,
    );
    expect(() => estimate([big], PRICE_TABLES['eu-west-1'], idleUsage({ database: { allocatedStorageGiB: 20 } }))).toThrow(
      /no ElastiCache node price for cache\.x2gd\.16xlarge/,
    );
  });

  test('prices Aurora Serverless v2 behind RDS Proxy at its floors: the instance at its minimum ACUs, the proxy at 8 ACUs', () => {
    const serverless: StackTemplate = {
      stackName: 'S',
      template: {
        Resources: {
          Cluster: {
            Type: 'AWS::RDS::DBCluster',
            Properties: { Engine: 'aurora-postgresql', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 } },
          },
          Writer: {
            Type: 'AWS::RDS::DBInstance',
            Properties: { Engine: 'aurora-postgresql', DBInstanceClass: 'db.serverless', DBClusterIdentifier: { Ref: 'Cluster' } },
          },
          Proxy: { Type: 'AWS::RDS::DBProxy', Properties: {} },
          Targets: {
            Type: 'AWS::RDS::DBProxyTargetGroup',
            Properties: { DBProxyName: { Ref: 'Proxy' }, DBClusterIdentifiers: [{ Ref: 'Cluster' }] },
          },
        },
      },
    };
    const table = PRICE_TABLES['eu-west-1'];
    const result = estimate([serverless], table, idleUsage({ database: { allocatedStorageGiB: 20 } }));
    const of = (resource: string) =>
      result.lines.filter((line) => line.resource === resource).reduce((sum, line) => sum + line.monthlyUsd, 0);
    expect(of('Writer')).toBeCloseTo(0.5 * 730 * table.prices.auroraServerlessAcuHour.usd, 2);
    expect(of('Proxy')).toBeCloseTo(8 * 730 * table.prices.rdsProxyAcuHour.usd, 2);
    // docs/cost.md's figures.
    expect(of('Writer').toFixed(2)).toBe('51.10');
    expect(of('Proxy').toFixed(2)).toBe('105.12');
  });

  test('fails rather than price a quantity it cannot read', () => {
    const unsized: StackTemplate = {
      stackName: 'S',
      template: {
        Resources: {
          Db: { Type: 'AWS::RDS::DBInstance', Properties: { Engine: 'postgres', DBInstanceClass: 'db.t4g.micro', StorageType: 'gp3' } },
        },
      },
    };
    expect(() => estimate([unsized], PRICE_TABLES['eu-west-1'], idleUsage({ database: { allocatedStorageGiB: 20 } }))).toThrow(
      /S Db: cannot tell the quantity of gp3 storage \(allocated\) from the template/,
    );
  });

  test('refuses a region with no prices, saying which regions have them', () => {
    expect(() => priceTableFor('ap-south-2')).toThrow(/no prices for region ap-south-2: the price table .* has eu-west-1/);
  });

  test('no type is both priced and free', () => {
    expect(PRICED_RESOURCE_TYPES.filter((type) => type in FREE_RESOURCE_TYPES)).toEqual([]);
  });

  test('every price names its AWS pricing page and the table its date', () => {
    for (const table of Object.values(PRICE_TABLES)) {
      expect(table.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const prices = Object.values(table.prices).flatMap((value) =>
        'usd' in value ? [value as Price] : Object.values(value as Record<string, Price>),
      );
      for (const price of prices) {
        expect(price.page).toMatch(/^https:\/\/aws\.amazon\.com\//);
        expect(price.usd).toBeGreaterThan(0);
      }
    }
  });

  test('every instance price comes from a family of the table, and says where it relies on the price scaling with size', () => {
    const table = PRICE_TABLES['eu-west-1'];
    const families = table.families!;
    const kinds = [
      [table.prices.auroraInstanceHour, families.aurora],
      [table.prices.rdsSingleAzInstanceHour, families.rdsSingleAz],
      [table.prices.rdsMultiAzInstanceHour, families.rdsMultiAz],
      [table.prices.elastiCacheNodeHour, families.elastiCacheRedis],
      [table.prices.elastiCacheValkeyNodeHour, families.elastiCacheValkey],
      [table.prices.ec2InstanceHour, families.ec2],
    ] as const;
    for (const [prices, priced] of kinds) {
      expect(Object.keys(prices).sort()).toEqual(priced.flatMap(({ family, sizes }) => sizes.map((size) => `${family}.${size}`)).sort());
      for (const family of priced) {
        for (const size of family.sizes) {
          const price = prices[`${family.family}.${size}`];
          const own = size === family.base.size || family.figures?.[size] !== undefined;
          // A size with no figure of its own is the base figure scaled, and says so.
          if (!own) expect(price.derived).toMatch(new RegExp(`scales with size from ${family.base.size} at ${family.base.usd}$`));
        }
      }
    }
    // Read for eu-west-1, not derived: the figures the table had before it priced whole families.
    expect(table.prices.auroraInstanceHour['db.r6g.large'].derived).toBeUndefined();
    expect(table.prices.rdsSingleAzInstanceHour['db.t4g.medium'].derived).toBeUndefined();
    expect(table.prices.elastiCacheNodeHour['cache.r6g.large'].derived).toBeUndefined();
    expect(table.prices.ec2InstanceHour['t4g.micro'].derived).toBeUndefined();
  });

  test('reads the running share of scheduled scaling, and refuses a schedule it cannot read', () => {
    expect(scheduledRunningShare([], 'x')).toBe(1);
    const daily = [
      { Schedule: 'cron(0 20 * * ? *)', ScalableTargetAction: { MaxCapacity: 0 } },
      { Schedule: 'cron(0 8 * * ? *)', ScalableTargetAction: { MaxCapacity: 2 } },
    ];
    expect(scheduledRunningShare(daily, 'x')).toBeCloseTo(12 / 24, 6);
    expect(() => scheduledRunningShare([{ ScheduledActionName: 'odd', Schedule: 'rate(1 hour)' }], 'S Service')).toThrow(
      /S Service: cannot read the schedule rate\(1 hour\) of scheduled action odd/,
    );
  });
});

describe('every environment', () => {
  const estimates = Object.fromEntries(
    (['dev', 'staging', 'prod'] as const).map((envName) => {
      const result = synthesized(envName);
      const stacks = result.stacks.map((stack) => ({
        stackName: stack.stackName,
        template: JSON.parse(fs.readFileSync(stack.templateFile, 'utf8')),
      }));
      return [envName, estimate(stacks, priceTableFor(result.config.region), idleUsage(result.config))];
    }),
  );

  test('is estimated, every resource priced or listed as free, and costs dev < staging < prod', () => {
    expect(estimates.dev.totalUsd).toBeGreaterThan(0);
    expect(estimates.dev.totalUsd).toBeLessThan(estimates.staging.totalUsd);
    expect(estimates.staging.totalUsd).toBeLessThan(estimates.prod.totalUsd);
  });

  test('the other engine mode, with read replicas, is priced too: each replica on its own gp3 storage', () => {
    const result = synthesized('prod-instance');
    const stacks = result.stacks.map((stack) => ({
      stackName: stack.stackName,
      template: JSON.parse(fs.readFileSync(stack.templateFile, 'utf8')),
    }));
    const priced = estimate(stacks, priceTableFor(result.config.region), idleUsage(result.config));
    const storage = priced.lines.filter((line) => line.type === 'AWS::RDS::DBInstance' && line.item.startsWith('gp3 storage'));
    expect(storage).toHaveLength(1 + result.config.database.readers);
    const database = result.config.database;
    if (database.engine !== 'instance') throw new Error('prod-instance is in instance mode');
    for (const line of storage) expect(line.quantity).toBe(database.allocatedStorageGiB);
  });

  test('dev stays within 120 USD a month by the table', () => {
    expect(estimates.dev.totalUsd).toBeLessThanOrEqual(120);
  });

  test("the cost page's table is the tool's", () => {
    const readme = fs.readFileSync(path.join(root, 'docs', 'cost.md'), 'utf8');
    const summary = formatSummary(Object.entries(estimates).map(([envName, estimate]) => ({ envName, estimate })));
    expect(readme).toContain(`\`\`\`\n${summary}\n\`\`\``);
    expect(readme).toContain(`prices of ${PRICE_TABLES['eu-west-1'].date}`);
    // The README's summary: each environment's total and the price date.
    const front = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const [envName, result] of Object.entries(estimates)) expect(front).toContain(`| ${envName} | ${result.totalUsd.toFixed(2)} |`);
    expect(front).toContain(`prices of ${PRICE_TABLES['eu-west-1'].date}`);
  });
});

test("the cost page's lever savings are the tool's", async () => {
  const { status, stdout } = await runInProcess((argv) => cost(argv, templatesForConfig), ['--env', 'dev', '--json', '--levers']);
  expect(status).toBe(0);
  const readme = fs.readFileSync(path.join(root, 'docs', 'cost.md'), 'utf8');
  const { levers } = JSON.parse(stdout) as { levers: { lever: string; on: boolean; savesUsd: number }[] };
  expect(levers).toHaveLength(4);
  for (const lever of levers) {
    expect(lever.on).toBe(true); // every lever is on in dev
    expect(lever.savesUsd).toBeGreaterThan(0);
    expect(readme).toMatch(new RegExp(`\\| ${lever.savesUsd.toFixed(2).replace('.', '\\.')} \\|`));
  }
});

describe('npm run cost', () => {
  test('prints the assumptions, a line per priced item and per stack, the total, and ends with the summary table', async () => {
    // Through npm once, as the README shows it; the other cases call the same main function in-process.
    const { status, stdout } = await new Promise<{ status: number; stdout: string }>((resolve) =>
      execFile('npm', ['run', '-s', 'cost', '--', '--env', 'dev'], { cwd: root, encoding: 'utf8' }, (error, out) =>
        resolve({ status: error ? Number(error.code) : 0, stdout: out }),
      ),
    );
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CS2 Analytics dev: estimated monthly cost in eu-west-1, on-demand USD, prices of \d{4}-\d{2}-\d{2}$/);
    expect(stdout).toContain('assumes: 730 hours a month');
    expect(stdout).toMatch(
      /Cs2Analytics-dev-data {2}\S+ \(AWS::RDS::DBProxy\) {2}proxy for 2 vCPUs \(minimum 2\) {2}1460 vCPU-hour {2}x [\d.]+ USD {2}= [\d.]+ USD\/month/,
    );
    expect(stdout).toMatch(/^stack Cs2Analytics-dev-network: [\d.]+ USD\/month$/m);
    const total = /^total dev: ([\d.]+) USD\/month$/m.exec(stdout)![1];
    // The summary: a row per stack, the total last.
    const summary = lines.slice(lines.indexOf('USD/month by stack:'));
    expect(summary.slice(1, 3)).toEqual(['| stack       |    dev |', '|-------------|-------:|']);
    expect(summary.slice(3, -1).map((line) => line.split('|')[1].trim())).toEqual([
      'network',
      'registry',
      'data',
      'maintenance',
      'services',
      'monitoring',
    ]);
    expect(lines[lines.length - 1]).toBe(`| total       | ${total.padStart(6)} |`);
  });

  test('refuses a region with no prices', async () => {
    const { status, stderr } = await runInProcess(cost, [
      '--env',
      'dev',
      '-c',
      'region=ap-south-2',
      '-c',
      'network.availabilityZones=["ap-south-2a","ap-south-2b"]',
    ]);
    expect(status).toBe(1);
    expect(stderr).toContain('no prices for region ap-south-2');
  });
});

describe('the summary', () => {
  const stacks = (env: string, values: Record<string, number>) =>
    Object.entries(values).map(([name, monthlyUsd]) => ({ stack: `Cs2Analytics-${env}-${name}`, monthlyUsd }));
  const fixture = (env: string, values: Record<string, number>, totalUsd: number) => ({
    envName: env,
    estimate: { region: 'fixture-1', priceDate: '2026-01-01', lines: [], stacks: stacks(env, values), totalUsd },
  });
  const small = fixture('small', { network: 1.5, data: 20 }, 21.5);
  const large = fixture('large', { network: 105.27, data: 1769.18, extra: 0.3 }, 1874.75);

  test('is a table of USD/month per stack and the total, one column per environment; a stack one lacks shows -', () => {
    expect(formatSummary([small, large])).toBe(
      [
        'USD/month by stack:',
        '| stack   | small |   large |',
        '|---------|------:|--------:|',
        '| network |  1.50 |  105.27 |',
        '| data    | 20.00 | 1769.18 |',
        '| extra   |     - |    0.30 |',
        '| total   | 21.50 | 1874.75 |',
      ].join('\n'),
    );
  });

  test('ends the estimate of one environment', () => {
    const printed = formatEstimate('small', small.estimate, ['730 hours a month']).split('\n');
    expect(printed.slice(0, 2)).toEqual([
      'CS2 Analytics small: estimated monthly cost in fixture-1, on-demand USD, prices of 2026-01-01',
      'assumes: 730 hours a month',
    ]);
    expect(printed.slice(-10)).toEqual([
      'stack Cs2Analytics-small-data: 20.00 USD/month',
      '',
      'total small: 21.50 USD/month',
      '',
      'USD/month by stack:',
      '| stack   | small |',
      '|---------|------:|',
      '| network |  1.50 |',
      '| data    | 20.00 |',
      '| total   | 21.50 |',
    ]);
  });

  test('of every environment: the price table once, shared assumptions once and the others per environment', () => {
    const printed = formatEnvironments([
      { ...small, assumptions: ['730 hours a month', 'backups of 20 GB'] },
      { ...large, assumptions: ['730 hours a month', 'backups of 100 GB'] },
    ]).split('\n');
    expect(printed.slice(0, 5)).toEqual([
      'CS2 Analytics small, large: estimated monthly cost in fixture-1, on-demand USD, prices of 2026-01-01',
      'assumes: 730 hours a month',
      'assumes (small): backups of 20 GB',
      'assumes (large): backups of 100 GB',
      '',
    ]);
    expect(printed.slice(5).join('\n')).toBe(formatSummary([small, large]));
  });
});

describe('npm run cost -- --env all', () => {
  test('prints the environments side by side, as the cost page shows them', async () => {
    const { status, stdout } = await runInProcess((argv) => cost(argv, templatesForConfig), ['--env', 'all']);
    expect(status).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `CS2 Analytics dev, staging, prod: estimated monthly cost in eu-west-1, on-demand USD, prices of ${PRICE_TABLES['eu-west-1'].date}`,
    );
    const summary = lines.slice(lines.indexOf('USD/month by stack:')).join('\n');
    expect(summary.split('\n')[1]).toBe('| stack       |    dev | staging |    prod |');
    expect(summary.split('\n').pop()).toMatch(/^\| total +\| +[\d.]+ \| +[\d.]+ \| +[\d.]+ \|$/);
    // docs/cost.md shows this table as the tool prints it.
    expect(fs.readFileSync(path.join(root, 'docs', 'cost.md'), 'utf8')).toContain(`\`\`\`\n${summary}\n\`\`\``);
  });

  test('with --json: every environment, keyed by name, with its assumptions', async () => {
    const { status, stdout } = await runInProcess((argv) => cost(argv, templatesForConfig), ['--env', 'all', '--json']);
    expect(status).toBe(0);
    const printed = JSON.parse(stdout) as {
      env: string;
      environments: Record<string, { env: string; totalUsd: number; assumptions: string[] }>;
    };
    expect(printed.env).toBe('all');
    expect(Object.keys(printed.environments)).toEqual(['dev', 'staging', 'prod']);
    for (const [name, environment] of Object.entries(printed.environments)) {
      expect(environment.env).toBe(name);
      expect(environment.totalUsd).toBeGreaterThan(0);
      expect(environment.assumptions[0]).toMatch(/^730 hours a month/);
    }
  });
});
