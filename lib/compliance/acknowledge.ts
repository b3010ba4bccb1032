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
}
