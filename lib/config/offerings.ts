/**
 * What AWS offers in each region the price table covers: the instance classes of RDS for PostgreSQL and
 * Aurora PostgreSQL, ElastiCache's node types by engine, and the EC2 types the config can name. The
 * config schema refuses a class or node type its region does not offer (in a region listed here), and
 * every one it accepts is priced (scripts/lib/cost/price-table.ts); `npm run cost` refuses a class that
 * is not offered too, saying so, instead of reporting a missing price.
 *
 * eu-west-1's lists are the AWS Price List's offerings (service codes AmazonRDS, engines PostgreSQL and
 * Aurora PostgreSQL; AmazonElastiCache, product family Cache Instance) as cfn-lint records them:
 * aws-cloudformation/cfn-lint at 217397c (2026-08-19), src/cfnlint/data/schemas/extensions/
 * aws_rds_dbinstance/dbinstanceclass_enum.json and aws_elasticache_cachecluster/cachenodetype_enum.json.
 * The node types the Price List has for Valkey only (c8gn, m8g, r8g) are from its Valkey rows (cache
 * engine Valkey, read 2026-10-02). Classes announced later (Aurora's db.r9g, 2026-11-12) are not offered
 * here until a refresh adds them with their prices.
 */

/** Sizes offered, by family (without its `db.` or `cache.` prefix). */
export type FamilySizes = Readonly<Record<string, readonly string[]>>;

export interface Offerings {
  /** Where the lists come from. */
  readonly source: string;
  readonly auroraPostgresql: FamilySizes;
  readonly rdsPostgresql: FamilySizes;
  readonly elastiCache: { readonly redis: FamilySizes; readonly valkey: FamilySizes };
  /** EC2 instance types the config can name (network.natInstanceType). */
  readonly ec2: FamilySizes;
}

const EU_WEST_1_CACHE_NODES = {
  c7gn: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  m4: ['large', 'xlarge', '2xlarge', '4xlarge', '10xlarge'],
  m5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  m6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  m7g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r4: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge'],
  r5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  r6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r6gd: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r7g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  t2: ['micro', 'small', 'medium'],
  t3: ['micro', 'small', 'medium'],
  t4g: ['micro', 'small', 'medium'],
} as const satisfies FamilySizes;

export const OFFERINGS: Readonly<Record<string, Offerings>> = {
  'eu-west-1': {
    source:
      'the AWS Price List for eu-west-1 as cfn-lint records it (aws-cloudformation/cfn-lint at 217397c, 2026-08-19); ' +
      "ElastiCache's Valkey-only node types from the Price List's Valkey rows (2026-10-02)",
    auroraPostgresql: {
      r4: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge'],
      r5: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
      r6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      r6gd: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      r6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
      r6id: ['24xlarge', '32xlarge'],
      r7g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      r7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
      r8g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
      r8gd: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
      t3: ['medium', 'large'],
      t4g: ['medium', 'large'],
      x2g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
    },
    rdsPostgresql: {
      m1: ['small', 'medium', 'large', 'xlarge'],
      m2: ['xlarge', '2xlarge', '4xlarge'],
      m3: ['medium', 'large', 'xlarge', '2xlarge'],
      m4: ['large', 'xlarge', '2xlarge', '4xlarge', '10xlarge', '16xlarge'],
      m5: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
      m5d: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
      m6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      m6gd: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      m6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
      m6id: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
      m6idn: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
      m6in: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
      m7g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      m7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
      m8g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
      m8gd: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
      r3: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge'],
      r4: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge'],
      r5: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
      r5d: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
      r6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      r6gd: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      r6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
      r6id: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
      r6idn: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
      r6in: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
      r7g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      r7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
      r8g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
      r8gd: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
      t1: ['micro'],
      t2: ['micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'],
      t3: ['micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'],
      t4g: ['micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'],
      x2g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      x2idn: ['16xlarge', '24xlarge', '32xlarge'],
      x2iedn: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge', '24xlarge', '32xlarge'],
    },
    elastiCache: {
      redis: EU_WEST_1_CACHE_NODES,
      valkey: {
        ...EU_WEST_1_CACHE_NODES,
        c8gn: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
        m8g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
        r8g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
      },
    },
    ec2: { t4g: ['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'] },
  },
};
