import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one compliance finding on one construct (and its children), with the reason it is
 * intended. `ruleId` is the id printed with the finding, e.g. `AwsSolutions::AwsSolutions-VPC3`.
 * Keep the call next to the resource it concerns; `npm run acks` lists every acknowledgement.
 */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
  if (reason.trim().length < 20) {
    throw new Error(`acknowledgement of ${ruleId} at ${scope.node.path} needs a specific reason`);
  }
  Validations.of(scope).acknowledge({ id: ruleId, reason });
  // Marks the acknowledgement as this project's, apart from those aws-cdk-lib makes itself.
  scope.node.addMetadata(PROJECT_ACKNOWLEDGEMENT_METADATA_KEY, ruleId);
}

export const PROJECT_ACKNOWLEDGEMENT_METADATA_KEY = 'cs2analytics:acknowledged-rule';

/** Control Tower CT.CLOUDWATCH.PR.2 asks every log group to keep a year. */
export const AUDIT_LOG_RETENTION_DAYS = 365;

/**
 * Where the config keeps a log group less than a year, acknowledges Control Tower's one-year
 * retention control on that group, naming the config field that chose it. Does nothing otherwise.
 */
export function acknowledgeConfiguredLogRetention(logGroup: IConstruct, envName: string, configField: string, days: number): void {
  if (days >= AUDIT_LOG_RETENTION_DAYS) return;
  acknowledge(
    logGroup,
    'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
    `${envName} keeps these logs ${days} days by config (${configField}) to save cost; ` +
      `environments that need a year of audit set ${AUDIT_LOG_RETENTION_DAYS} or more`,
  );
}
