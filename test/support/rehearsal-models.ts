import { TemplateModel, type Json, type StackModel } from '../rehearsal/template-model';
import { TEST_ACCOUNT } from './context';
import { synthesized } from './synthesized';

/**
 * The rehearsals' view of a synthesized variant: its templates read as CloudFormation will, once per
 * test file, and copies of them with a fault put back in.
 */
const models = new Map<string, TemplateModel>();

export function modelOf(variant: string): TemplateModel {
  let model = models.get(variant);
  if (!model) {
    const { outdir, config } = synthesized(variant);
    model = TemplateModel.fromAssembly(outdir, { account: TEST_ACCOUNT, region: config.region });
    models.set(variant, model);
  }
  return model;
}

/** The same templates with a fault put back in: `mutate` edits a deep copy of every stack's template, by tier. */
export function withFault(variant: string, mutate: (templates: Record<string, Json>) => void): TemplateModel {
  const original = modelOf(variant);
  const stacks: StackModel[] = original.stacks.map((stack) => ({ ...stack, template: structuredClone(stack.template) }));
  mutate(Object.fromEntries(stacks.map((stack) => [stack.stackName.split('-').pop()!, stack.template])));
  return new TemplateModel(stacks, { account: original.account, region: original.region });
}

export function resourcesOf(template: Json, type: string): [string, Json][] {
  return Object.entries<Json>(template.Resources).filter(([, resource]) => resource.Type === type);
}
