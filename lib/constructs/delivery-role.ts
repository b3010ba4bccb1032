import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import {
  CDK_BOOTSTRAP_QUALIFIER,
  clusterName,
  databaseIdentifier,
  deliveryRoleName,
  ecsServiceName,
  environmentStackNamePrefix,
  repositoryName,
  SERVICE_NAMES,
  stackName,
} from '../config/names';

/** One identity provider's tokens that may assume the role: all four must match. */
export interface WebIdentityTrust {
  /** The IAM OIDC provider's ARN (in the role's account). */
  readonly providerArn: string;
  /** The provider's URL without https://: the prefix of its condition keys (`<issuer>:sub`, `<issuer>:aud`). */
  readonly issuer: string;
  /** The token's `aud` claim, exactly. */
  readonly audience: string;
  /** The token's `sub` claim, exactly. */
  readonly subject: string;
}

export interface DeliveryRoleProps {
  /** The environment the role deploys. Its stacks are in the role's own account. */
  readonly envName: string;
  /** The environment's region: the CDK bootstrap roles and the resources it reads are there. */
  readonly region: string;
  /** Who may assume the role; the first is GitHub's. At least one. */
  readonly trust: readonly WebIdentityTrust[];
}

/**
 * The role a deploy workflow of one environment assumes with an OIDC token (`sts:AssumeRoleWithWebIdentity`),
 * for two hours at most. It may do nothing itself but assume the CDK bootstrap roles of the environment's
 * account and region (they deploy), and read what `npm run deploy` and `npm run verify` read: the
 * environment's images in ECR, its stacks, services, target health, alarms, maintenance metrics and
 * database instances. Every permission is in one customer-managed policy (NIST 800-53 rejects inline ones).
 */
export class DeliveryRole extends Construct {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: DeliveryRoleProps) {
    super(scope, id);
    const { envName, region } = props;
    const stack = Stack.of(this);
    const { account, partition } = stack;
    if (Token.isUnresolved(account)) throw new Error(`${this.node.path}: the delivery roles need a stack with a concrete account`);
    if (props.trust.length === 0) throw new Error(`${this.node.path}: the role must trust at least one identity provider`);
    const [first, ...others] = props.trust;

    this.role = new iam.Role(this, 'Role', {
      roleName: deliveryRoleName(envName),
      description: `CS2 Analytics ${envName}: deploys through the CDK bootstrap roles of ${account} ${region} (docs/delivery.md)`,
      // A first prod deploy (database, migrations up to 55 minutes) can outlast an hour: the CDK CLI's
      // bootstrap-role credentials come from this session.
      maxSessionDuration: Duration.hours(2),
      assumedBy: new iam.WebIdentityPrincipal(first.providerArn, trustConditions(first)),
    });
    for (const trust of others) {
      this.role.assumeRolePolicy!.addStatements(
        new iam.PolicyStatement({
          principals: [new iam.FederatedPrincipal(trust.providerArn)],
          actions: ['sts:AssumeRoleWithWebIdentity'],
          conditions: trustConditions(trust),
        }),
      );
    }

    const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${account}:${resource}`;
    const bootstrapRoles = `arn:${partition}:iam::${account}:role/cdk-${CDK_BOOTSTRAP_QUALIFIER}-*-role-${account}-${region}`;
    const stacks = arn('cloudformation', `stack/${environmentStackNamePrefix(envName)}*/*`);
    const alarms = arn('cloudwatch', 'alarm:*');
    const database = `${databaseIdentifier(envName)}*`;
    const statements = [
      new iam.PolicyStatement({
        sid: 'DeployThroughCdkBootstrapRoles',
        actions: ['sts:AssumeRole'],
        resources: [bootstrapRoles],
      }),
      new iam.PolicyStatement({
        sid: 'ReadImages',
        actions: ['ecr:DescribeImages', 'ecr:BatchGetImage'],
        resources: SERVICE_NAMES.map((service) => arn('ecr', `repository/${repositoryName(envName, service)}`)),
      }),
      new iam.PolicyStatement({
        sid: 'DescribeStacks',
        actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackResources'],
        resources: [stacks],
      }),
      new iam.PolicyStatement({
        sid: 'DescribeServices',
        actions: ['ecs:DescribeServices'],
        resources: SERVICE_NAMES.map((service) => arn('ecs', `service/${clusterName(envName)}/${ecsServiceName(envName, service)}`)),
      }),
      new iam.PolicyStatement({
        sid: 'DescribeAlarms',
        actions: ['cloudwatch:DescribeAlarms'],
        resources: [alarms],
      }),
      new iam.PolicyStatement({
        sid: 'ReadTargetHealthAndMetrics',
        actions: ['elasticloadbalancing:DescribeTargetHealth', 'cloudwatch:GetMetricStatistics'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'DescribeDatabase',
        actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
        resources: [arn('rds', `db:${database}`), arn('rds', `cluster:${database}`)],
      }),
    ];
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `CS2 Analytics ${envName} delivery: assume the CDK bootstrap roles, read what deploy and verify read`,
      statements,
    });
    this.role.addManagedPolicy(this.policy);

    // cdk-nag names an unresolved partition by its pseudo parameter.
    const named = (resource: string) =>
      `AwsSolutions-IAM5[Resource::${Token.isUnresolved(partition) ? resource.split(partition).join('<AWS::Partition>') : resource}]`;
    const reasons: [string, string][] = [
      [
        bootstrapRoles,
        `the CDK bootstrap roles of ${account} ${region} (deploy, file and image publishing, lookup: their kind is the wildcard, ` +
          `as in the default qualifier's names); they do the deploy, this role only assumes them`,
      ],
      [
        stacks,
        `the stacks of ${envName} (${stackName(envName, 'Network')} and the other five), each with the id CloudFormation ` +
          'generates after its name; read only, by npm run verify',
      ],
      [
        alarms,
        "cloudwatch:DescribeAlarms by name prefix (npm run verify lists the environment's alarms in ALARM) authorizes against " +
          `the alarm resource type as a whole; read only, alarm metadata of ${account} ${region}`,
      ],
      [
        '*',
        'elasticloadbalancing:DescribeTargetHealth and cloudwatch:GetMetricStatistics (npm run verify) support no resource-level ' +
          'permission; both read only',
      ],
      [
        arn('rds', `db:${database}`),
        `the database instances of ${envName} (${databaseIdentifier(envName)}, its readers, replicas and restored generations); ` +
          'read only, by the deploy to name parameter changes that wait for a reboot',
      ],
      [
        arn('rds', `cluster:${database}`),
        `the Aurora cluster of ${envName} and its restored generations; read only, by the deploy to name parameter changes that wait for a reboot`,
      ],
    ];
    for (const [resource, reason] of reasons) acknowledge(this.policy, { reason, rules: { AwsSolutions: [named(resource)] } });
  }
}

function trustConditions(trust: WebIdentityTrust): Record<string, Record<string, string>> {
  return { StringEquals: { [`${trust.issuer}:aud`]: trust.audience, [`${trust.issuer}:sub`]: trust.subject } };
}
