import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';

/** A validator that can start its work in worker threads and collect it when aws-cdk-lib calls it. */
export interface BackgroundValidator {
  startInBackground(context: IPolicyValidationContext): void;
}

/**
 * A validation plugin, unchanged (same name, version, rules and report), that first starts other
 * validators' work in the background.
 *
 * aws-cdk-lib calls plugins one after the other, each blocking, once every template is written.
 * Registered first, this one starts the slow validators (the CloudFormation engine, cfn-guard) in
 * worker threads before its own plugin runs on the main thread; they are collected when aws-cdk-lib
 * calls them, later. On 2 cores, the plugins' work then overlaps instead of adding up.
 */
export class StartsBackgroundFirst implements IPolicyValidationPlugin {
  constructor(
    private readonly plugin: IPolicyValidationPlugin,
    private readonly background: readonly BackgroundValidator[],
  ) {}

  get name(): string {
    return this.plugin.name;
  }

  get version(): string | undefined {
    return this.plugin.version;
  }

  get ruleIds(): string[] | undefined {
    return this.plugin.ruleIds;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    for (const validator of this.background) validator.startInBackground(context);
    return this.plugin.validate(context);
  }
}
