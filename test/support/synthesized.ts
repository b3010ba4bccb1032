import { Template } from 'aws-cdk-lib/assertions';
import * as fs from 'fs';
import * as path from 'path';
import type { EnvironmentConfig } from '../../lib/config/schema';
import type { SynthesisResult, SynthesizedStack } from '../../lib/synthesize';
import { SYNTH_ROOT } from './variants';

export interface SynthesizedVariant extends SynthesisResult {
  readonly config: EnvironmentConfig;
}

const cache = new Map<string, SynthesizedVariant>();
const templates = new Map<string, Template>();

/** The variant the global setup synthesized for this run (see ./variants.ts). */
export function synthesized(variant: string): SynthesizedVariant {
  let result = cache.get(variant);
  if (!result) {
    const file = path.join(SYNTH_ROOT, variant, 'result.json');
    if (!fs.existsSync(file)) throw new Error(`variant ${variant} was not synthesized by the global setup`);
    result = JSON.parse(fs.readFileSync(file, 'utf8')) as SynthesizedVariant;
    cache.set(variant, result);
  }
  return result;
}

export function stackOf(variant: string, id: string): SynthesizedStack {
  const stack = synthesized(variant).stacks.find((candidate) => candidate.id === id);
  if (!stack) throw new Error(`variant ${variant} has no stack ${id}`);
  return stack;
}

/** The stack's template as an assertions Template, parsed once per test file. */
export function templateOf(variant: string, id: string): Template {
  const key = `${variant}/${id}`;
  let template = templates.get(key);
  if (!template) {
    template = Template.fromJSON(JSON.parse(fs.readFileSync(stackOf(variant, id).templateFile, 'utf8')));
    templates.set(key, template);
  }
  return template;
}
