import { App } from 'aws-cdk-lib';
import type { Cs2AnalyticsStage } from './app-stage';
import { FAIL_ON_FINDINGS_CONTEXT, type ComplianceGateOptions } from './compliance/gates';
import type { EnvironmentConfig } from './config/schema';
import { buildCs2AnalyticsApp } from './cs2-analytics-app';

export interface SynthesizedStack {
  /** Construct id inside the stage, e.g. `Network`. */
  readonly id: string;
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
  const stage: Cs2AnalyticsStage = buildCs2AnalyticsApp(app, config, options.compliance);
  let error: string | undefined;
  try {
    app.synth();
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  const assembly = stage.synth();
  return {
    outdir,
    error,
    stacks: assembly.stacks.map((stack) => ({
      id: stack.hierarchicalId.split('/').pop() ?? stack.hierarchicalId,
      stackName: stack.stackName,
      templateFile: stack.templateFullPath,
      terminationProtection: stack.terminationProtection ?? false,
      tags: stack.tags,
    })),
  };
}
