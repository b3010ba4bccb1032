import { App } from 'aws-cdk-lib';
import { FAIL_ON_FINDINGS_CONTEXT, type ComplianceGateOptions } from './compliance/gates';
import { STACK_IDS, stackName, type StackId } from './config/names';
import type { EnvironmentConfig } from './config/schema';
import { buildCs2AnalyticsApp } from './cs2-analytics-app';

export interface SynthesizedStack {
  /** Which of the environment's stacks it is, e.g. `Network`. */
  readonly id: StackId;
  readonly stackName: string;
  readonly templateFile: string;
  readonly terminationProtection: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

export interface SynthesisResult {
  readonly outdir: string;
  readonly stacks: readonly SynthesizedStack[];
  /** The validators' report, or the synth error, when synth failed. */
  readonly error?: string;
}

export interface SynthesisOptions {
  /** The compliance gates' options, e.g. where their findings are cached. */
  readonly compliance?: ComplianceGateOptions;
}

/**
 * Synthesizes one environment outside the CLI (tests, scripts), with the same context as cdk.json
 * and the same compliance gates. A validator finding does not throw: it comes back in `error`,
 * next to the templates, which are written before validation runs.
 */
export function synthesizeEnvironment(
  config: EnvironmentConfig,
  outdir: string,
  context: Record<string, unknown>,
  options: SynthesisOptions = {},
): SynthesisResult {
  const app = new App({ outdir, context, postCliContext: FAIL_ON_FINDINGS_CONTEXT });
  buildCs2AnalyticsApp(app, config, options.compliance);
  let error: string | undefined;
  try {
    app.synth();
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  // Synthesized already (or failed in validation, after the templates were written): the same assembly.
  const assembly = app.synth();
  return {
    outdir,
    error,
    stacks: assembly.stacks.map((stack) => ({
      id: STACK_IDS.find((id) => stackName(config.envName, id) === stack.stackName)!,
      stackName: stack.stackName,
      templateFile: stack.templateFullPath,
      terminationProtection: stack.terminationProtection ?? false,
      tags: stack.tags,
    })),
  };
}
