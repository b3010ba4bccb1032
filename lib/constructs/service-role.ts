import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * What the services that assume this app's roles send when they assume one, and so what their trust
 * policies check by default (the confused-deputy guard): `aws:SourceAccount` and an `aws:SourceArn`
 * pattern of this account and region, as each service documents it:
 * - ECS tasks: `arn:<partition>:ecs:<region>:<account>:*` (ECS developer guide, "Amazon ECS task IAM
 *   role": a specific cluster is not supported in the pattern). AWS documents this for the task role
 *   only: a task execution role opts out (`withoutSourceConditions`), see FargateAppService.
 * - VPC flow logs: `arn:<partition>:ec2:<region>:<account>:vpc-flow-log/*` (VPC user guide, "IAM role
 *   for publishing flow logs to CloudWatch Logs").
 * - Step Functions: `arn:<partition>:states:<region>:<account>:stateMachine:*` (the trust policy the
 *   Step Functions console writes for a state machine's role).
 * Not listed, on purpose: lambda.amazonaws.com (the Lambda developer guide documents no source context
 * for an execution role) and rds.amazonaws.com, whose RDS Proxy role is documented without one (RDS user
 * guide, "Getting started with RDS Proxy"); a role for an RDS feature that sends one (S3 export) names
 * its `sourceArns` itself.
 */
const DOCUMENTED_SOURCE_ARNS: Readonly<Record<string, (stack: Stack) => string>> = {
  'ecs-tasks.amazonaws.com': (stack) => `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:*`,
  'vpc-flow-logs.amazonaws.com': (stack) => `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:vpc-flow-log/*`,
  'states.amazonaws.com': (stack) => `arn:${stack.partition}:states:${stack.region}:${stack.account}:stateMachine:*`,
};

/**
 * Why an ECS task execution role's trust names no source: the ECS developer guide documents
 * aws:SourceAccount and aws:SourceArn for the task role, and a trust policy without a condition for the
 * execution role; a condition ECS does not send there would stop every task from starting. The role
 * cannot be passed to another account's tasks (iam:PassRole stays in the account), and only this
 * stack passes it.
 */
export const EXECUTION_ROLE_TRUST = 'the ECS developer guide documents the task execution role without source conditions';

/**
 * The confused-deputy guard of a service principal's trust statement: this stack's account, and the
 * source ARNs (ArnLike patterns) the service may act for.
 */
export function sourceConditions(stack: Stack, sourceArns: readonly string[]): Record<string, Record<string, unknown>> {
  return {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: { 'aws:SourceArn': sourceArns.length === 1 ? sourceArns[0] : [...sourceArns] },
  };
}

export interface ServiceRoleProps {
  /** The AWS service that assumes the role. */
  readonly assumedBy: iam.IPrincipal;
  /**
   * The resources the service assumes the role for (ArnLike patterns of `aws:SourceArn`); with them the
   * trust policy also requires this stack's account as `aws:SourceAccount`.
   * @default - the documented pattern of the service (DOCUMENTED_SOURCE_ARNS) where there is one; none
   * for a service that sends no source context (Lambda)
   */
  readonly sourceArns?: readonly string[];
  /**
   * Why the trust policy names no source, where the service's documentation gives none for this
   * role though it does for others of the same principal (the default would then be guessed).
   * @default - the source conditions above
   */
  readonly withoutSourceConditions?: string;
  /**
   * Permissions no construct grants (e.g. a VPC function's network-interface actions).
   * @default - none: everything comes from the grants of the resources the role uses
   */
  readonly statements?: iam.PolicyStatement[];
  readonly description?: string;
}

/**
 * A role for an AWS service whose every permission sits in one customer-managed policy: NIST 800-53
 * rejects inline policies, which CDK's grants would otherwise write. It is an IGrantable, so the
 * constructs' own grant methods (`bucket.grantWrite(role)`, `secret.grantRead(role)`) are how it
 * gets its permissions; each grant lands in that policy and nowhere else (never in a resource's
 * policy behind the reader's back).
 *
 * Its trust policy names the service with the source conditions the service documents (see
 * DOCUMENTED_SOURCE_ARNS), so that the service acting for another account cannot assume it.
 *
 * The role lists the policy among its own managed policies (rather than the policy naming the role),
 * so CloudFormation creates the policy before the role, and everything that uses the role after
 * both: Lambda checks a VPC function's network-interface and dead-letter permissions when it
 * creates the function, and a policy that attached itself later would not be waited for.
 */
export class ServiceRole extends Construct implements iam.IGrantable {
  readonly role: iam.IRole;
  readonly grantPrincipal: iam.IPrincipal;
  private readonly singlePolicyRole: SinglePolicyRole;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    this.singlePolicyRole = new SinglePolicyRole(this, 'Role', {
      assumedBy: props.withoutSourceConditions ? props.assumedBy : withSourceConditions(Stack.of(this), props.assumedBy, props.sourceArns),
      description: props.description,
    });
    for (const statement of props.statements ?? []) this.singlePolicyRole.addToPrincipalPolicy(statement);
    this.role = this.singlePolicyRole;
    this.grantPrincipal = this.singlePolicyRole;
  }

  /** The role's one policy; undefined while the role may do nothing. */
  get policy(): iam.ManagedPolicy | undefined {
    return this.singlePolicyRole.policy;
  }

  /** Adds a permission to the role's one policy. */
  addToPolicy(statement: iam.PolicyStatement): void {
    this.singlePolicyRole.addToPrincipalPolicy(statement);
  }
}

/** The principal with the source conditions its service documents, or those given. */
function withSourceConditions(stack: Stack, principal: iam.IPrincipal, sourceArns?: readonly string[]): iam.IPrincipal {
  const documented = principal instanceof iam.ServicePrincipal ? DOCUMENTED_SOURCE_ARNS[principal.service] : undefined;
  const arns = sourceArns ?? (documented ? [documented(stack)] : undefined);
  if (!arns) return principal;
  if (arns.length === 0) throw new Error('ServiceRole: sourceArns must name at least one source (leave it out for the default)');
  return new iam.PrincipalWithConditions(principal, sourceConditions(stack, arns));
}

/** A role whose grants go to one customer-managed policy, created with the first grant. */
class SinglePolicyRole extends iam.Role {
  policy?: iam.ManagedPolicy;

  addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (!this.policy) {
      // A child of the ServiceRole construct, beside the role: its logical id stays `<id>Policy…`.
      this.policy = new iam.ManagedPolicy(this.node.scope as Construct, 'Policy');
      super.addManagedPolicy(this.policy);
    }
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }

  addManagedPolicy(policy: iam.IManagedPolicy): void {
    throw new Error(`${this.node.path}: a service role keeps all its permissions in one policy (got ${policy.managedPolicyArn})`);
  }

  attachInlinePolicy(policy: iam.Policy): void {
    throw new Error(`${this.node.path}: a service role has no inline policy (got ${policy.node.path})`);
  }
}
