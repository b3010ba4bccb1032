import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { createAccessLogBucket } from './access-log-bucket';
import { ServiceRole } from './service-role';
import { ARCHIVE_PREFIX } from '../contract';
import { databaseIdentifier } from '../config/names';

/** Key prefix of the partition exports: `<prefix>/<schema>/<table>/<partition>.csv`. */

export interface PartitionArchiveBucketProps {
  readonly envName: string;
  /** SSE-KMS key: `aws_s3.query_export_to_s3` writes only to SSE-KMS (or SSE-S3) buckets. */
  readonly encryptionKey: kms.IKey;
}

/**
 * Where retired monthly partitions go before they are dropped: KMS-encrypted, versioned, retained
 * whatever happens to the stack, moving to colder storage as it ages, with its own access log. The
 * `exportRole` is the role the database assumes for `aws_s3.query_export_to_s3`: it can write under
 * the partitions prefix of this bucket and nothing else.
 */
export class PartitionArchiveBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly exportRole: iam.IRole;

  constructor(scope: Construct, id: string, props: PartitionArchiveBucketProps) {
    super(scope, id);
    const accessLogs = createAccessLogBucket(this, 'AccessLogs', { logsOf: 'the partition archive', expirationDays: 365 });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'archive/',
      // Archives are read rarely if ever: colder storage as they age, never deleted automatically.
      lifecycleRules: [
        {
          transitions: [
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(30) },
            { storageClass: s3.StorageClass.DEEP_ARCHIVE, transitionAfter: Duration.days(180) },
          ],
          noncurrentVersionExpiration: Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.bucket, {
      reason:
        `The ${props.envName} partition archive is itself the backup of retired data; cross-region copies are an ` +
        'operations decision (AWS Backup copy), not replication of every export',
      rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-S3BucketReplicationEnabled'] },
    });

    acknowledge(this.bucket, {
      reason:
        "Nothing consumes object events here: only the maintenance job writes exports, and it verifies each one's row " +
        'count itself before dropping a partition',
      rules: { 'cdk-validator-cfnguard': ['s3_event_notifications_enabled_check'] },
    });
    acknowledge(this.bucket, {
      reason:
        'Versioning keeps overwritten or deleted exports recoverable and the lifecycle sets how long; Object Lock would ' +
        'freeze a retention decision that belongs to the data owner',
      rules: { 'cdk-validator-cfnguard': ['s3_bucket_object_lock_enabled_check'] },
    });

    // RDS assumes the role for the database it is associated with, which it names as aws:SourceArn:
    // the Aurora cluster or the RDS instance (RDS user guide, "Preventing cross-service confused deputy
    // problems", and "Setting up access to an Amazon S3 bucket" for PostgreSQL exports). The database of
    // this environment, or a restore of it (-r<n>).
    const stack = Stack.of(this);
    const database = databaseIdentifier(props.envName);
    const rdsArn = (resource: string) => `arn:${stack.partition}:rds:${stack.region}:${stack.account}:${resource}`;
    const exportRole = new ServiceRole(this, 'ExportRole', {
      assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
      sourceArns: ['cluster', 'db'].flatMap((kind) => [rdsArn(`${kind}:${database}`), rdsArn(`${kind}:${database}-r*`)]),
      description: `PostgreSQL ${props.envName}: aws_s3.query_export_to_s3 into the partition archive`,
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: [this.bucket.arnForObjects(`${ARCHIVE_PREFIX}/*`)],
        }),
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      ],
    });
    acknowledge(exportRole.policy!, {
      reason:
        'One object per retired partition under the partitions/ prefix of this one bucket: the keys are not known ' +
        'in advance, the prefix is the narrowest scope',
      rules: {
        AwsSolutions: [
          `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${ARCHIVE_PREFIX}/*]`,
        ],
      },
    });
    this.exportRole = exportRole.role;
  }
}
