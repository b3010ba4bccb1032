/**
 * On-demand prices, in USD, per region: the table `npm run cost` prices templates with. Every price
 * names the AWS pricing page it comes from; the table carries the date it was read. A region with no
 * table here is refused: no price is ever guessed from another region.
 *
 * To refresh: read each page for the region, update the figures and `date`, and run `npm test` (the
 * README's cost table is checked against the tool's output).
 */

export interface Price {
  readonly usd: number;
  /** What one unit is, e.g. `hour`, `GB-month`, `million requests`. */
  readonly unit: string;
  /** The AWS pricing page the figure was read from. */
  readonly page: string;
  /**
   * How a figure the page did not show for this region was arrived at.
   * @default - read for this region
   */
  readonly derived?: string;
}

/** Prices of one kind of instance, by instance class. */
export type InstancePrices = Readonly<Record<string, Price>>;

export interface PriceTable {
  readonly region: string;
  /** When the prices were read (YYYY-MM-DD). */
  readonly date: string;
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
    readonly elastiCacheNodeHour: InstancePrices;
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

/** eu-west-1 (Ireland). */
const EU_WEST_1: PriceTable = {
  region: 'eu-west-1',
  date: '2026-11-28',
  prices: {
    natGatewayHour: hour(0.048, PAGES.vpc),
    natGatewayGb: { usd: 0.048, unit: 'GB processed', page: PAGES.vpc },
    publicIpv4Hour: hour(0.005, PAGES.vpc),
    ec2InstanceHour: {
      't4g.nano': hour(0.0046, PAGES.ec2),
      't4g.micro': hour(0.0092, PAGES.ec2),
    },
    ebsGp3GbMonth: { usd: 0.088, unit: 'GB-month', page: PAGES.ebs },
    auroraInstanceHour: {
      'db.t4g.medium': { ...hour(0.08, PAGES.aurora), derived: 'us-east-1 0.073 x 1.10, the eu-west-1/us-east-1 ratio of db.r6g.large' },
      'db.r6g.large': hour(0.286, PAGES.aurora),
      'db.r6g.xlarge': hour(0.572, PAGES.aurora),
    },
    auroraStorageGbMonth: { usd: 0.11, unit: 'GB-month', page: PAGES.aurora, derived: 'us-east-1 0.10 x 1.10' },
    auroraIoMillion: { usd: 0.22, unit: 'million I/O requests', page: PAGES.aurora },
    auroraServerlessAcuHour: { usd: 0.14, unit: 'ACU-hour', page: PAGES.aurora },
    rdsSingleAzInstanceHour: {
      'db.t4g.micro': hour(0.017, PAGES.rdsPostgres),
      'db.t4g.small': hour(0.035, PAGES.rdsPostgres),
      'db.t4g.medium': hour(0.069, PAGES.rdsPostgres),
      'db.r6g.large': {
        ...hour(0.248, PAGES.rdsPostgres),
        derived: 'us-east-1 0.225 x 1.10, the eu-west-1/us-east-1 ratio of Aurora db.r6g.large',
      },
      'db.r6g.xlarge': { ...hour(0.496, PAGES.rdsPostgres), derived: '2 x db.r6g.large, as within the family' },
    },
    rdsMultiAzInstanceHour: {
      'db.t4g.micro': hour(0.034, PAGES.rdsPostgres),
      'db.t4g.small': hour(0.07, PAGES.rdsPostgres),
      'db.t4g.medium': hour(0.138, PAGES.rdsPostgres),
      'db.r6g.large': { ...hour(0.496, PAGES.rdsPostgres), derived: '2 x Single-AZ, as for the other classes' },
      'db.r6g.xlarge': { ...hour(0.992, PAGES.rdsPostgres), derived: '2 x Single-AZ, as for the other classes' },
    },
    rdsGp3SingleAzGbMonth: { usd: 0.127, unit: 'GB-month', page: PAGES.rdsPostgres },
    rdsGp3MultiAzGbMonth: { usd: 0.254, unit: 'GB-month', page: PAGES.rdsPostgres },
    rdsProxyVcpuHour: {
      usd: 0.017,
      unit: 'vCPU-hour',
      page: PAGES.rdsProxy,
      derived: 'eu-west-2 0.017 (us-east-1 0.015): the higher of the two',
    },
    rdsProxyAcuHour: { usd: 0.018, unit: 'ACU-hour', page: PAGES.rdsProxy, derived: 'eu-west-2 0.018' },
    elastiCacheNodeHour: {
      'cache.t4g.micro': {
        ...hour(0.0178, PAGES.elastiCache),
        derived: 'us-east-1 0.016 x 1.11, the eu-west-1/us-east-1 ratio of cache.r6g.large',
      },
      'cache.t4g.small': { ...hour(0.0355, PAGES.elastiCache), derived: 'us-east-1 0.032 x 1.11' },
      'cache.r7g.large': { ...hour(0.243, PAGES.elastiCache), derived: 'us-east-1 0.219 x 1.11' },
      'cache.r6g.large': hour(0.229, PAGES.elastiCache),
    },
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
