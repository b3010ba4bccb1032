import { fixedName } from '../../scripts/lib/cloudformation-facts';
import { TemplateModel, type Json } from './template-model';

/**
 * Whether a disposable environment can be destroyed and deployed again the same day:
 * - nothing refuses to be deleted (deletion protection, termination protection, a backup vault with
 *   recovery points, an ECR repository with images, an S3 bucket with objects), unless it is retained;
 * - nothing left behind keeps a fixed name that the next deploy would ask for again ("already
 *   exists"): what is retained is named by CloudFormation, or by something new at every creation.
 * A secret CloudFormation deletes is deleted without a recovery window, so its name is free again.
 */
export function teardownViolations(model: TemplateModel, terminationProtected: (stackName: string) => boolean): string[] {
  const violations: string[] = [];
  for (const stack of model.stacks) {
    if (terminationProtected(stack.stackName)) violations.push(`${stack.stackName} is termination-protected`);
  }
  for (const resource of model.resources()) {
    const policy = resource.definition.DeletionPolicy ?? 'Delete';
    const retained = policy === 'Retain' || policy === 'RetainExceptOnCreate';
    const describe = TemplateModel.describe(resource);
    const value = (property: string) => model.resolve(resource.stack, resource.properties[property]);
    if (retained) {
      const name = fixedName(resource.type, resource.properties);
      if (name !== undefined)
        violations.push(`${describe} is retained with the fixed name "${name}": the next deploy fails with "already exists"`);
      continue;
    }
    switch (resource.type) {
      case 'AWS::Backup::BackupVault':
        violations.push(`${describe} is deleted with its stack, which fails while it holds recovery points`);
        break;
      case 'AWS::ECR::Repository':
        if (value('EmptyOnDelete') !== true)
          violations.push(`${describe} is deleted with its stack, which fails while it holds images (EmptyOnDelete is off)`);
        break;
      case 'AWS::S3::Bucket':
        violations.push(`${describe} is deleted with its stack, which fails while it holds objects`);
        break;
      case 'AWS::RDS::DBCluster':
      case 'AWS::RDS::DBInstance':
        if (value('DeletionProtection') === true) violations.push(`${describe} has deletion protection on`);
        break;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        if (
          (value('LoadBalancerAttributes') ?? []).some(
            (entry: Json) => entry.Key === 'deletion_protection.enabled' && entry.Value === 'true',
          )
        ) {
          violations.push(`${describe} has deletion protection on`);
        }
        break;
    }
  }
  return violations;
}
