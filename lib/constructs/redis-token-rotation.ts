import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { RedisJobQueue } from './redis-job-queue';
import { rotateCredentialWith } from './credential-rotation-function';
import { VpcFunction } from './vpc-function';
import { ROTATION_ENVIRONMENT as ROTATION } from '../contract';

/**
 * Conditions that hold `elasticache:ModifyReplicationGroup` to a change of the AUTH token, with the
 * condition keys the Service Authorization Reference lists for that action on a replication group:
 * the request must carry a non-empty AuthToken (elasticache:AuthTokenEnabled), and none of the
 * parameters that have a key of their own may be in it (Null: true, "the key is absent"). The keys
 * whose value ElastiCache may derive when the parameter is absent (ClusterModeEnabled, MultiAZEnabled,
 * TransitEncryptionEnabled: their descriptions name a default or the group's AZ count) are left out:
 * requiring them absent could refuse the token change itself. Parameters without a key (security
 * groups, maintenance window, ...) cannot be excluded by IAM; a request must still carry a new token.
 */
export const AUTH_TOKEN_CHANGE_ONLY = {
  Bool: { 'elasticache:AuthTokenEnabled': 'true' },
  Null: {
    'elasticache:AutomaticFailoverEnabled': 'true',
    'elasticache:CacheNodeType': 'true',
    'elasticache:CacheParameterGroupName': 'true',
    'elasticache:Durability': 'true',
    'elasticache:EngineVersion': 'true',
    'elasticache:SnapshotRetentionLimit': 'true',
  },
} as const;

export interface RedisTokenRotationProps {
  readonly envName: string;
  readonly jobQueue: RedisJobQueue;
  /** The key of the token secret. */
  readonly encryptionKey: kms.IKey;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** Reaches Redis (to try a token); the ElastiCache API through NAT or an endpoint. */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly logsKey: kms.IKey;
  readonly logRetentionDays: number;
  readonly retainLogs: boolean;
}

/**
 * Rotates the job queue's AUTH token (lambda/credential-rotation, redisToken), on a schedule the
 * services stack sets up:
 * a new token added beside the old one (ElastiCache ROTATE), proven, made current; the services
 * tier restarts the parser on it, then drops the old one (SET).
 */
export class RedisTokenRotation extends Construct {
  readonly rotationFunction: VpcFunction;

  constructor(scope: Construct, id: string, props: RedisTokenRotationProps) {
    super(scope, id);
    const { jobQueue } = props;
    this.rotationFunction = new VpcFunction(this, 'Rotation', {
      envName: props.envName,
      purpose: 'rotation of the Redis AUTH token',
      code: { folder: 'credential-rotation', handler: 'redisToken' },
      vpc: props.vpc,
      subnets: props.subnets,
      securityGroups: [props.securityGroup],
      logsKey: props.logsKey,
      logRetentionDays: props.logRetentionDays,
      logRetentionField: 'cache.logRetentionDays',
      retainLogs: props.retainLogs,
      // A token change keeps the group `modifying` for minutes.
      timeout: Duration.minutes(15),
      environment: {
        [ROTATION.replicationGroupId]: jobQueue.replicationGroup.ref,
        [ROTATION.redisHost]: jobQueue.primaryEndpoint,
        [ROTATION.redisPort]: String(jobQueue.port),
      },
      invokedSynchronouslyBy: 'Secrets Manager rotation',
    });
    const fn = this.rotationFunction;
    // Written out rather than granted by the secret: its grant would name this role in the data key's policy.
    fn.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [jobQueue.authToken.secretArn],
      }),
    );
    fn.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['elasticache:DescribeReplicationGroups'], resources: [jobQueue.replicationGroupArn] }),
    );
    fn.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['elasticache:ModifyReplicationGroup'],
        resources: [jobQueue.replicationGroupArn],
        conditions: AUTH_TOKEN_CHANGE_ONLY,
      }),
    );
    // The schedule starts in the services stack, once the parser can be restarted after a rotation.
    rotateCredentialWith(fn, jobQueue.authToken, { envName: props.envName, kind: 'redis', encryptionKey: props.encryptionKey });
  }
}
