import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { CachedCloudFormationValidate } from './cloudformation-validate';
import { ControlTowerChecks } from './control-tower';
import { StartsBackgroundFirst } from './starts-background-first';
import { defaultValidationCacheDirectory, ValidationCache } from './validation-cache';

export { ControlTowerChecks } from './control-tower';

/**
 * App context that makes a finding fail the app itself. The CDK CLI asks apps to leave validation
 * reporting to it, but then reports only on the stacks it selected: without this, `cdk deploy
 * prod/Services` would pass with a finding in another stack of the app. Give it as `postCliContext`,
 * so that it wins over the CLI's context.
 */
export const FAIL_ON_FINDINGS_CONTEXT = { '@aws-cdk/core:failSynthOnValidationErrors': true } as const;

export interface ComplianceGateOptions {
  /**
   * Where the findings of the CloudFormation and Control Tower validators are cached by template
   * content, or `false` for no cache. bin/app.ts takes it from `CS2ANALYTICS_VALIDATION_CACHE`.
   * @default node_modules/.cache/cs2-analytics-validation
   */
  readonly validationCache?: string | false;
  /**
   * Start CloudFormation validation's engine in a worker thread at once, so that its seconds of
   * start-up overlap building the app. Worth it in a process that synthesizes one app (bin/app.ts);
   * a process that synthesizes many shares one engine in-process without it.
   * @default false
   */
  readonly prewarm?: boolean;
  /**
   * Whether CloudFormation validation runs. aws-cdk-lib skips its built-in validation when the App
   * is built with `builtinCloudFormationValidation: false` or `CDK_VALIDATION` is `false` (`cdk synth
   * --no-validation`), but it would still run an instance that the app registers: whoever builds the
   * App passes `false` here in those cases (bin/app.ts reads `CDK_VALIDATION`).
   * @default true
   */
  readonly cloudFormationValidation?: boolean;
}

/**
 * The compliance gates that run on every synth of the whole app. Any unacknowledged finding fails
 * synth. aws-cdk-lib's own CloudFormation validation runs too: it is on by default and the context
 * flag `@aws-cdk/core:validateAgainstDefaultRules` (cdk.json) turns its findings into errors.
 *
 * Acknowledgements live next to the resource they concern (see ./acknowledge.ts); nothing here
 * switches a rule off.
 */
export function addComplianceGates(app: App, options: ComplianceGateOptions = {}): void {
  const directory = options.validationCache ?? defaultValidationCacheDirectory();
  const cache = directory === false ? undefined : new ValidationCache({ directory });
  const controlTower = new ControlTowerChecks({ cache });
  // aws-cdk-lib adds its CloudFormation validation unless the app registers an instance of it:
  // this one caches.
  const cloudFormation =
    options.cloudFormationValidation === false ? undefined : new CachedCloudFormationValidate({ cache, prewarm: options.prewarm });
  // cdk-nag runs on the main thread; the CloudFormation engine and cfn-guard, started just before
  // it, run in worker threads meanwhile, and are collected after it.
  Validations.of(app).addPlugins(
    new StartsBackgroundFirst(new AwsSolutionsChecks(app), cloudFormation ? [cloudFormation, controlTower] : [controlTower]),
    new NIST80053R5Checks(app),
    new ServerlessChecks(app),
    ...(cloudFormation ? [cloudFormation] : []),
    controlTower,
  );
}
