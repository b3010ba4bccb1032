import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface EncryptionKeyProps {
  /** What the key protects; becomes the key's description. */
  readonly purpose: string;
  /**
   * Let CloudWatch Logs use the key for the log groups of its stack and those of `logGroupNamePrefixes`.
   * @default false
   */
  readonly forCloudWatchLogs?: boolean;
  /**
   * The names (as prefixes) of log groups outside this stack's generated names that CloudWatch Logs
   * may encrypt with the key: those a service names itself, created first under that name.
   * @default - only the log groups CloudFormation names in the key's stack
   */
  readonly logGroupNamePrefixes?: readonly string[];
  /**
   * What happens to the key when its stack is deleted. Data encrypted with a deleted key can never
   * be read again, so anything but a throw-away environment should retain it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The log-group name prefixes a key's CloudWatch Logs statement covers in `stack`: the names CloudFormation
 * gives unnamed groups there (`<stack name>-<logical id>-<random>`, as the AWS::Logs::LogGroup resource
 * provider generates them), and the fixed names given.
 */
export function logGroupNamePrefixes(stack: Stack, fixed: readonly string[] = []): string[] {
  return [`${stack.stackName}-`, ...fixed];
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
      // CloudWatch Logs calls KMS itself, with the log group's ARN as the encryption context
      // (kms:EncryptionContext:aws:logs:arn = arn:<partition>:logs:<region>:<account>:log-group:<name>;
      // CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS"): the
      // condition keeps the key to this environment's log groups, not every group of the account.
      const prefixes = logGroupNamePrefixes(stack, props.logGroupNamePrefixes);
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          // The sid it had when it covered the whole account and region: tests and runbooks name it.
          sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
          principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': prefixes.map(
                (prefix) => `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${prefix}*`,
              ),
            },
          },
        }),
      );
      // A log group this key encrypts under a name no prefix covers would fail to deploy (CloudWatch
      // Logs is refused the key): say so at synth instead.
      this.node.addValidation({ validate: () => this.uncoveredLogGroups(prefixes) });
    }
  }

  private uncoveredLogGroups(prefixes: readonly string[]): string[] {
    const stack = Stack.of(this);
    const keyArn = JSON.stringify(stack.resolve(this.key.keyArn));
    const errors: string[] = [];
    for (const group of stack.node.findAll()) {
      if (!(group instanceof logs.CfnLogGroup) || JSON.stringify(stack.resolve(group.kmsKeyId)) !== keyArn) continue;
      const resolved = stack.resolve(group.logGroupName);
      // Unnamed: CloudFormation names it after the stack, which the first prefix covers.
      if (resolved === undefined) continue;
      const name = literalStart(resolved);
      if (!prefixes.some((prefix) => name.startsWith(prefix))) {
        errors.push(
          `${group.node.path}: log group ${JSON.stringify(resolved)} is encrypted with ${this.node.path}, ` +
            `whose CloudWatch Logs statement covers only names starting with ${prefixes.join(', ')}: add its prefix to the key's logGroupNamePrefixes`,
        );
      }
    }
    return errors;
  }
}

/** The literal text a resolved name starts with, up to its first intrinsic (a Fn::Join's leading strings). */
function literalStart(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (!join || join[0] !== '') return '';
  let text = '';
  for (const part of join[1]) {
    if (typeof part !== 'string') break;
    text += part;
  }
  return text;
}
