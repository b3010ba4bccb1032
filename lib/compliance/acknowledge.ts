import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The validators whose findings can be acknowledged, by the name each prints before `::` in a rule id. */
export const RULE_PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'Serverless', 'cdk-validator-cfnguard', 'CloudFormation-Validate'] as const;
export type RulePack = (typeof RULE_PACKS)[number];

/** cdk-nag's packs print their rule ids with the pack's name in front (`AwsSolutions-RDS11`); the others do not. */
const PREFIXED_PACKS: readonly RulePack[] = ['AwsSolutions', 'NIST.800.53.R5', 'Serverless'];

/** One fact about a construct, and the findings of every validator that it answers. */
export interface Acknowledgement {
  /** Why the findings are intended, specific to this construct: said once, whichever validators raise them. */
  readonly reason: string;
  /**
   * The rules the fact answers, per validator, each as printed after `::` in the finding's id: for
   * `AwsSolutions::AwsSolutions-IAM5[Resource::*]`, `{ AwsSolutions: ['AwsSolutions-IAM5[Resource::*]'] }`;
   * Control Tower's controls are cfn-guard rules (`'cdk-validator-cfnguard': ['sqs_dlq_check']`),
   * CloudFormation's checks are `'CloudFormation-Validate': ['W3010']`.
   */
  readonly rules: { readonly [pack in RulePack]?: readonly string[] };
}

/**
 * Acknowledges one fact on one construct (and its children): every rule it answers, with its reason.
 * Keep the call next to the resource it concerns; `npm run acks` lists every acknowledgement.
 */
export function acknowledge(scope: IConstruct, acknowledgement: Acknowledgement): void {
  const ruleIds = acknowledgedRuleIds(acknowledgement, scope.node.path);
  if (acknowledgement.reason.trim().length < 20) {
    throw new Error(`acknowledgement of ${ruleIds.join(', ')} at ${scope.node.path} needs a specific reason`);
  }
  for (const ruleId of ruleIds) {
    Validations.of(scope).acknowledge({ id: ruleId, reason: acknowledgement.reason });
    // Marks the acknowledgement as this project's, apart from those aws-cdk-lib makes itself.
    scope.node.addMetadata(PROJECT_ACKNOWLEDGEMENT_METADATA_KEY, ruleId);
  }
}

/** The full rule ids (`<pack>::<rule>`) an acknowledgement names, in the order written; refuses a misspelt one. */
export function acknowledgedRuleIds(acknowledgement: Acknowledgement, where = 'an acknowledgement'): string[] {
  const ruleIds: string[] = [];
  for (const [pack, rules] of Object.entries(acknowledgement.rules) as [string, readonly string[]][]) {
    if (!(RULE_PACKS as readonly string[]).includes(pack))
      throw new Error(`${where}: unknown rule pack ${pack} (${RULE_PACKS.join(', ')})`);
    for (const rule of rules) {
      const withPack = RULE_PACKS.some((known) => rule.startsWith(`${known}::`));
      if (withPack || (PREFIXED_PACKS.includes(pack as RulePack) && !rule.startsWith(`${pack}-`))) {
        throw new Error(`${where}: ${pack} rule ${rule} is not written as its findings print it after '${pack}::'`);
      }
      ruleIds.push(`${pack}::${rule}`);
    }
  }
  if (ruleIds.length === 0) throw new Error(`${where}: an acknowledgement names at least one rule`);
  return ruleIds;
}

/** The rules that ask every secret for a rotation schedule of its own. */
export const SECRET_ROTATION_RULES: Acknowledgement['rules'] = {
  AwsSolutions: ['AwsSolutions-SMG4'],
  'NIST.800.53.R5': ['NIST.800.53.R5-SecretsManagerRotationEnabled'],
};

export const PROJECT_ACKNOWLEDGEMENT_METADATA_KEY = 'cs2analytics:acknowledged-rule';

/** Control Tower CT.CLOUDWATCH.PR.2 asks every log group to keep a year. */
export const AUDIT_LOG_RETENTION_DAYS = 365;

/**
 * Where the config keeps a log group less than a year, acknowledges Control Tower's one-year
 * retention control on that group, naming the config field that chose it. Does nothing otherwise.
 */
export function acknowledgeConfiguredLogRetention(logGroup: IConstruct, envName: string, configField: string, days: number): void {
  if (days >= AUDIT_LOG_RETENTION_DAYS) return;
  acknowledge(logGroup, {
    reason:
      `${envName} keeps these logs ${days} days by config (${configField}) to save cost; ` +
      `environments that need a year of audit set ${AUDIT_LOG_RETENTION_DAYS} or more`,
    rules: { 'cdk-validator-cfnguard': ['cloudwatch_log_group_retention_period_check'] },
  });
}
