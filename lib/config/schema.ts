import { z } from 'zod';

/**
 * The configuration schema. Every field's message is written to finish the sentence
 * "<env>: <field> ..." so that a bad value reads as one clear line at synth.
 */

export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export function integer(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

export function flag() {
  return z.boolean({ error: 'must be true or false' });
}

export function text(pattern: RegExp, description: string) {
  const error = `must be ${description}`;
  return z.string({ error }).regex(pattern, { error });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

export function logRetentionDays() {
  const error = `must be a CloudWatch Logs retention in days (${LOG_RETENTION_DAYS.join(', ')})`;
  return z
    .number({ error })
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), { error });
}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(1[6-9]|20)$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const AVAILABILITY_ZONE = /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/;

export const networkSchema = z.strictObject({
  /** The VPC's IPv4 range, a /16 to /20 (subnet sizes are derived from it). */
  cidr: text(IPV4_CIDR, 'an IPv4 CIDR block from /16 to /20, e.g. 10.0.0.0/16'),
  /** Explicit AZs so that synth never looks them up. */
  availabilityZones: z
    .array(text(AVAILABILITY_ZONE, 'an availability zone name, e.g. eu-west-1a'), {
      error: 'must be a list of availability zone names',
    })
    .min(2, { error: 'must list 2 or 3 availability zones' })
    .max(3, { error: 'must list 2 or 3 availability zones' }),
  /** NAT gateways: one saves money (dev), one per AZ survives an AZ outage (prod). */
  natGateways: integer(1, 3),
  /** Interface endpoints (ECR api/dkr, CloudWatch Logs, Secrets Manager) cost per AZ-hour. */
  interfaceEndpoints: flag(),
  flowLogRetentionDays: logRetentionDays(),
});

export const environmentSchema = z
  .strictObject({
    /** 12-digit account id; falls back to CDK_DEFAULT_ACCOUNT, then to an environment-agnostic account. */
    account: text(/^\d{12}$/, 'a 12-digit AWS account id').optional(),
    /** AWS region; falls back to CDK_DEFAULT_REGION. Required one way or the other: AZs are explicit. */
    region: text(REGION, 'an AWS region name, e.g. eu-west-1'),
    /** Team or person answerable for the environment; becomes the `owner` tag. */
    owner: text(/^[\w.@+\-=:/ ]{1,128}$/, 'a tag value of 1 to 128 letters, digits, spaces or _.:/=+-@'),
    /** Protects the stateful stacks against `cdk destroy` (CloudFormation termination protection). */
    terminationProtection: flag(),
    network: networkSchema,
  })
  .superRefine((config, ctx) => {
    const zones = config.network.availabilityZones;
    if (new Set(zones).size !== zones.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'availabilityZones'],
        message: 'must not list an availability zone twice',
      });
    }
    for (const [index, zone] of zones.entries()) {
      if (zone.slice(0, -1) !== config.region) {
        ctx.addIssue({
          code: 'custom',
          path: ['network', 'availabilityZones', index],
          message: `must be in region ${config.region}`,
        });
      }
    }
    if (config.network.natGateways > zones.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'natGateways'],
        message: `must not exceed the number of availability zones (${zones.length})`,
      });
    }
  });

/** What an environment file declares. */
export type EnvironmentSettings = z.input<typeof environmentSchema>;

/** A validated environment, with the resolved account and region. */
export type EnvironmentConfig = z.output<typeof environmentSchema> & {
  readonly envName: EnvironmentName;
};
