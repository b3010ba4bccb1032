/**
 * On-demand prices, in USD, per region: the table `npm run cost` prices templates with. Every price
 * names the AWS pricing page it comes from; the table carries the date it was read. A figure not read
 * for the region says how it was derived (`derived`). A region with no table here is refused: no
 * region is priced with another region's table.
 *
 * To refresh: read each page for the region, update the figures, `date` and the offerings
 * (lib/config/offerings.ts), and run `npx jest test/cost.test.ts test/cost-coverage.test.ts`
 * (docs/cost.md's and the README's cost figures are checked against the tool's output; every offered
 * class the schema accepts must have a price).
 */

import { familyPrices, scaledFamilies, type FamilyPrices } from './instance-families';
import { OFFERINGS, type FamilySizes } from '../../../lib/config/offerings';

export type { InstancePrices, Price } from './price';
import type { InstancePrices, Price } from './price';

/** The families each kind of instance is priced from, with the sizes offered and where each figure comes from. */
export interface PricedFamilies {
  readonly aurora: readonly FamilyPrices[];
  readonly rdsSingleAz: readonly FamilyPrices[];
  readonly rdsMultiAz: readonly FamilyPrices[];
  readonly elastiCacheRedis: readonly FamilyPrices[];
  readonly elastiCacheValkey: readonly FamilyPrices[];
  readonly ec2: readonly FamilyPrices[];
}

export interface PriceTable {
  readonly region: string;
  /** When the prices were read (YYYY-MM-DD). */
  readonly date: string;
  /**
   * The families the instance prices are built from (docs/cost.md, Price coverage).
   * @default - none: the instance prices are listed class by class
   */
  readonly families?: PricedFamilies;
  readonly prices: {
    readonly natGatewayHour: Price;
    readonly natGatewayGb: Price;
    readonly publicIpv4Hour: Price;
    readonly ec2InstanceHour: InstancePrices;
    readonly ebsGp3GbMonth: Price;
    readonly auroraInstanceHour: InstancePrices;
    readonly auroraStorageGbMonth: Price;
    readonly auroraIoMillion: Price;
    readonly auroraServerlessAcuHour: Price;
    readonly rdsSingleAzInstanceHour: InstancePrices;
    readonly rdsMultiAzInstanceHour: InstancePrices;
    readonly rdsGp3SingleAzGbMonth: Price;
    readonly rdsGp3MultiAzGbMonth: Price;
    readonly rdsProxyVcpuHour: Price;
    readonly rdsProxyAcuHour: Price;
    /** ElastiCache for Redis OSS nodes. */
    readonly elastiCacheNodeHour: InstancePrices;
    /** ElastiCache for Valkey nodes (node-based). */
    readonly elastiCacheValkeyNodeHour: InstancePrices;
    readonly fargateVcpuHour: Price;
    readonly fargateGbHour: Price;
    readonly fargateSpotVcpuHour: Price;
    readonly fargateSpotGbHour: Price;
    readonly fargateEphemeralGbHour: Price;
    readonly albHour: Price;
    readonly albLcuHour: Price;
    readonly efsStandardGbMonth: Price;
    readonly kmsKeyMonth: Price;
    readonly kmsRequests10k: Price;
    readonly secretMonth: Price;
    readonly secretsApi10k: Price;
    readonly alarmMetricMonth: Price;
    readonly metricMonth: Price;
    readonly dashboardMonth: Price;
    readonly logsIngestedGb: Price;
    readonly logsVendedGb: Price;
    readonly logsStoredGbMonth: Price;
    readonly interfaceEndpointAzHour: Price;
    readonly interfaceEndpointGb: Price;
    readonly wafWebAclMonth: Price;
    readonly wafRuleMonth: Price;
    readonly wafRequestsMillion: Price;
    readonly route53ZoneMonth: Price;
    readonly route53QueriesMillion: Price;
    readonly s3StandardGbMonth: Price;
    readonly ecrStorageGbMonth: Price;
    readonly backupEfsWarmGbMonth: Price;
    readonly backupAuroraSnapshotGbMonth: Price;
    readonly backupRdsSnapshotGbMonth: Price;
    readonly sqsRequestsMillion: Price;
    readonly snsRequestsMillion: Price;
    readonly lambdaRequestsMillion: Price;
    readonly lambdaArmGbSecond: Price;
    readonly lambdaX86GbSecond: Price;
    readonly cloudMapResourceMonth: Price;
  };
}

const PAGES = {
  vpc: 'https://aws.amazon.com/vpc/pricing/',
  ec2: 'https://aws.amazon.com/ec2/pricing/on-demand/',
  ebs: 'https://aws.amazon.com/ebs/pricing/',
  aurora: 'https://aws.amazon.com/rds/aurora/pricing/',
  rdsPostgres: 'https://aws.amazon.com/rds/postgresql/pricing/',
  rdsProxy: 'https://aws.amazon.com/rds/proxy/pricing/',
  elastiCache: 'https://aws.amazon.com/elasticache/pricing/',
  fargate: 'https://aws.amazon.com/fargate/pricing/',
  elb: 'https://aws.amazon.com/elasticloadbalancing/pricing/',
  efs: 'https://aws.amazon.com/efs/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
  secretsManager: 'https://aws.amazon.com/secrets-manager/pricing/',
  cloudWatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  privateLink: 'https://aws.amazon.com/privatelink/pricing/',
  waf: 'https://aws.amazon.com/waf/pricing/',
  route53: 'https://aws.amazon.com/route53/pricing/',
  s3: 'https://aws.amazon.com/s3/pricing/',
  ecr: 'https://aws.amazon.com/ecr/pricing/',
  backup: 'https://aws.amazon.com/backup/pricing/',
  sqs: 'https://aws.amazon.com/sqs/pricing/',
  sns: 'https://aws.amazon.com/sns/pricing/',
  lambda: 'https://aws.amazon.com/lambda/pricing/',
  cloudMap: 'https://aws.amazon.com/cloud-map/pricing/',
} as const;

const hour = (usd: number, page: string): Price => ({ usd, unit: 'hour', page });

/*
 * Instance prices, eu-west-1. Each family is priced from one figure (or a few), and its other sizes
 * scale with size: on demand, a family's price is linear in the normalized units AWS counts sizes in
 * (micro 0.5, small 1, medium 2, large 4, xlarge 8, 8 per xlarge above: RDS user guide, "Size-flexible
 * reserved DB instances"; ElastiCache's reserved nodes are size-flexible the same way). Where the table
 * relies on that, the price says `scales with size from <size> at <price>`. Checked where every size
 * could be read: the Aurora page's db.r6g.large and xlarge here (0.286, 0.572); the AWS Price List's
 * us-east-1 ElastiCache figures (every size of every family within 0.5 % of scaling from large, e.g.
 * cache.r6g.16xlarge 6.567 against 32 x 0.206 = 6.592); public copies of the Aurora list (db.r5,
 * db.r8g exactly linear up to 24xlarge and 48xlarge).
 *
 * Where a family's figure was not read for eu-west-1, it is the us-east-1 figure times the ratio of a
 * pair read in both regions (Aurora and RDS: 1.10, db.r6g.large 0.286/0.26; ElastiCache: 1.11,
 * cache.r6g.large 0.229/0.206). The us-east-1 figures are the pricing pages' as public copies of the AWS
 * Price List give them (ElastiCache: every node type, Redis OSS and Valkey, read 2026-10-02; Aurora:
 * db.t3, db.t4g, db.r5, db.r6g, db.r7g, db.r8g; RDS for PostgreSQL: db.t4g, db.m5, db.m6g, db.m6i,
 * db.m7g, db.r5, db.r6g, db.r6i, db.r7g; db.m4 and db.r4 from an older public comparison of RDS and EC2
 * prices). Two are the pages' figures with no stored copy found to confirm them, and say so: Aurora
 * db.r6i and RDS for PostgreSQL db.t3. For a family with no figure found anywhere, the us-east-1
 * figure of its nearest priced family (same generation and processor) is scaled by the two families'
 * EC2 on-demand ratio in us-east-1 (e.g. db.r7i = db.r6i x r7i.large/r6i.large, 0.1323/0.126), and the
 * price says `no figure found`. The sizes each family is offered in are lib/config/offerings.ts's.
 */

/** A figure and how it was arrived at. */
interface Derivation {
  readonly usd: number;
  readonly derived: string;
}
interface RegionRatio {
  readonly factor: number;
  readonly why: string;
}
const round4 = (usd: number) => Math.round(usd * 1e4) / 1e4;

const DATABASE_RATIO: RegionRatio = { factor: 1.1, why: 'the eu-west-1/us-east-1 ratio of Aurora db.r6g.large (0.286/0.26)' };
const CACHE_RATIO: RegionRatio = { factor: 1.11, why: 'the eu-west-1/us-east-1 ratio of cache.r6g.large (0.229/0.206)' };

/** A us-east-1 figure brought to eu-west-1; `note` qualifies the figure (e.g. that no copy confirmed it). */
function usEast1(usd: number, ratio: RegionRatio, note?: string): Derivation {
  return { usd: round4(usd * ratio.factor), derived: `us-east-1 ${usd}${note ? ` (${note})` : ''} x ${ratio.factor}, ${ratio.why}` };
}
const UNCONFIRMED = "the page's figure, no stored copy found to confirm it";

/**
 * EC2 on-demand prices in us-east-1 (Linux), as the EC2 page lists them, for the ratios of families
 * with no figure of their own (m5, m6i, r5 and r6i confirmed in a public copy, the rest not).
 */
const EC2_US_EAST_1: Readonly<Record<string, number>> = {
  'm5.large': 0.096,
  'm5d.large': 0.113,
  'm6g.large': 0.077,
  'm6gd.large': 0.0904,
  'm6i.large': 0.096,
  'm6id.large': 0.1187,
  'm6idn.large': 0.15911,
  'm6in.large': 0.13923,
  'm7g.large': 0.0816,
  'm7i.large': 0.1008,
  'm8g.large': 0.08976,
  'r5.large': 0.126,
  'r5d.large': 0.144,
  'r6g.large': 0.1008,
  'r6gd.large': 0.1152,
  'r6i.large': 0.126,
  'r6i.xlarge': 0.252,
  'r6i.16xlarge': 4.032,
  'r6id.large': 0.1512,
  'r6idn.large': 0.19509,
  'r6in.large': 0.17433,
  'r7g.large': 0.1071,
  'r7i.large': 0.1323,
  'r8g.large': 0.11782,
  'x2gd.large': 0.167,
  'x2idn.16xlarge': 6.66876,
  'x2iedn.xlarge': 0.83363,
};

/**
 * A family with no figure found: `sibling`'s us-east-1 figure (at the size of `ec2`'s pair) times the
 * EC2 ratio of the two families, brought to eu-west-1.
 */
function likeSibling(sibling: string, siblingUsd: number, ec2: readonly [string, string], ratio: RegionRatio): Derivation {
  const [type, siblingType] = ec2;
  const factor = EC2_US_EAST_1[type] / EC2_US_EAST_1[siblingType];
  if (!Number.isFinite(factor)) throw new Error(`price table: no EC2 figure for ${type} or ${siblingType}`);
  return {
    usd: round4(siblingUsd * factor * ratio.factor),
    derived:
      `no figure found: us-east-1 ${sibling} ${siblingUsd} x ${round4(factor)} (EC2 on demand ${type}/${siblingType}, ` +
      `${EC2_US_EAST_1[type]}/${EC2_US_EAST_1[siblingType]}) x ${ratio.factor}, ${ratio.why}`,
  };
}

/** How a family is priced: its base size and figure, and figures of other sizes if any. */
interface FamilyFigure {
  readonly size: string;
  readonly figure: Derivation | number;
  readonly figures?: Readonly<Record<string, number>>;
  readonly figuresDerived?: string;
}

/** The families offered (offerings.ts) that have a figure, each with the sizes offered. */
function offeredFamilies(
  prefix: string,
  offered: FamilySizes,
  figures: Readonly<Record<string, FamilyFigure>>,
  page: string,
): FamilyPrices[] {
  return Object.entries(figures).map(([family, { size, figure, figures: others, figuresDerived }]) => {
    const sizes = offered[family];
    if (!sizes) throw new Error(`price table: ${prefix}${family} has a figure but is not offered`);
    return {
      family: `${prefix}${family}`,
      sizes,
      page,
      base: { size, usd: typeof figure === 'number' ? figure : figure.usd },
      ...(typeof figure === 'number' ? {} : { baseDerived: figure.derived }),
      ...(others ? { figures: others, ...(figuresDerived ? { figuresDerived } : {}) } : {}),
    };
  });
}

const EU_WEST_1_OFFERINGS = OFFERINGS['eu-west-1'];

/** Aurora PostgreSQL (Aurora Standard), by family: https://aws.amazon.com/rds/aurora/pricing/ */
const AURORA_EU_WEST_1: Readonly<Record<string, FamilyFigure>> = {
  t3: { size: 'medium', figure: usEast1(0.082, DATABASE_RATIO) },
  t4g: {
    size: 'medium',
    figure: { usd: 0.08, derived: 'us-east-1 0.073 x 1.10, the eu-west-1/us-east-1 ratio of Aurora db.r6g.large (0.286/0.26)' },
  },
  r4: { size: 'large', figure: usEast1(0.29, DATABASE_RATIO) },
  r5: { size: 'large', figure: usEast1(0.29, DATABASE_RATIO) },
  r6g: { size: 'large', figure: 0.286, figures: { xlarge: 0.572 } },
  r6gd: { size: 'large', figure: likeSibling('db.r6g.large', 0.26, ['r6gd.large', 'r6g.large'], DATABASE_RATIO) },
  r6i: { size: 'large', figure: usEast1(0.29, DATABASE_RATIO, UNCONFIRMED) },
  r6id: { size: 'large', figure: likeSibling('db.r6i.large', 0.29, ['r6id.large', 'r6i.large'], DATABASE_RATIO) },
  r7g: { size: 'large', figure: usEast1(0.276, DATABASE_RATIO) },
  r7i: { size: 'large', figure: likeSibling('db.r6i.large', 0.29, ['r7i.large', 'r6i.large'], DATABASE_RATIO) },
  r8g: { size: 'large', figure: usEast1(0.276, DATABASE_RATIO) },
  r8gd: { size: 'large', figure: likeSibling('db.r8g.large', 0.276, ['r6gd.large', 'r6g.large'], DATABASE_RATIO) },
  x2g: { size: 'large', figure: likeSibling('db.r6g.large', 0.26, ['x2gd.large', 'r6gd.large'], DATABASE_RATIO) },
};

/** RDS for PostgreSQL, Single-AZ, by family: https://aws.amazon.com/rds/postgresql/pricing/ */
const RDS_EU_WEST_1: Readonly<Record<string, FamilyFigure>> = {
  t3: {
    size: 'micro',
    figure: usEast1(0.018, DATABASE_RATIO, UNCONFIRMED),
    figures: { small: 0.0396, medium: 0.0792, large: 0.1595, xlarge: 0.319, '2xlarge': 0.6369 },
    figuresDerived: `us-east-1 figures (small 0.036, medium 0.072, large 0.145, xlarge 0.29, 2xlarge 0.579; ${UNCONFIRMED}) x 1.1, ${DATABASE_RATIO.why}`,
  },
  t4g: { size: 'medium', figure: 0.069, figures: { micro: 0.017, small: 0.035 } },
  m4: { size: 'large', figure: usEast1(0.182, DATABASE_RATIO) },
  m5: { size: 'large', figure: usEast1(0.178, DATABASE_RATIO) },
  m5d: { size: 'large', figure: likeSibling('db.m5.large', 0.178, ['m5d.large', 'm5.large'], DATABASE_RATIO) },
  m6g: { size: 'large', figure: usEast1(0.159, DATABASE_RATIO) },
  m6gd: { size: 'large', figure: likeSibling('db.m6g.large', 0.159, ['m6gd.large', 'm6g.large'], DATABASE_RATIO) },
  m6i: { size: 'large', figure: usEast1(0.178, DATABASE_RATIO) },
  m6id: { size: 'large', figure: likeSibling('db.m6i.large', 0.178, ['m6id.large', 'm6i.large'], DATABASE_RATIO) },
  m6idn: { size: 'large', figure: likeSibling('db.m6i.large', 0.178, ['m6idn.large', 'm6i.large'], DATABASE_RATIO) },
  m6in: { size: 'large', figure: likeSibling('db.m6i.large', 0.178, ['m6in.large', 'm6i.large'], DATABASE_RATIO) },
  m7g: { size: 'large', figure: usEast1(0.168, DATABASE_RATIO) },
  m7i: { size: 'large', figure: likeSibling('db.m6i.large', 0.178, ['m7i.large', 'm6i.large'], DATABASE_RATIO) },
  m8g: { size: 'large', figure: likeSibling('db.m7g.large', 0.168, ['m8g.large', 'm7g.large'], DATABASE_RATIO) },
  // No EC2 m8gd figure either: m8g's, by the local-disk ratio of the Graviton2 pair.
  m8gd: { size: 'large', figure: likeSibling('db.m8g.large (itself derived)', 0.1848, ['m6gd.large', 'm6g.large'], DATABASE_RATIO) },
  r4: { size: 'large', figure: usEast1(0.25, DATABASE_RATIO) },
  r5: { size: 'large', figure: usEast1(0.25, DATABASE_RATIO) },
  r5d: { size: 'large', figure: likeSibling('db.r5.large', 0.25, ['r5d.large', 'r5.large'], DATABASE_RATIO) },
  r6g: {
    size: 'large',
    figure: { usd: 0.248, derived: 'us-east-1 0.225 x 1.10, the eu-west-1/us-east-1 ratio of Aurora db.r6g.large (0.286/0.26)' },
  },
  r6gd: { size: 'large', figure: likeSibling('db.r6g.large', 0.225, ['r6gd.large', 'r6g.large'], DATABASE_RATIO) },
  r6i: { size: 'large', figure: usEast1(0.25, DATABASE_RATIO) },
  r6id: { size: 'large', figure: likeSibling('db.r6i.large', 0.25, ['r6id.large', 'r6i.large'], DATABASE_RATIO) },
  r6idn: { size: 'large', figure: likeSibling('db.r6i.large', 0.25, ['r6idn.large', 'r6i.large'], DATABASE_RATIO) },
  r6in: { size: 'large', figure: likeSibling('db.r6i.large', 0.25, ['r6in.large', 'r6i.large'], DATABASE_RATIO) },
  r7g: { size: 'large', figure: usEast1(0.239, DATABASE_RATIO) },
  r7i: { size: 'large', figure: likeSibling('db.r6i.large', 0.25, ['r7i.large', 'r6i.large'], DATABASE_RATIO) },
  r8g: { size: 'large', figure: likeSibling('db.r7g.large', 0.239, ['r8g.large', 'r7g.large'], DATABASE_RATIO) },
  r8gd: { size: 'large', figure: likeSibling('db.r8g.large (itself derived)', 0.2629, ['r6gd.large', 'r6g.large'], DATABASE_RATIO) },
  x2g: { size: 'large', figure: likeSibling('db.r6g.large', 0.225, ['x2gd.large', 'r6gd.large'], DATABASE_RATIO) },
  x2idn: { size: '16xlarge', figure: likeSibling('db.r6i.16xlarge', 8, ['x2idn.16xlarge', 'r6i.16xlarge'], DATABASE_RATIO) },
  x2iedn: { size: 'xlarge', figure: likeSibling('db.r6i.xlarge', 0.5, ['x2iedn.xlarge', 'r6i.xlarge'], DATABASE_RATIO) },
};

/** ElastiCache for Redis OSS, by node family: https://aws.amazon.com/elasticache/pricing/ */
const ELASTICACHE_REDIS_EU_WEST_1: Readonly<Record<string, FamilyFigure>> = {
  t3: { size: 'micro', figure: usEast1(0.017, CACHE_RATIO) },
  t4g: {
    size: 'micro',
    figure: { usd: 0.0178, derived: `us-east-1 0.016 x 1.11, ${CACHE_RATIO.why}` },
    figures: { small: 0.0355, medium: 0.0722 },
    figuresDerived: `us-east-1 figures (small 0.032, medium 0.065) x 1.11, ${CACHE_RATIO.why}`,
  },
  m4: { size: 'large', figure: usEast1(0.156, CACHE_RATIO) },
  m5: { size: 'large', figure: usEast1(0.156, CACHE_RATIO) },
  m6g: { size: 'large', figure: usEast1(0.149, CACHE_RATIO) },
  m7g: { size: 'large', figure: usEast1(0.158, CACHE_RATIO) },
  r4: { size: 'large', figure: usEast1(0.228, CACHE_RATIO) },
  r5: { size: 'large', figure: usEast1(0.216, CACHE_RATIO) },
  r6g: { size: 'large', figure: 0.229 },
  // Data tiering nodes: the smallest is xlarge.
  r6gd: { size: 'xlarge', figure: usEast1(0.781, CACHE_RATIO) },
  r7g: { size: 'large', figure: { usd: 0.243, derived: `us-east-1 0.219 x 1.11, ${CACHE_RATIO.why}` } },
  c7gn: { size: 'large', figure: usEast1(0.255, CACHE_RATIO) },
};

/**
 * ElastiCache for Valkey (node-based) costs 0.8 times Redis OSS on the same node (ElastiCache FAQ: "up
 * to 20% lower cost per node"; the Price List's us-east-1 Valkey rows are 0.8 x Redis OSS for every node
 * type both have). These families it has alone.
 */
const VALKEY_FACTOR = 0.8;
const ELASTICACHE_VALKEY_ONLY_EU_WEST_1: Readonly<Record<string, FamilyFigure>> = {
  m8g: { size: 'large', figure: usEast1(0.1266, CACHE_RATIO) },
  r8g: { size: 'large', figure: usEast1(0.1756, CACHE_RATIO) },
  c8gn: { size: 'large', figure: usEast1(0.1837, CACHE_RATIO) },
};

/** EC2, for NAT instances: https://aws.amazon.com/ec2/pricing/on-demand/ */
const EC2_EU_WEST_1: Readonly<Record<string, FamilyFigure>> = {
  t4g: { size: 'micro', figure: 0.0092, figures: { nano: 0.0046 } },
};

const MULTI_AZ = '2 x Single-AZ (a Multi-AZ instance is billed for its primary and its standby, and counts twice the units)';
const VALKEY = `${VALKEY_FACTOR} x Redis OSS (Valkey's node-based price is 20 % lower: ElastiCache FAQ, and the Price List's us-east-1 rows)`;

function euWest1Families(): PricedFamilies {
  const rdsSingleAz = offeredFamilies('db.', EU_WEST_1_OFFERINGS.rdsPostgresql, RDS_EU_WEST_1, PAGES.rdsPostgres);
  const redis = offeredFamilies('cache.', EU_WEST_1_OFFERINGS.elastiCache.redis, ELASTICACHE_REDIS_EU_WEST_1, PAGES.elastiCache);
  return {
    aurora: offeredFamilies('db.', EU_WEST_1_OFFERINGS.auroraPostgresql, AURORA_EU_WEST_1, PAGES.aurora),
    rdsSingleAz,
    // The page shows db.t4g's Multi-AZ figures (twice Single-AZ, as for every class).
    rdsMultiAz: scaledFamilies(rdsSingleAz, 2, MULTI_AZ, 'Single-AZ').map((family) =>
      family.family === 'db.t4g'
        ? {
            ...family,
            base: { size: 'medium', usd: 0.138 },
            baseDerived: undefined,
            figures: { micro: 0.034, small: 0.07 },
            figuresDerived: undefined,
          }
        : family,
    ),
    elastiCacheRedis: redis,
    elastiCacheValkey: [
      ...scaledFamilies(redis, VALKEY_FACTOR, VALKEY, 'Redis OSS'),
      ...offeredFamilies('cache.', EU_WEST_1_OFFERINGS.elastiCache.valkey, ELASTICACHE_VALKEY_ONLY_EU_WEST_1, PAGES.elastiCache),
    ],
    ec2: offeredFamilies('', EU_WEST_1_OFFERINGS.ec2, EC2_EU_WEST_1, PAGES.ec2),
  };
}
const EU_WEST_1_FAMILIES = euWest1Families();

/** eu-west-1 (Ireland). */
const EU_WEST_1: PriceTable = {
  region: 'eu-west-1',
  date: '2026-11-28',
  families: EU_WEST_1_FAMILIES,
  prices: {
    natGatewayHour: hour(0.048, PAGES.vpc),
    natGatewayGb: { usd: 0.048, unit: 'GB processed', page: PAGES.vpc },
    publicIpv4Hour: hour(0.005, PAGES.vpc),
    ec2InstanceHour: familyPrices(EU_WEST_1_FAMILIES.ec2),
    ebsGp3GbMonth: { usd: 0.088, unit: 'GB-month', page: PAGES.ebs },
    auroraInstanceHour: familyPrices(EU_WEST_1_FAMILIES.aurora),
    auroraStorageGbMonth: { usd: 0.11, unit: 'GB-month', page: PAGES.aurora, derived: 'us-east-1 0.10 x 1.10' },
    auroraIoMillion: { usd: 0.22, unit: 'million I/O requests', page: PAGES.aurora },
    auroraServerlessAcuHour: { usd: 0.14, unit: 'ACU-hour', page: PAGES.aurora },
    rdsSingleAzInstanceHour: familyPrices(EU_WEST_1_FAMILIES.rdsSingleAz),
    rdsMultiAzInstanceHour: familyPrices(EU_WEST_1_FAMILIES.rdsMultiAz),
    rdsGp3SingleAzGbMonth: { usd: 0.127, unit: 'GB-month', page: PAGES.rdsPostgres },
    rdsGp3MultiAzGbMonth: { usd: 0.254, unit: 'GB-month', page: PAGES.rdsPostgres },
    rdsProxyVcpuHour: {
      usd: 0.017,
      unit: 'vCPU-hour',
      page: PAGES.rdsProxy,
      derived: 'eu-west-2 0.017 (us-east-1 0.015): the higher of the two',
    },
    rdsProxyAcuHour: { usd: 0.018, unit: 'ACU-hour', page: PAGES.rdsProxy, derived: 'eu-west-2 0.018' },
    elastiCacheNodeHour: familyPrices(EU_WEST_1_FAMILIES.elastiCacheRedis),
    elastiCacheValkeyNodeHour: familyPrices(EU_WEST_1_FAMILIES.elastiCacheValkey),
    fargateVcpuHour: { usd: 0.04048, unit: 'vCPU-hour', page: PAGES.fargate },
    fargateGbHour: { usd: 0.004445, unit: 'GB-hour', page: PAGES.fargate },
    // Spot prices float with spare capacity; the page quotes up to 70 % off.
    fargateSpotVcpuHour: { usd: 0.012144, unit: 'vCPU-hour', page: PAGES.fargate, derived: 'on-demand less 70 %' },
    fargateSpotGbHour: { usd: 0.0013335, unit: 'GB-hour', page: PAGES.fargate, derived: 'on-demand less 70 %' },
    fargateEphemeralGbHour: {
      usd: 0.000111,
      unit: 'GB-hour',
      page: PAGES.fargate,
      derived: "us-east-1, whose other Fargate prices equal eu-west-1's",
    },
    albHour: hour(0.0252, PAGES.elb),
    albLcuHour: { usd: 0.008, unit: 'LCU-hour', page: PAGES.elb },
    efsStandardGbMonth: { usd: 0.33, unit: 'GB-month', page: PAGES.efs },
    kmsKeyMonth: { usd: 1, unit: 'key-month', page: PAGES.kms },
    kmsRequests10k: { usd: 0.03, unit: '10,000 requests', page: PAGES.kms },
    secretMonth: { usd: 0.4, unit: 'secret-month', page: PAGES.secretsManager },
    secretsApi10k: { usd: 0.05, unit: '10,000 API calls', page: PAGES.secretsManager },
    alarmMetricMonth: { usd: 0.1, unit: 'alarm metric-month', page: PAGES.cloudWatch },
    metricMonth: { usd: 0.3, unit: 'metric-month', page: PAGES.cloudWatch },
    dashboardMonth: { usd: 3, unit: 'dashboard-month', page: PAGES.cloudWatch },
    logsIngestedGb: { usd: 0.57, unit: 'GB ingested', page: PAGES.cloudWatch },
    logsVendedGb: { usd: 0.5, unit: 'GB delivered (vended)', page: PAGES.cloudWatch },
    logsStoredGbMonth: { usd: 0.03, unit: 'GB-month', page: PAGES.cloudWatch },
    interfaceEndpointAzHour: { usd: 0.011, unit: 'endpoint AZ-hour', page: PAGES.privateLink },
    interfaceEndpointGb: { usd: 0.01, unit: 'GB processed', page: PAGES.privateLink },
    wafWebAclMonth: { usd: 5, unit: 'web ACL-month', page: PAGES.waf },
    wafRuleMonth: { usd: 1, unit: 'rule-month', page: PAGES.waf },
    wafRequestsMillion: { usd: 0.6, unit: 'million requests', page: PAGES.waf },
    route53ZoneMonth: { usd: 0.5, unit: 'hosted zone-month', page: PAGES.route53 },
    route53QueriesMillion: { usd: 0.4, unit: 'million queries', page: PAGES.route53 },
    s3StandardGbMonth: { usd: 0.023, unit: 'GB-month', page: PAGES.s3 },
    ecrStorageGbMonth: { usd: 0.1, unit: 'GB-month', page: PAGES.ecr },
    backupEfsWarmGbMonth: { usd: 0.055, unit: 'GB-month', page: PAGES.backup, derived: 'us-east-1 0.05 x 1.10' },
    backupAuroraSnapshotGbMonth: { usd: 0.021, unit: 'GB-month', page: PAGES.aurora },
    backupRdsSnapshotGbMonth: { usd: 0.095, unit: 'GB-month', page: PAGES.rdsPostgres },
    sqsRequestsMillion: { usd: 0.4, unit: 'million requests', page: PAGES.sqs },
    snsRequestsMillion: { usd: 0.5, unit: 'million requests', page: PAGES.sns },
    lambdaRequestsMillion: { usd: 0.2, unit: 'million requests', page: PAGES.lambda },
    lambdaArmGbSecond: { usd: 0.0000133334, unit: 'GB-second', page: PAGES.lambda },
    lambdaX86GbSecond: { usd: 0.0000166667, unit: 'GB-second', page: PAGES.lambda },
    cloudMapResourceMonth: { usd: 0.1, unit: 'registered resource-month', page: PAGES.cloudMap },
  },
};

export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = { [EU_WEST_1.region]: EU_WEST_1 };

/** The table for a region, or an error that says which regions have one. */
export function priceTableFor(region: string): PriceTable {
  const table = PRICE_TABLES[region];
  if (!table) {
    throw new Error(
      `no prices for region ${region}: the price table (scripts/lib/cost/price-table.ts) has ${Object.keys(PRICE_TABLES).join(', ')}; ` +
        "add that region's prices, with their pages and date, rather than estimating from another region",
    );
  }
  return table;
}
