import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeConfiguredLogRetention } from '../compliance/acknowledge';

/** RETAIN where the environment keeps its data (`retainData`), else DESTROY with the stack. */
export function retainOrDestroy(retain: boolean): RemovalPolicy {
  return retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

export interface ConfiguredLogGroupProps {
  readonly envName: string;
  /** The config field the retention comes from, named in the acknowledgement of a short one. */
  readonly retentionField: string;
  /** A CloudWatch Logs retention value; the config schema only allows those. */
  readonly retentionDays: number;
  readonly encryptionKey: kms.IKey;
  /** @default false - destroyed with its stack */
  readonly retain?: boolean;
  /** @default - a name CloudFormation generates */
  readonly logGroupName?: string;
}

/**
 * A log group encrypted with the given key, kept as long as the config says, with the Control Tower
 * acknowledgement that a retention shorter than a year is the config's choice (see
 * acknowledgeConfiguredLogRetention). Created directly in `scope`, so its logical id is what a plain
 * `new logs.LogGroup(scope, id)` would get.
 */
export function configuredLogGroup(scope: Construct, id: string, props: ConfiguredLogGroupProps): logs.LogGroup {
  const logGroup = new logs.LogGroup(scope, id, {
    logGroupName: props.logGroupName,
    encryptionKey: props.encryptionKey,
    retention: props.retentionDays as logs.RetentionDays,
    removalPolicy: retainOrDestroy(props.retain ?? false),
  });
  acknowledgeConfiguredLogRetention(logGroup, props.envName, props.retentionField, props.retentionDays);
  return logGroup;
}
