import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { PROJECT_ACKNOWLEDGEMENT_METADATA_KEY } from './acknowledge';

export interface AcknowledgementRecord {
  readonly ruleId: string;
  readonly constructPath: string;
  readonly reason: string;
  /** Made by this project's `acknowledge` (false: by aws-cdk-lib itself). */
  readonly ours: boolean;
}

/** Every acknowledgement recorded in a construct tree, in tree order. */
export function listAcknowledgements(root: IConstruct): AcknowledgementRecord[] {
  const records: AcknowledgementRecord[] = [];
  for (const construct of root.node.findAll()) {
    const metadata = construct.node.metadata;
    const ours = new Set(metadata.filter((entry) => entry.type === PROJECT_ACKNOWLEDGEMENT_METADATA_KEY).map((entry) => entry.data));
    for (const entry of metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [ruleId, reason] of Object.entries(entry.data as Record<string, string>)) {
        records.push({ ruleId, constructPath: construct.node.path, reason, ours: ours.has(ruleId) });
      }
    }
  }
  return records;
}
