import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { fixedName, isStateful } from './cloudformation-facts';

/**
 * What a change of configuration does to each stack, as CloudFormation will do it: resources added,
 * removed, updated in place and replaced (the diff library the CDK CLI uses knows which property
 * changes replace a resource). Replacing or removing a resource that holds data or has a fixed name
 * is flagged with the reason: the first loses data, the second fails ("already exists").
 */

export interface ResourceChange {
  readonly logicalId: string;
  readonly type: string;
  /** Why it matters, for flagged changes. */
  readonly reason?: string;
  /** The properties whose change forces the replacement. */
  readonly because?: readonly string[];
  /**
   * CloudFormation's specification calls the replacement conditional ("may be replaced"): reported,
   * not flagged, since the conditions (e.g. a DB instance restored from a snapshot) do not apply here.
   */
  readonly conditional?: boolean;
}

export interface StackImpact {
  readonly stackName: string;
  readonly added: ResourceChange[];
  readonly removed: ResourceChange[];
  readonly updated: ResourceChange[];
  readonly replaced: ResourceChange[];
  /** Replaced or removed resources that hold data or carry a fixed name. */
  readonly flagged: ResourceChange[];
}

const REPLACING = new Set<ResourceImpact>([ResourceImpact.WILL_REPLACE, ResourceImpact.MAY_REPLACE]);
const REMOVING = new Set<ResourceImpact>([ResourceImpact.WILL_DESTROY, ResourceImpact.WILL_ORPHAN]);

/** Why replacing or removing this resource is a problem, or undefined. */
export function riskOf(type: string, properties: Record<string, unknown>, replacing: boolean): string | undefined {
  const reasons: string[] = [];
  if (isStateful(type, properties)) reasons.push('it holds data');
  const name = fixedName(type, properties);
  if (name !== undefined && replacing) reasons.push(`its name ${name} is fixed: the new one cannot be created while the old one exists`);
  if (type === 'AWS::ECS::Service' && properties.ServiceConnectConfiguration !== undefined && replacing) {
    reasons.push('CloudFormation refuses to replace a service that uses Service Connect');
  }
  return reasons.length ? reasons.join('; ') : undefined;
}

export function compareStacks(before: ReadonlyMap<string, any>, after: ReadonlyMap<string, any>): StackImpact[] {
  const impacts: StackImpact[] = [];
  for (const stackName of new Set([...before.keys(), ...after.keys()])) {
    const impact: StackImpact = { stackName, added: [], removed: [], updated: [], replaced: [], flagged: [] };
    const [old, now] = [before.get(stackName), after.get(stackName)];
    // Most changes touch one or two stacks: an identical template needs no diff (the diff engine's
    // deep comparisons cost tens of milliseconds per stack).
    if (old !== undefined && now !== undefined && JSON.stringify(old) === JSON.stringify(now)) continue;
    const diff = fullDiff(old ?? {}, now ?? {});
    diff.resources.forEachDifference((logicalId, change) => {
      const type = change.newResourceType ?? change.oldResourceType ?? 'unknown';
      const properties = (change.oldValue?.Properties ?? change.newValue?.Properties ?? {}) as Record<string, unknown>;
      const impactKind = change.changeImpact;
      if (change.isAddition) {
        impact.added.push({ logicalId, type });
      } else if (change.isRemoval || REMOVING.has(impactKind)) {
        const policy = change.oldValue?.DeletionPolicy ?? 'Delete';
        const name = fixedName(type, properties);
        const reason =
          policy === 'Retain' || policy === 'RetainExceptOnCreate'
            ? name !== undefined
              ? `it is left behind (retained) under its fixed name ${name}: adding it back later fails`
              : undefined
            : isStateful(type, properties)
              ? `its data is deleted${policy === 'Snapshot' ? ' (a final snapshot is kept)' : ''}`
              : undefined;
        impact.removed.push({ logicalId, type, reason });
        if (reason) impact.flagged.push({ logicalId, type, reason: `removed, and ${reason}` });
      } else if (REPLACING.has(impactKind)) {
        const because = Object.entries(change.propertyUpdates)
          .filter(([, update]) => REPLACING.has(update.changeImpact as ResourceImpact))
          .map(([property]) => property);
        if (change.otherChanges?.Type) because.push('Type');
        const conditional = impactKind === ResourceImpact.MAY_REPLACE;
        const reason = riskOf(type, properties, true);
        impact.replaced.push({ logicalId, type, reason, because, conditional });
        if (reason && !conditional)
          impact.flagged.push({
            logicalId,
            type,
            reason: `replaced (${because.join(', ') || 'a property that replaces it'} changed), and ${reason}`,
            because,
          });
      } else if (impactKind !== ResourceImpact.NO_CHANGE) {
        impact.updated.push({ logicalId, type });
      }
    });
    if (impact.added.length + impact.removed.length + impact.updated.length + impact.replaced.length > 0) impacts.push(impact);
  }
  flagStaleReferences(before, after, impacts);
  return impacts;
}

/**
 * Cross-stack references are weak (`Fn::GetStackOutput`, cdk.json): CloudFormation resolves one when
 * the consuming stack is created or updated, and does not update the consumer when the producer's
 * value changes later (CloudFormation template reference, Fn::GetStackOutput; aws/aws-cdk#38503).
 * So when a producer replaces or removes a resource another stack references, and the consuming
 * resource's definition does not change, the consumer keeps the old value: flagged on the consumer.
 */
function flagStaleReferences(before: ReadonlyMap<string, any>, after: ReadonlyMap<string, any>, impacts: StackImpact[]): void {
  const changedAway = new Map<string, Set<string>>();
  for (const impact of impacts) {
    // A conditional replacement does not happen here (see ResourceChange.conditional): no new value.
    const gone = [...impact.replaced.filter((change) => !change.conditional), ...impact.removed];
    changedAway.set(impact.stackName, new Set(gone.map((change) => change.logicalId)));
  }
  for (const [consumer, template] of after) {
    const old = before.get(consumer);
    if (!old) continue;
    for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
      if (JSON.stringify(old.Resources?.[logicalId]) !== JSON.stringify(resource)) continue;
      for (const reference of JSON.stringify(resource).matchAll(
        /"Fn::GetStackOutput":\{"StackName":"([^"]+)",[^}]*"OutputName":"([^"]+)"/g,
      )) {
        const [, producer, output] = reference;
        const value = JSON.stringify(before.get(producer)?.Outputs?.[output]?.Value ?? null);
        const gone = [...(changedAway.get(producer) ?? [])].filter((id) => value.includes(`"${id}"`));
        if (gone.length === 0) continue;
        let impact = impacts.find((candidate) => candidate.stackName === consumer);
        if (!impact) {
          impact = { stackName: consumer, added: [], removed: [], updated: [], replaced: [], flagged: [] };
          impacts.push(impact);
        }
        impact.flagged.push({
          logicalId,
          type: resource.Type,
          reason: `keeps the old value of ${gone.join(', ')} from ${producer}, which is replaced or removed: a weak reference is resolved only when the resource itself is updated`,
        });
      }
    }
  }
}

/** The report `npm run impact` prints. */
export function formatImpact(impacts: readonly StackImpact[]): string {
  if (impacts.length === 0) return 'No stack changes.';
  const lines: string[] = [];
  for (const impact of impacts) {
    lines.push(
      `${impact.stackName}: ${impact.added.length} added, ${impact.removed.length} removed, ${impact.updated.length} updated in place, ${impact.replaced.length} replaced`,
    );
    for (const change of impact.added) lines.push(`  + ${change.type} ${change.logicalId}`);
    for (const change of impact.removed) lines.push(`  - ${change.type} ${change.logicalId}`);
    for (const change of impact.updated) lines.push(`  ~ ${change.type} ${change.logicalId}`);
    for (const change of impact.replaced) {
      lines.push(
        `  ! ${change.type} ${change.logicalId} (${change.conditional ? 'may be replaced' : 'replaced'}: ${change.because?.join(', ') || 'replacing property'})`,
      );
    }
    for (const change of impact.flagged) lines.push(`  DANGER ${change.type} ${change.logicalId}: ${change.reason}`);
  }
  return lines.join('\n');
}
