import type { Json, TemplateModel } from './template-model';

/**
 * Where CloudFormation resolves a weak cross-stack reference (`Fn::GetStackOutput`, which
 * `@aws-cdk/core:defaultCrossStackReferences: "weak"` makes of every reference between stacks):
 * only the positions that were shown to deploy are accepted here. They are a resource property's
 * value, an element of `Fn::Join`'s list, and a branch of `Fn::If` in either (cfn-lint's tests of
 * the function, aws-cloudformation/cfn-lint#4495, with create-stack). Elsewhere CloudFormation
 * refuses it (Conditions, `Fn::ImportValue`, an export's name) or was shown to accept it later and
 * in one region only (an output's value, `Fn::Sub`, `Fn::Base64`: cfn-lint#4519, us-east-1) or not
 * at all: the CDK held back an `Fn::Split` over it because CloudFormation did not accept it in every
 * region (aws/aws-cdk#37948), and cfn-lint rejects that nesting (E1022). The reference's own
 * arguments are literals.
 */
export function crossStackReferenceViolations(model: TemplateModel): string[] {
  const violations: string[] = [];
  const visit = (where: string, value: Json, context: string | undefined): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(`${where}/${index}`, item, context));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const keys = Object.keys(value);
    const fn = keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::')) ? keys[0] : undefined;
    if (fn === 'Fn::GetStackOutput') {
      if (context !== undefined) violations.push(`${where}: Fn::GetStackOutput inside ${context}`);
      const args = value[fn] as Json;
      for (const [name, arg] of Object.entries<Json>(args ?? {})) {
        if (typeof arg !== 'string') violations.push(`${where}: Fn::GetStackOutput's ${name} is not a literal`);
      }
      return;
    }
    if (fn === 'Fn::Join' && Array.isArray(value[fn]) && Array.isArray(value[fn][1])) {
      value[fn][1].forEach((item: Json, index: number) => visit(`${where}/Fn::Join/1/${index}`, item, context));
      return;
    }
    if (fn === 'Fn::If' && Array.isArray(value[fn])) {
      value[fn].slice(1).forEach((item: Json, index: number) => visit(`${where}/Fn::If/${index + 1}`, item, context));
      return;
    }
    for (const key of keys) visit(`${where}/${key}`, value[key], fn ?? context);
  };
  for (const stack of model.stacks) {
    const { Resources = {}, ...sections } = stack.template as { Resources?: Record<string, Json> };
    for (const [logicalId, resource] of Object.entries<Json>(Resources)) {
      for (const [attribute, value] of Object.entries<Json>(resource)) {
        visit(`${stack.stackName}/${logicalId}/${attribute}`, value, attribute === 'Properties' ? undefined : attribute);
      }
    }
    for (const [section, value] of Object.entries<Json>(sections)) visit(`${stack.stackName}/${section}`, value, section);
  }
  return violations;
}
