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
 * - Only the rule files that name a resource type present in the templates are handed to
 *   cfn-guard. A rule about a type the templates do not hold has nothing to check, so the findings
 *   are the same, and synth is about a second faster (all 237 files take ~1.2 s per run).
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
    const present = new Set<string>();
    for (const templatePath of context.templatePaths) {
      const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
      for (const resource of Object.values<{ Type: string }>(template.Resources ?? {})) present.add(resource.Type);
    }
    const rules = ControlTowerChecks.controlTowerRuleFiles()
      .filter((rule) => [...rule.resourceTypes].some((type) => present.has(type)))
      .map((rule) => rule.file);
    if (rules.length === 0) return { success: true, violations: [] };

    const guard = new CfnGuardValidator({
      controlTowerRulesEnabled: false,
      rules,
      // Templates with many resources exceed Node's default 1 MiB output buffer.
      maxBuffer: 64 * 1024 * 1024,
    });
    const report = guard.validate(context);
    return {
      ...report,
      violations: report.violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
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
