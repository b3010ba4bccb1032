/**
 * A price for everything the config accepts: walks the values the schema allows for every field that
 * picks something AWS prices by type (database.instanceType under both engines and both deployments,
 * cache.nodeType under both engines, network.natInstanceType, the services' Fargate sizes), reading the
 * allowed values from the zod schema itself, and prices each through the estimator.
 *
 * The schema names sizes, not families: instanceType and nodeType are any `family.size` with one of the
 * sizes its pattern lists, and then refuses a class the region does not offer (lib/config/offerings.ts,
 * from the AWS Price List). So the families walked are every family AWS offers in the region and one it
 * does not; each is combined with every size the pattern allows (its literal sizes, every `<n>xlarge`
 * offered anywhere, and samples of its other forms). Every combination the schema accepts is priced, at
 * a positive price; every other is refused by the schema, with the reason.
 *
 * Each value is priced as `npm run cost -- -c <field>=<value>` would price it: the config is loaded with
 * the override (the schema's verdict), and the value is put into the templates of the environment as
 * synthesized, where the synthesis puts it (checked below against a full synthesis for a few values).
 */
import { z } from 'zod';
import { loadConfig } from '../lib/config/load';
import { cacheSchema, databaseSchema, FARGATE_SIZES, networkSchema, type EnvironmentConfig } from '../lib/config/schema';
import { main as cost } from '../scripts/cost';
import { estimate, UnpricedResourceError, type Estimate, type StackTemplate } from '../scripts/lib/cost/estimate';
import { OFFERINGS, type FamilySizes } from '../lib/config/offerings';
import { priceTableFor } from '../scripts/lib/cost/price-table';
import { idleUsage } from '../scripts/lib/cost/usage';
import { runInProcess } from './support/command';
import { templatesForConfig } from './support/synthesized';

/** The stand-in account `npm run cost` loads configs with. */
const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const OFFERED = OFFERINGS[REGION];
const TABLE = priceTableFor(REGION);
/** prod on the instance engine, as test/support/variants.ts pins it. */
const INSTANCE_ENGINE = {
  'database.engine': 'instance',
  'database.readers': 2,
  'database.multiAz': true,
  'database.allocatedStorageGiB': 100,
  'database.maxAllocatedStorageGiB': 1000,
};

// ---- The schema's allowed values, read from the schema --------------------------------------------

/** The pattern a string field is validated with, as zod's public JSON Schema export writes it. */
function patternOf(field: z.ZodType): RegExp {
  const { pattern } = z.toJSONSchema(field, { unrepresentable: 'any' }) as { pattern?: string };
  if (pattern === undefined) throw new Error('the field has no pattern check');
  return new RegExp(pattern);
}

/** The alternatives of a pattern's last group, the one after `\.(`: its sizes (`micro|small|...`). */
function sizeAlternatives(pattern: RegExp): string[] {
  const source = pattern.source;
  const start = source.lastIndexOf('\\.(') + 3;
  let depth = 1;
  let end = start;
  for (; end < source.length && depth > 0; end++) {
    if (source[end] === '(') depth++;
    else if (source[end] === ')') depth--;
  }
  const group = source.slice(start, end - 1);
  const alternatives: string[] = [];
  let current = '';
  depth = 0;
  for (const character of group) {
    if (character === '|' && depth === 0) {
      alternatives.push(current);
      current = '';
      continue;
    }
    if (character === '(') depth++;
    if (character === ')') depth--;
    current += character;
  }
  return [...alternatives, current];
}

/**
 * The sizes to try: the pattern's literal sizes, every size AWS offers any family in, and samples of
 * its other forms (`\d+xlarge`, `metal(-\d+xl)?`), each kept only if the pattern's size group takes it.
 */
function sizesToTry(pattern: RegExp, offered: readonly FamilySizes[]): string[] {
  const alternatives = sizeAlternatives(pattern);
  const sizeGroup = new RegExp(`^(?:${alternatives.join('|')})$`);
  const literal = alternatives.filter((alternative) => /^[a-z]+$/.test(alternative));
  const everyOffered = offered.flatMap((families) => Object.values(families).flat());
  const samples = ['nano', '3xlarge', '64xlarge', 'metal', 'metal-48xl'];
  return [...new Set([...literal, ...everyOffered, ...samples])].filter((size) => sizeGroup.test(size));
}

/** Whether the schema (and the loader's rules) accept prod, or another environment, with these overrides. */
function accepts(overrides: Record<string, unknown>, envName = 'prod'): EnvironmentConfig | undefined {
  try {
    return loadConfig({ envName, overrides, defaultAccount: ACCOUNT });
  } catch {
    return undefined;
  }
}

// ---- Pricing a value as the templates carry it ----------------------------------------------------

const templatesCache = new Map<string, StackTemplate[]>();
/** The environment's templates as `npm run cost` synthesizes them (read from disk after a first run). */
function templatesOf(overrides: Record<string, unknown>, envName = 'prod'): StackTemplate[] {
  const key = JSON.stringify([envName, overrides]);
  let stacks = templatesCache.get(key);
  if (!stacks) {
    const config = loadConfig({ envName, overrides, defaultAccount: ACCOUNT });
    stacks = [...templatesForConfig(config)].map(([stackName, template]) => ({ stackName, template }));
    templatesCache.set(key, stacks);
  }
  return stacks;
}

/** The templates with every resource of `type` changed by `change` (a copy: the originals stay). */
function withResources(stacks: readonly StackTemplate[], type: string, change: (properties: any) => void): StackTemplate[] {
  let changed = 0;
  const copies = stacks.map(({ stackName, template }) => {
    const copy = structuredClone(template) as { Resources?: Record<string, { Type: string; Properties?: any }> };
    for (const resource of Object.values(copy.Resources ?? {})) {
      if (resource.Type === type && resource.Properties) {
        change(resource.Properties);
        changed++;
      }
    }
    return { stackName, template: copy };
  });
  if (changed === 0) throw new Error(`no ${type} in the templates`);
  return copies;
}

const priceOf = (stacks: readonly StackTemplate[], config: EnvironmentConfig) => estimate(stacks, TABLE, idleUsage(config));
const monthly = (result: Estimate, type: string) =>
  result.lines.filter((line) => line.type === type).reduce((sum, line) => sum + line.monthlyUsd, 0);

/** The price of what failed, or the estimator's reason: priced classes give a number, others a message. */
function outcome(run: () => Estimate, type: string): { usd: number } | { refused: string } {
  try {
    return { usd: monthly(run(), type) };
  } catch (error) {
    if (error instanceof UnpricedResourceError) return { refused: error.message };
    throw error;
  }
}

interface Walk {
  readonly priced: string[];
  readonly refusedBySchema: string[];
}

/**
 * Every family (offered, plus one that is not) with every size to try: the schema's verdict, then the
 * estimator's. A class the schema accepts must be offered and priced at a positive price.
 */
function walk(
  families: readonly string[],
  sizes: readonly string[],
  isOffered: (family: string, size: string) => boolean,
  price: (value: string) => { config: EnvironmentConfig; run: () => Estimate } | undefined,
  type: string,
): Walk {
  const result: Walk = { priced: [], refusedBySchema: [] };
  for (const family of families) {
    for (const size of sizes) {
      const value = `${family}.${size}`;
      const attempt = price(value);
      if (!attempt) {
        result.refusedBySchema.push(value);
        continue;
      }
      if (!isOffered(family, size)) throw new Error(`${value} is not offered in the region, yet the schema accepts it`);
      const verdict = outcome(attempt.run, type);
      if (!('usd' in verdict)) throw new Error(`${value} is offered and accepted by the schema, yet: ${verdict.refused}`);
      expect(verdict.usd).toBeGreaterThan(0);
      result.priced.push(value);
    }
  }
  return result;
}

const offeredIn = (families: FamilySizes) => (family: string, size: string) => families[family]?.includes(size) ?? false;
/** A family no AWS service offers, to show what the estimator says about one. */
const NO_SUCH_FAMILY = 'zz9';

describe('database.instanceType: every class the schema allows', () => {
  const pattern = patternOf(databaseSchema.shape.instanceType);

  test('the schema takes any family with one of its sizes: the walk tries every family AWS offers and one it does not', () => {
    expect(pattern.test('r6g.2xlarge')).toBe(true);
    expect(pattern.test('db.r7g.large')).toBe(true);
    expect(pattern.test(`${NO_SUCH_FAMILY}.large`)).toBe(true);
    expect(sizeAlternatives(pattern)).toEqual(['micro', 'small', 'medium', 'large', 'xlarge', '\\d+xlarge', 'metal(-\\d+xl)?']);
  });

  test('under Aurora: every class offered is priced, writer, readers and the proxy by its vCPUs; the schema refuses the rest with the reason', () => {
    const sizes = sizesToTry(pattern, [OFFERED.auroraPostgresql, OFFERED.rdsPostgresql]);
    const base = templatesOf({});
    const families = [...new Set([...Object.keys(OFFERED.auroraPostgresql), ...Object.keys(OFFERED.rdsPostgresql), NO_SUCH_FAMILY])];
    const result = walk(
      families,
      sizes,
      offeredIn(OFFERED.auroraPostgresql),
      (value) => {
        const config = accepts({ 'database.instanceType': value });
        if (!config) return undefined;
        const stacks = withResources(base, 'AWS::RDS::DBInstance', (properties) => (properties.DBInstanceClass = `db.${value}`));
        return { config, run: () => priceOf(stacks, config) };
      },
      'AWS::RDS::DBInstance',
    );
    // Every Aurora class offered is accepted and priced: 82 of them.
    const offered = Object.entries(OFFERED.auroraPostgresql).flatMap(([family, each]) => each.map((size) => `${family}.${size}`));
    expect(result.priced.sort()).toEqual(offered.sort());
    expect(result.priced).toHaveLength(82);
    // What Aurora does not offer is refused by the schema, saying why: a size the family lacks, or no such family.
    const refusal = (value: string) => {
      try {
        loadConfig({ envName: 'prod', overrides: { 'database.instanceType': value }, defaultAccount: ACCOUNT });
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(refusal('r6g.micro')).toContain(
      'prod: database.instanceType must be a class Aurora PostgreSQL offers in eu-west-1: db.r6g comes in large, xlarge, ',
    );
    expect(refusal('m7g.large')).toContain(
      'prod: database.instanceType must be a class Aurora PostgreSQL offers in eu-west-1: it has no db.m7g family',
    );
    for (const value of ['r6g.micro', 'r6g.metal', 'm7g.large', `${NO_SUCH_FAMILY}.large`, 't4g.micro', 't3.2xlarge', 'm3.large']) {
      expect(result.refusedBySchema).toContain(value);
    }
  });

  for (const multiAz of [true, false]) {
    test(`on RDS for PostgreSQL, ${multiAz ? 'Multi-AZ' : 'Single-AZ'}: every class offered that the schema accepts is priced; the schema refuses the retired families`, () => {
      const overrides = { ...INSTANCE_ENGINE, 'database.multiAz': multiAz };
      const base = templatesOf(INSTANCE_ENGINE);
      const sizes = sizesToTry(pattern, [OFFERED.auroraPostgresql, OFFERED.rdsPostgresql]);
      const families = [...new Set([...Object.keys(OFFERED.rdsPostgresql), NO_SUCH_FAMILY])];
      const result = walk(
        families,
        sizes,
        offeredIn(OFFERED.rdsPostgresql),
        (value) => {
          const config = accepts({ ...overrides, 'database.instanceType': value });
          if (!config) return undefined;
          const stacks = withResources(base, 'AWS::RDS::DBInstance', (properties) => {
            properties.DBInstanceClass = `db.${value}`;
            properties.MultiAZ = multiAz;
          });
          return { config, run: () => priceOf(stacks, config) };
        },
        'AWS::RDS::DBInstance',
      );
      // The Price List's classes in the families RDS no longer runs PostgreSQL 17 on are the only offered ones the schema refuses.
      const offered = Object.entries(OFFERED.rdsPostgresql).flatMap(([family, each]) => each.map((size) => `${family}.${size}`));
      const retired = offered.filter((value) => /^(t1|t2|m1|m2|m3|r3)\./.test(value));
      expect(retired).toHaveLength(23);
      expect(result.priced.sort()).toEqual(offered.filter((value) => !retired.includes(value)).sort());
      expect(result.priced).toHaveLength(241);
      expect(retired.every((value) => result.refusedBySchema.includes(value))).toBe(true);
      for (const value of ['m7g.micro', 'r8g.64xlarge', `${NO_SUCH_FAMILY}.large`]) expect(result.refusedBySchema).toContain(value);
    });
  }

  test('spot values, as the table prices them (USD per hour, and per month of 730 hours)', () => {
    const prices = TABLE.prices;
    expect(prices.auroraInstanceHour['db.r6g.2xlarge']).toMatchObject({ usd: 1.144, derived: 'scales with size from large at 0.286' });
    expect(prices.auroraInstanceHour['db.r7g.large'].usd).toBe(0.3036);
    expect(prices.auroraInstanceHour['db.r8g.48xlarge'].usd).toBe(29.1456);
    expect(prices.auroraInstanceHour['db.t4g.large'].usd).toBe(0.16);
    expect(prices.rdsSingleAzInstanceHour['db.m7g.xlarge'].usd).toBe(0.3696);
    expect(prices.rdsMultiAzInstanceHour['db.m7g.xlarge'].usd).toBe(0.7392);
    expect(prices.rdsSingleAzInstanceHour['db.t4g.micro']).toEqual({
      usd: 0.017,
      unit: 'hour',
      page: 'https://aws.amazon.com/rds/postgresql/pricing/',
    });
    expect(prices.rdsSingleAzInstanceHour['db.r7i.large'].derived).toMatch(
      /^no figure found: us-east-1 db\.r6i\.large 0\.25 x 1\.05 \(EC2 on demand r7i\.large\/r6i\.large/,
    );
  });
});

describe('cache.nodeType: every node type the schema allows, under both engines', () => {
  const pattern = patternOf(cacheSchema.shape.nodeType);
  const engines = {
    redis: { version: '7.1', label: 'Redis OSS' },
    valkey: { version: '8.0', label: 'Valkey' },
  } as const;

  for (const [engine, { version, label }] of Object.entries(engines)) {
    test(`${engine}: every node type offered that the schema accepts is priced; the schema refuses the rest`, () => {
      const offered = OFFERED.elastiCache[engine as keyof typeof engines];
      const base = templatesOf({});
      const sizes = sizesToTry(pattern, [OFFERED.elastiCache.redis, OFFERED.elastiCache.valkey]);
      const families = [...new Set([...Object.keys(OFFERED.elastiCache.valkey), NO_SUCH_FAMILY])];
      const result = walk(
        families,
        sizes,
        offeredIn(offered),
        (value) => {
          const config = accepts({ 'cache.engine': engine, 'cache.engineVersion': version, 'cache.nodeType': `cache.${value}` });
          if (!config) return undefined;
          const stacks = withResources(base, 'AWS::ElastiCache::ReplicationGroup', (properties) => {
            properties.CacheNodeType = `cache.${value}`;
            properties.Engine = engine;
          });
          return { config, run: () => priceOf(stacks, config) };
        },
        'AWS::ElastiCache::ReplicationGroup',
      );
      const everyOffered = Object.entries(offered).flatMap(([family, each]) => each.map((size) => `${family}.${size}`));
      // ElastiCache creates no T2 nodes any more, and the schema refuses them.
      expect(result.priced.sort()).toEqual(everyOffered.filter((value) => !value.startsWith('t2.')).sort());
      expect(result.priced).toHaveLength(engine === 'redis' ? 70 : 91);
      expect(result.refusedBySchema).toContain('r6gd.large');
      if (engine === 'redis') expect(result.refusedBySchema).toContain('r8g.large');
      expect(() =>
        loadConfig({
          envName: 'prod',
          overrides: { 'cache.engine': engine, 'cache.engineVersion': version, 'cache.nodeType': 'cache.r6gd.large' },
          defaultAccount: ACCOUNT,
        }),
      ).toThrow(`prod: cache.nodeType must be a node type ElastiCache offers for ${label} in eu-west-1: cache.r6gd comes in xlarge, `);
    });
  }

  test('spot values: Valkey is 0.8 x Redis OSS on the same node; r8g is Valkey only', () => {
    expect(TABLE.prices.elastiCacheNodeHour['cache.r7g.xlarge'].usd).toBe(0.486);
    expect(TABLE.prices.elastiCacheValkeyNodeHour['cache.r7g.xlarge'].usd).toBe(0.3888);
    expect(TABLE.prices.elastiCacheValkeyNodeHour['cache.r8g.large'].usd).toBe(0.1949);
    expect(TABLE.prices.elastiCacheNodeHour['cache.r8g.large']).toBeUndefined();
  });
});

describe('network.natInstanceType: every type the schema allows', () => {
  test('is priced, from the alternatives of the schema pattern', () => {
    const pattern = patternOf(networkSchema.shape.natInstanceType);
    const types = sizeAlternatives(pattern).map((size) => `t4g.${size}`);
    expect(types).toEqual(['t4g.nano', 't4g.micro', 't4g.small', 't4g.medium']);
    const base = templatesOf({}, 'dev');
    const monthlyByType = Object.fromEntries(
      types.map((type) => {
        const config = accepts({ 'network.natInstanceType': type }, 'dev');
        expect(config).toBeDefined();
        const stacks = withResources(base, 'AWS::EC2::Instance', (properties) => (properties.InstanceType = type));
        const result = priceOf(stacks, config!);
        return [type, result.lines.find((line) => line.item === `${type} instance`)!.monthlyUsd];
      }),
    );
    // 730 hours at 0.0046, 0.0092, 0.0184 and 0.0368 USD.
    expect(monthlyByType).toEqual({ 't4g.nano': 3.358, 't4g.micro': 6.716, 't4g.small': 13.432, 't4g.medium': 26.864 });
  });
});

describe('services: every Fargate size the schema allows', () => {
  test('is priced on demand and on Spot, per vCPU-hour and GB-hour of the task size', () => {
    const base = templatesOf({});
    let sizes = 0;
    for (const [cpu, memories] of Object.entries(FARGATE_SIZES)) {
      for (const memoryMiB of memories) {
        for (const spot of [false, true]) {
          // The web service runs no Service Connect proxy: it takes every size, 256 CPU units too.
          const config = accepts({ 'services.web.cpu': Number(cpu), 'services.web.memoryMiB': memoryMiB, 'services.web.spot': spot });
          expect(config).toBeDefined();
          const stacks = withResources(base, 'AWS::ECS::TaskDefinition', (properties) => {
            properties.Cpu = String(cpu);
            properties.Memory = String(memoryMiB);
          });
          const spotStacks = withResources(stacks, 'AWS::ECS::Service', (properties) => {
            properties.CapacityProviderStrategy = [{ CapacityProvider: spot ? 'FARGATE_SPOT' : 'FARGATE', Weight: 1 }];
          });
          const result = priceOf(spotStacks, config!);
          const vcpu = result.lines.find((line) => line.type === 'AWS::ECS::Service' && line.item.endsWith(`: ${Number(cpu) / 1024} vCPU`));
          const memory = result.lines.find((line) => line.type === 'AWS::ECS::Service' && line.item.endsWith(`: ${memoryMiB / 1024} GB`));
          expect(vcpu?.monthlyUsd).toBeGreaterThan(0);
          expect(memory?.monthlyUsd).toBeGreaterThan(0);
          expect(vcpu?.unitUsd).toBe(spot ? TABLE.prices.fargateSpotVcpuHour.usd : TABLE.prices.fargateVcpuHour.usd);
          sizes++;
        }
      }
    }
    expect(sizes).toBe(2 * (3 + 4 + 7 + 13 + 23));
    // One task of 1 vCPU and 2 GB for a month on demand: 730 x (0.04048 + 2 x 0.004445) = 36.0401.
    expect([TABLE.prices.fargateVcpuHour.usd, TABLE.prices.fargateGbHour.usd]).toEqual([0.04048, 0.004445]);
    expect(730 * (TABLE.prices.fargateVcpuHour.usd + 2 * TABLE.prices.fargateGbHour.usd)).toBeCloseTo(36.0401, 6);
  });
});

describe('npm run cost -c: the same prices through a full synthesis', () => {
  const cases: {
    name: string;
    envName: string;
    overrides: Record<string, unknown>;
    type: string;
    change: (properties: any) => void;
    base: Record<string, unknown>;
  }[] = [
    {
      name: 'Aurora db.r6g.2xlarge (the example of docs/configuration.md)',
      envName: 'prod',
      overrides: { 'database.instanceType': 'r6g.2xlarge' },
      base: {},
      type: 'AWS::RDS::DBInstance',
      change: (properties) => (properties.DBInstanceClass = 'db.r6g.2xlarge'),
    },
    {
      name: 'Aurora db.r7g.large',
      envName: 'prod',
      overrides: { 'database.instanceType': 'r7g.large' },
      base: {},
      type: 'AWS::RDS::DBInstance',
      change: (properties) => (properties.DBInstanceClass = 'db.r7g.large'),
    },
    {
      name: 'RDS for PostgreSQL db.m7g.xlarge, Single-AZ',
      envName: 'prod',
      overrides: { ...INSTANCE_ENGINE, 'database.multiAz': false, 'database.instanceType': 'm7g.xlarge' },
      base: INSTANCE_ENGINE,
      type: 'AWS::RDS::DBInstance',
      change: (properties) => {
        properties.DBInstanceClass = 'db.m7g.xlarge';
        properties.MultiAZ = false;
      },
    },
    {
      name: 'Valkey cache.r7g.xlarge',
      envName: 'prod',
      overrides: { 'cache.engine': 'valkey', 'cache.engineVersion': '8.0', 'cache.nodeType': 'cache.r7g.xlarge' },
      base: {},
      type: 'AWS::ElastiCache::ReplicationGroup',
      change: (properties) => {
        properties.CacheNodeType = 'cache.r7g.xlarge';
        properties.Engine = 'valkey';
      },
    },
    {
      name: 'NAT instance t4g.small',
      envName: 'dev',
      overrides: { 'network.natInstanceType': 't4g.small' },
      base: {},
      type: 'AWS::EC2::Instance',
      change: (properties) => (properties.InstanceType = 't4g.small'),
    },
  ];

  test.each(cases)('$name: the command prices it, as the walk above does', async ({ envName, overrides, base, type, change }) => {
    const argv = ['--env', envName, '--json', ...Object.entries(overrides).flatMap(([field, value]) => ['-c', `${field}=${value}`])];
    const { status, stdout, stderr } = await runInProcess((args) => cost(args, templatesForConfig), argv);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const fromCommand = JSON.parse(stdout) as Estimate;
    const config = loadConfig({ envName, overrides, defaultAccount: ACCOUNT });
    const fromWalk = priceOf(withResources(templatesOf(base, envName), type, change), config);
    expect(fromCommand.totalUsd).toBe(fromWalk.totalUsd);
    expect(fromCommand.stacks).toEqual(fromWalk.stacks);
  });

  test('the example of docs/configuration.md: prod on Aurora db.r6g.2xlarge, writer and two readers, and the proxy for their 24 vCPUs', async () => {
    const { status, stdout } = await runInProcess(
      (args) => cost(args, templatesForConfig),
      ['--env', 'prod', '--json', '-c', 'database.instanceType=r6g.2xlarge'],
    );
    expect(status).toBe(0);
    const result = JSON.parse(stdout) as Estimate;
    const instances = result.lines.filter((line) => line.type === 'AWS::RDS::DBInstance');
    expect(instances.map((line) => [line.item, line.unitUsd, line.monthlyUsd])).toEqual([
      ['Aurora db.r6g.2xlarge instance', 1.144, 835.12],
      ['Aurora db.r6g.2xlarge instance', 1.144, 835.12],
      ['Aurora db.r6g.2xlarge instance', 1.144, 835.12],
    ]);
    const proxy = result.lines.find((line) => line.type === 'AWS::RDS::DBProxy')!;
    expect([proxy.item, proxy.monthlyUsd]).toEqual(['proxy for 24 vCPUs (minimum 2)', 297.84]);
  });
});
