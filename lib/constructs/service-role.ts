import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ServiceRoleProps {
  /** The AWS service that assumes the role. */
  readonly assumedBy: iam.IPrincipal;
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
    this.singlePolicyRole = new SinglePolicyRole(this, 'Role', { assumedBy: props.assumedBy, description: props.description });
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
