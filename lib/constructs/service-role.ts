import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ServiceRoleProps {
  /** The AWS service that assumes the role. */
  readonly assumedBy: iam.IPrincipal;
  /** Everything the role may do; nothing else can be added later. */
  readonly statements: iam.PolicyStatement[];
  readonly description?: string;
}

/**
 * A role for an AWS service whose permissions sit in one customer-managed policy written up front.
 * CDK's usual grants would add an inline policy (NIST 800-53 rejects those) and can widen a role
 * behind the reader's back; `role` ignores every later grant, so what is here is all it can do.
 */
export class ServiceRole extends Construct {
  readonly role: iam.IRole;
  /** Undefined when the role may do nothing at all. */
  readonly policy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const role = new iam.Role(this, 'Role', { assumedBy: props.assumedBy, description: props.description });
    if (props.statements.length > 0) {
      this.policy = new iam.ManagedPolicy(this, 'Policy', { statements: props.statements, roles: [role] });
    }
    this.role = role.withoutPolicyUpdates();
  }
}
