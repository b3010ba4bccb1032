import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface AcknowledgementRecord {
  readonly ruleId: string;
  readonly constructPath: string;
  readonly reason: string;
}

/** Every acknowledgement recorded in a construct tree, in tree order. */
export function listAcknowledgements(root: IConstruct): AcknowledgementRecord[] {
  const records: AcknowledgementRecord[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [ruleId, reason] of Object.entries(entry.data as Record<string, string>)) {
        records.push({ ruleId, constructPath: construct.node.path, reason });
      }
    }
  }
  return records;
}
