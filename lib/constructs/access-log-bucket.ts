import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge, type Acknowledgement } from '../compliance/acknowledge';

export interface AccessLogBucketOptions {
  /** Whose access logs these are, for the acknowledgement reasons (e.g. "the load balancer"). */
  readonly logsOf: string;
  /** Days a log object is kept. */
  readonly expirationDays: number;
}

/**
 * A bucket that receives AWS access logs (S3 server access logs, load-balancer logs): private,
 * versioned, retained, expiring on a lifecycle. SSE-S3, because neither log delivery accepts an
 * SSE-KMS bucket, and without logging of its own, which would recurse; both are acknowledged here,
 * once. A function, not a construct, so the bucket keeps the logical id of `id` in `scope`.
 */
export function createAccessLogBucket(scope: Construct, id: string, options: AccessLogBucketOptions): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ expiration: Duration.days(options.expirationDays), noncurrentVersionExpiration: Duration.days(7) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const facts: Acknowledgement[] = [
    {
      reason: `Access logs of ${options.logsOf} can only be delivered to an SSE-S3 bucket, not SSE-KMS`,
      rules: {
        'NIST.800.53.R5': ['NIST.800.53.R5-S3DefaultEncryptionKMS'],
        'cdk-validator-cfnguard': ['s3_bucket_default_encryption_kms_check'],
      },
    },
    {
      reason: `This bucket holds the access logs of ${options.logsOf}; logging access to it would recurse`,
      rules: {
        AwsSolutions: ['AwsSolutions-S1'],
        'NIST.800.53.R5': ['NIST.800.53.R5-S3BucketLoggingEnabled'],
        'cdk-validator-cfnguard': ['s3_bucket_logging_enabled_check'],
      },
    },
    {
      reason: `Access logs of ${options.logsOf} are kept in-region for their retention; replicating them adds cost, not recovery`,
      rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-S3BucketReplicationEnabled'] },
    },
    {
      reason: `Nothing consumes events of the access logs of ${options.logsOf}; they are read on demand`,
      rules: { 'cdk-validator-cfnguard': ['s3_event_notifications_enabled_check'] },
    },
    {
      reason: `Access logs of ${options.logsOf} expire on a lifecycle; Object Lock would fight it`,
      rules: { 'cdk-validator-cfnguard': ['s3_bucket_object_lock_enabled_check'] },
    },
  ];
  for (const fact of facts) acknowledge(bucket, fact);
  return bucket;
}
