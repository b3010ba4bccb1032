import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  Validations,
  type App,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import * as fs from 'fs';
import * as path from 'path';

/**
 * App context that makes a finding fail the app itself. The CDK CLI asks apps to leave validation
 * reporting to it, but then reports only on the stacks it selected, and a plain `cdk synth` selects
 * none inside a Stage: without this, such a synth would pass with findings. Give it as
 * `postCliContext`, so that it wins over the CLI's context.
 */
export const FAIL_ON_FINDINGS_CONTEXT = { '@aws-cdk/core:failSynthOnValidationErrors': true } as const;

/**
 * The compliance gates that run on every synth of the whole app. Any unacknowledged finding fails
 * synth. aws-cdk-lib's own CloudFormation validation runs too: it is on by default and the context
 * flag `@aws-cdk/core:validateAgainstDefaultRules` (cdk.json) turns its findings into errors.
 *
 * Acknowledgements live next to the resource they concern (see ./acknowledge.ts); nothing here
 * switches a rule off.
 */
export function addComplianceGates(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new NIST80053R5Checks(app),
    new ServerlessChecks(app),
    new ControlTowerChecks(),
  );
}

/**
 * The Control Tower proactive controls, run by the cfn-guard binary that
 * @cdklabs/cdk-validator-cfnguard ships.
 *
 * Two differences from using the plugin as it comes:
 * - Each template is checked with only the rule files that name a resource type it holds. A rule
 *   about a type a template does not hold has nothing to check there, so the findings are the same
 *   (a test compares them with the unfiltered plugin), and synth is seconds faster.
 * - Each violation gets the severity `error`. The plugin leaves it unset, and aws-cdk-lib, once it
 *   has removed an acknowledged violation from a report, recomputes the report's success as "no
 *   violation has severity error": without a severity, one acknowledgement would let every other
 *   Control Tower finding through.
 */
export class ControlTowerChecks implements IPolicyValidationPlugin {
  private static readonly RULES_DIR = path.join(
    path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
    'rules',
    'control-tower',
    'cfn-guard',
  );
  private static ruleFiles?: readonly { file: string; resourceTypes: ReadonlySet<string> }[];

  private readonly reference = new CfnGuardValidator();
  readonly name = this.reference.name;
  readonly version = this.reference.version;
  readonly ruleIds = this.reference.ruleIds;

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    // One cfn-guard run per template, with the rules for that template's resource types only.
    const violations = context.templatePaths.flatMap((templatePath) => {
      const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
      const present = new Set(Object.values<{ Type: string }>(template.Resources ?? {}).map((resource) => resource.Type));
      const rules = ControlTowerChecks.controlTowerRuleFiles()
        .filter((rule) => [...rule.resourceTypes].some((type) => present.has(type)))
        .map((rule) => rule.file);
      if (rules.length === 0) return [];
      const guard = new CfnGuardValidator({
        controlTowerRulesEnabled: false,
        rules,
        // Templates with many resources exceed Node's default 1 MiB output buffer.
        maxBuffer: 64 * 1024 * 1024,
      });
      return guard.validate({ ...context, templatePaths: [templatePath] }).violations;
    });
    return {
      success: violations.length === 0,
      violations: violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
    };
  }

  private static controlTowerRuleFiles() {
    ControlTowerChecks.ruleFiles ??= fs
      .readdirSync(ControlTowerChecks.RULES_DIR, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.guard'))
      .map((file) => {
        const full = path.join(ControlTowerChecks.RULES_DIR, file);
        const types = fs.readFileSync(full, 'utf8').match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? [];
        return { file: full, resourceTypes: new Set(types) };
      });
    return ControlTowerChecks.ruleFiles;
  }
}
