import { POLICY_DOCUMENT_KEYS, TemplateModel, type ModelResource } from './template-model';

/** Types that hold or attach permissions: they name roles without acting as them. */
const IAM_TYPES = new Set(['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::InstanceProfile']);

export interface OrderViolation {
  readonly user: string;
  readonly role: string;
  readonly policy: string;
}

/**
 * Whatever uses a role (a Lambda function, a task definition and so the service that starts its
 * tasks, a proxy, a flow log, a database's associated role, a backup selection) must be created
 * after every policy attached to that role: AWS checks some of these permissions when it creates
 * the user (Lambda: a VPC function's network interfaces, its dead-letter queue), and the others are
 * needed the moment it starts working. A policy that names the role in its `Roles` attaches itself
 * and nothing makes the user wait for it; one listed in the role's own `ManagedPolicyArns` is
 * created before the role, and so before anything that references the role.
 */
export function creationOrderViolations(model: TemplateModel): OrderViolation[] {
  const attachedPolicies = new Map<ModelResource, ModelResource[]>();
  for (const policy of model.resources('AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy')) {
    for (const value of [policy.properties.Roles ?? []].flat()) {
      const role = model.referenceOf(policy.stack, value)?.target;
      if (role?.type === 'AWS::IAM::Role') attachedPolicies.set(role, [...(attachedPolicies.get(role) ?? []), policy]);
    }
  }
  const violations: OrderViolation[] = [];
  for (const user of model.resources()) {
    if (IAM_TYPES.has(user.type)) continue;
    const roles = new Set(
      model
        .referencesIn(user.stack, user.properties, POLICY_DOCUMENT_KEYS)
        .map((reference) => reference.target)
        .filter((target) => target.type === 'AWS::IAM::Role'),
    );
    for (const role of roles) {
      for (const policy of attachedPolicies.get(role) ?? []) {
        if (!model.isCreatedAfter(user, policy)) {
          violations.push({
            user: TemplateModel.describe(user),
            role: TemplateModel.describe(role),
            policy: TemplateModel.describe(policy),
          });
        }
      }
    }
  }
  return violations;
}
