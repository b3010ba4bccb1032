import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  Validations,
  type App,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';

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
 * The wrapper gives each violation the severity `error`. The plugin leaves severity unset, and
 * aws-cdk-lib, once it has removed an acknowledged violation from a report, recomputes the report's
 * success as "no violation has severity error": without a severity, one acknowledgement would let
 * every other Control Tower finding through.
 */
export class ControlTowerChecks implements IPolicyValidationPlugin {
  private readonly guard = new CfnGuardValidator({
    // Templates with many resources exceed Node's default 1 MiB output buffer.
    maxBuffer: 64 * 1024 * 1024,
  });
  readonly name = this.guard.name;
  readonly version = this.guard.version;
  readonly ruleIds = this.guard.ruleIds;

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.guard.validate(context);
    return {
      ...report,
      violations: report.violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
    };
  }
}
