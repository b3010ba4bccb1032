import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface EncryptionKeyProps {
  /** What the key protects; becomes the key's description. */
  readonly purpose: string;
  /**
   * Let CloudWatch Logs use the key for the log groups of this account and region.
   * @default false
   */
  readonly forCloudWatchLogs?: boolean;
  /**
   * What happens to the key when its stack is deleted. Data encrypted with a deleted key can never
   * be read again, so anything but a throw-away environment should retain it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A customer-managed KMS key with yearly rotation, whose grants can only be created for AWS
 * resources or by AWS services (Control Tower CT.KMS.PR.3): RDS, EFS, ElastiCache and Secrets
 * Manager create their grants that way, nobody else needs one.
 */
export class EncryptionKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: props.purpose,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyGrantsExceptForAwsResources',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
    if (props.forCloudWatchLogs) {
      // CloudWatch Logs calls KMS itself; the encryption-context condition keeps the grant to log
      // groups of this account and region (docs: "Encrypt log data in CloudWatch Logs using KMS").
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
          principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:*`,
            },
          },
        }),
      );
    }
  }
}
