import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { STATIC_PARAMETER_NAMES } from '../../lib/constructs/postgres-parameters';
import { ECS_DEPLOYING_PROPERTIES, fixedName, INTERRUPTING_UPDATES, isStateful, SPEC_CORRECTIONS } from './cloudformation-facts';

/**
 * What a change does to a deployed environment, as CloudFormation and the services behind it will
 * do it, with a verdict first and the details grouped by cause:
 *
 * - `refused`: CloudFormation stops the update and rolls it back (a resource with a fixed name to
 *   replace, a new resource under a name the old one still holds, a Service Connect service to
 *   replace, an engine change ElastiCache does not make), or a consumer in another stack would keep
 *   the old value of what is replaced (weak cross-stack references);
 * - `replaces data`: something that holds data is replaced or removed;
 * - `reboot or failover`: a database or node restarts, during the deploy or at the next restart you
 *   start (`npm run reboot`: static parameters);
 * - `restarts tasks`: a rolling deployment of a service (no downtime: 100 % stay healthy);
 * - `safe`: applied in place without interruption.
 *
 * Replacements come from the diff library the CDK CLI uses (it knows which property changes replace
 * a resource), corrected where CloudFormation has since changed (SPEC_CORRECTIONS), and followed
 * through the stack: a resource that names a replaced one in a property that replaces it is replaced
 * too, and one that names it elsewhere is updated with its new id.
 */

export type Verdict = 'safe' | 'restarts tasks' | 'reboot or failover' | 'replaces data' | 'refused';
/** Mildest first: a change's verdict is the last of its effects' in this order. */
export const VERDICTS: readonly Verdict[] = ['safe', 'restarts tasks', 'reboot or failover', 'replaces data', 'refused'];
/** Verdicts that make `npm run impact` exit 3 (EXIT.danger). */
export const DANGER: ReadonlySet<Verdict> = new Set(['replaces data', 'refused']);

export interface Effect {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly change: 'added' | 'removed' | 'replaced' | 'updated';
  readonly verdict: Verdict;
  /** What happens to it, and why that matters. */
  readonly detail: string;
  /** `<stack>/<logical id>` of the resource whose own change led here (its own key for a root). */
  readonly cause: string;
}

export interface Impact {
  readonly verdict: Verdict;
  readonly effects: readonly Effect[];
}

type Templates = ReadonlyMap<string, any>;
const REPLACING = new Set<ResourceImpact>([ResourceImpact.WILL_REPLACE, ResourceImpact.MAY_REPLACE]);
const key = (stackName: string, logicalId: string) => `${stackName}/${logicalId}`;

/** The worse of two verdicts. */
export function worst(a: Verdict, b: Verdict): Verdict {
  return VERDICTS.indexOf(a) >= VERDICTS.indexOf(b) ? a : b;
}

const replacingCache = new Map<string, boolean>();
/** Whether CloudFormation replaces a resource of `type` when `property` takes another value (the diff library's specification). */
function replacesWhenChanged(type: string, property: string, value: unknown, target: string): boolean {
  const corrected = SPEC_CORRECTIONS[type]?.[property];
  if (corrected) return false;
  const cacheKey = `${type} ${property}`;
  const cached = replacingCache.get(cacheKey);
  if (cached !== undefined) return cached;
  // The same property naming another resource: only the property's own update rule decides.
  const renamed = JSON.parse(JSON.stringify(value).replaceAll(`"${target}"`, `"${target}Replaced"`));
  const diff = fullDiff(
    { Resources: { Probe: { Type: type, Properties: { [property]: value } } } },
    { Resources: { Probe: { Type: type, Properties: { [property]: renamed } } } },
  );
  let replaces = false;
  diff.resources.forEachDifference((_id, change) => {
    replaces = REPLACING.has(change.propertyUpdates[property]?.changeImpact as ResourceImpact);
  });
  replacingCache.set(cacheKey, replaces);
  return replaces;
}

/** The logical ids a value names in its own stack (Ref, Fn::GetAtt, ${...} in Fn::Sub). */
function namedIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => namedIn(item, into));
  else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string' && !object.Ref.startsWith('AWS::')) into.add(object.Ref);
    if (Array.isArray(object['Fn::GetAtt'])) into.add(String(object['Fn::GetAtt'][0]).split('.')[0]);
    const sub = object['Fn::Sub'];
    const text = typeof sub === 'string' ? sub : Array.isArray(sub) ? String(sub[0]) : undefined;
    for (const match of text?.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}/g) ?? []) into.add(match[1]);
    for (const [name, child] of Object.entries(object)) if (name !== 'Ref') namedIn(child, into);
  }
  return into;
}

interface Direct {
  readonly change: Effect['change'];
  readonly type: string;
  readonly oldDefinition: any;
  readonly newDefinition: any;
  /** Replacing properties (replacements), or the properties changed in place (updates). */
  readonly properties: readonly string[];
  readonly conditional: boolean;
}

/** The changes the templates themselves show, per resource of one stack. */
function directChanges(old: any, now: any): Map<string, Direct> {
  const changes = new Map<string, Direct>();
  fullDiff(old ?? {}, now ?? {}).resources.forEachDifference((logicalId, change) => {
    const type = change.newResourceType ?? change.oldResourceType ?? 'unknown';
    const base = { type, oldDefinition: change.oldValue, newDefinition: change.newValue, conditional: false };
    if (change.isAddition) return void changes.set(logicalId, { ...base, change: 'added', properties: [] });
    if (change.isRemoval || change.changeImpact === ResourceImpact.WILL_DESTROY || change.changeImpact === ResourceImpact.WILL_ORPHAN)
      return void changes.set(logicalId, { ...base, change: 'removed', properties: [] });
    const replacing = Object.entries(change.propertyUpdates)
      .filter(([property, update]) => REPLACING.has(update.changeImpact as ResourceImpact) && !SPEC_CORRECTIONS[type]?.[property])
      .map(([property]) => property);
    if (change.otherChanges?.Type) replacing.push('Type');
    const changed = Object.keys(change.propertyUpdates);
    if (replacing.length > 0 && change.changeImpact !== ResourceImpact.MAY_REPLACE)
      return void changes.set(logicalId, { ...base, change: 'replaced', properties: replacing });
    if (change.changeImpact !== ResourceImpact.NO_CHANGE || changed.length > 0)
      changes.set(logicalId, {
        ...base,
        change: 'updated',
        properties: changed,
        conditional: change.changeImpact === ResourceImpact.MAY_REPLACE,
      });
  });
  return changes;
}

/** Fixed names of what a set of templates holds, by type and name: whose new resource would collide. */
function fixedNames(templates: Templates): Map<string, string> {
  const names = new Map<string, string>();
  for (const [stackName, template] of templates) {
    for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
      const name = fixedName(resource.Type, resource.Properties ?? {});
      if (name !== undefined) names.set(`${resource.Type} ${name}`, key(stackName, logicalId));
    }
  }
  return names;
}

/** What a change of the templates does, resource by resource, with its verdict. */
export function analyzeImpact(before: Templates, after: Templates): Impact {
  const effects: Effect[] = [];
  const oldNames = fixedNames(before);
  const newNames = fixedNames(after);
  const replacedAway = new Map<string, Set<string>>();
  for (const stackName of new Set([...before.keys(), ...after.keys()])) {
    const [old, now] = [before.get(stackName), after.get(stackName)];
    // Most changes touch one or two stacks: an identical template needs no diff.
    if (old !== undefined && now !== undefined && JSON.stringify(old) === JSON.stringify(now)) continue;
    const direct = directChanges(old, now);
    const causeOf = new Map<string, string>();
    const replaced = new Set<string>();
    const updatedBy = new Map<string, string>();
    for (const [logicalId, change] of direct) {
      causeOf.set(logicalId, key(stackName, logicalId));
      if (change.change === 'replaced') replaced.add(logicalId);
    }
    // Follow replacements through the stack: a new physical id reaches whatever names the resource.
    for (let grew = true; grew;) {
      grew = false;
      for (const [logicalId, resource] of Object.entries<any>(now?.Resources ?? {})) {
        if (direct.get(logicalId)?.change === 'added' || !old?.Resources?.[logicalId]) continue;
        for (const [property, value] of Object.entries<unknown>(resource.Properties ?? {})) {
          const target = [...namedIn(value)].find((name) => replaced.has(name) && name !== logicalId);
          if (!target) continue;
          if (replaced.has(logicalId)) {
            // Replaced for a change of its own too: grouped under what it follows, when it follows it.
            const cause = causeOf.get(target)!;
            if (
              causeOf.get(logicalId) === key(stackName, logicalId) &&
              cause !== key(stackName, logicalId) &&
              replacesWhenChanged(resource.Type, property, value, target)
            ) {
              causeOf.set(logicalId, cause);
              grew = true;
            }
            continue;
          }
          if (replacesWhenChanged(resource.Type, property, value, target)) {
            replaced.add(logicalId);
            causeOf.set(logicalId, causeOf.get(target)!);
            direct.set(logicalId, {
              change: 'replaced',
              type: resource.Type,
              oldDefinition: old.Resources[logicalId],
              newDefinition: resource,
              properties: [`${property} (names ${target})`],
              conditional: false,
            });
            grew = true;
            break;
          } else if (!direct.has(logicalId) && !updatedBy.has(logicalId)) {
            updatedBy.set(logicalId, target);
            causeOf.set(logicalId, causeOf.get(target)!);
          }
        }
      }
    }
    for (const [logicalId, target] of updatedBy) {
      if (direct.has(logicalId)) continue;
      const resource = now.Resources[logicalId];
      direct.set(logicalId, {
        change: 'updated',
        type: resource.Type,
        oldDefinition: old.Resources[logicalId],
        newDefinition: resource,
        properties: [`(the new id of ${target})`],
        conditional: false,
      });
    }
    replacedAway.set(
      stackName,
      new Set([...replaced, ...[...direct].filter(([, change]) => change.change === 'removed').map(([id]) => id)]),
    );
    for (const [logicalId, change] of direct) {
      const { verdict, detail } = judge(stackName, logicalId, change, oldNames, newNames);
      effects.push({ stackName, logicalId, type: change.type, change: change.change, verdict, detail, cause: causeOf.get(logicalId)! });
    }
  }
  effects.push(...staleReferences(before, after, replacedAway, effects));
  return { verdict: effects.reduce<Verdict>((verdict, effect) => worst(verdict, effect.verdict), 'safe'), effects };
}

/** The verdict on one resource's change, and what to say about it. */
function judge(
  stackName: string,
  logicalId: string,
  change: Direct,
  oldNames: ReadonlyMap<string, string>,
  newNames: ReadonlyMap<string, string>,
): { verdict: Verdict; detail: string } {
  const { type } = change;
  const oldProperties = change.oldDefinition?.Properties ?? {};
  const newProperties = change.newDefinition?.Properties ?? {};
  switch (change.change) {
    case 'added': {
      const name = fixedName(type, newProperties);
      const holder = name === undefined ? undefined : oldNames.get(`${type} ${name}`);
      if (holder && holder !== key(stackName, logicalId) && newNames.get(`${type} ${name}`) === key(stackName, logicalId)) {
        return {
          verdict: 'refused',
          detail: `added under the fixed name ${name}, which ${holder} holds until it is deleted: CloudFormation creates the new one first, and fails ("already exists")`,
        };
      }
      return { verdict: 'safe', detail: 'added' };
    }
    case 'removed': {
      const policy = change.oldDefinition?.DeletionPolicy ?? 'Delete';
      const name = fixedName(type, oldProperties);
      if (policy === 'Retain' || policy === 'RetainExceptOnCreate') {
        return name !== undefined
          ? {
              verdict: 'replaces data',
              detail: `removed, and left behind (retained) under its fixed name ${name}: adding it back later fails`,
            }
          : { verdict: 'safe', detail: 'removed from the stack and retained' };
      }
      return isStateful(type, oldProperties)
        ? {
            verdict: 'replaces data',
            detail: `removed, and its data is deleted${policy === 'Snapshot' ? ' (a final snapshot is kept)' : ''}`,
          }
        : { verdict: 'safe', detail: 'removed' };
    }
    case 'replaced': {
      const because = `replaced (${change.properties.join(', ')} changed)`;
      const name = fixedName(type, oldProperties);
      if (name !== undefined && name === fixedName(type, newProperties)) {
        return {
          verdict: 'refused',
          detail: `${because}, but its name ${name} is fixed: CloudFormation cannot replace a custom-named resource and rolls the update back`,
        };
      }
      if (type === 'AWS::ECS::Service' && oldProperties.ServiceConnectConfiguration !== undefined) {
        return { verdict: 'refused', detail: `${because}: CloudFormation refuses to replace a service that uses Service Connect` };
      }
      if (isStateful(type, oldProperties)) {
        const from = restoredFrom(newProperties);
        return {
          verdict: 'replaces data',
          detail: from
            ? `${because}, and it holds data: the new one is restored from ${from}, what was written since is not in it`
            : `${because}, and it holds data: the new one starts empty`,
        };
      }
      if (type === 'AWS::ECS::TaskDefinition')
        return { verdict: 'restarts tasks', detail: `a new revision (${change.properties.join(', ')} changed)` };
      if (type === 'AWS::EC2::Instance')
        return { verdict: 'reboot or failover', detail: `${because}: what it serves stops until the new one runs` };
      return { verdict: 'safe', detail: because };
    }
    case 'updated':
      return judgeUpdate(change, oldProperties, newProperties);
  }
}

/** What a database is restored from (a snapshot, or a source at a point in time), where its properties say. */
function restoredFrom(properties: any): string | undefined {
  const snapshot = properties.SnapshotIdentifier ?? properties.DBSnapshotIdentifier ?? properties.DBClusterSnapshotIdentifier;
  if (typeof snapshot === 'string') return `snapshot ${snapshot}`;
  const source =
    properties.SourceDBClusterIdentifier ??
    (properties.RestoreTime || properties.UseLatestRestorableTime ? properties.SourceDBInstanceIdentifier : undefined);
  if (typeof source !== 'string') return undefined;
  const time = properties.RestoreToTime ?? properties.RestoreTime;
  return `${source} as it was at ${typeof time === 'string' ? time : 'its latest restorable time'}`;
}

function judgeUpdate(change: Direct, oldProperties: any, newProperties: any): { verdict: Verdict; detail: string } {
  const { type, properties } = change;
  const inPlace = `updated in place (${properties.join(', ')})${change.conditional ? '; the specification says "may be replaced", for conditions (a restore from a snapshot) that do not apply' : ''}`;
  if (type === 'AWS::ECS::Service') {
    const deploying = properties.filter((property) => ECS_DEPLOYING_PROPERTIES.has(property) || property.startsWith('(the new id'));
    if (deploying.length > 0)
      return { verdict: 'restarts tasks', detail: `${inPlace}: a rolling deployment, new tasks healthy before old ones stop` };
    return { verdict: 'safe', detail: `${inPlace}: no new deployment (tasks started later get it)` };
  }
  if (type === 'AWS::RDS::DBParameterGroup' || type === 'AWS::RDS::DBClusterParameterGroup') {
    const before = oldProperties.Parameters ?? {};
    const after = newProperties.Parameters ?? {};
    const changedStatic = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (name) => STATIC_PARAMETER_NAMES.has(name) && JSON.stringify(before[name]) !== JSON.stringify(after[name]),
    );
    if (changedStatic.length > 0) {
      return {
        verdict: 'reboot or failover',
        detail: `static parameters ${changedStatic.join(', ')} wait for each instance to restart ("pending-reboot"; CloudFormation restarts nothing): apply them with npm run reboot`,
      };
    }
    return { verdict: 'safe', detail: `${inPlace}: dynamic parameters, applied at once` };
  }
  if (type === 'AWS::ElastiCache::ReplicationGroup' && properties.includes('Engine')) {
    if (oldProperties.Engine === 'valkey' && newProperties.Engine === 'redis') {
      return {
        verdict: 'refused',
        detail:
          'Engine valkey to redis: ElastiCache upgrades Redis OSS to Valkey in place, never back; restore a snapshot into a new group instead',
      };
    }
  }
  if (properties.includes('EngineVersion') && isDowngrade(oldProperties.EngineVersion, newProperties.EngineVersion)) {
    return {
      verdict: 'refused',
      detail: `EngineVersion ${oldProperties.EngineVersion} to ${newProperties.EngineVersion}: RDS and ElastiCache upgrade an engine, never downgrade it in place; restore a snapshot instead`,
    };
  }
  const interrupting = properties.map((property) => INTERRUPTING_UPDATES[type]?.[property]).filter((why): why is string => !!why);
  if (interrupting.length > 0) return { verdict: 'reboot or failover', detail: `${inPlace}: ${[...new Set(interrupting)].join('; ')}` };
  if (type === 'AWS::ApplicationAutoScaling::ScalableTarget') {
    return {
      verdict: 'safe',
      detail: `${inPlace}: registered again, so the running count is brought into the new range (outside run hours, a stopped service starts until the next scheduled stop)`,
    };
  }
  return { verdict: 'safe', detail: inPlace };
}

/**
 * Cross-stack references are weak (`Fn::GetStackOutput`, cdk.json): CloudFormation resolves one when
 * the consuming resource is created or updated, and does not update the consumer when the producer's
 * value changes later (CloudFormation template reference, Fn::GetStackOutput; aws/aws-cdk#38503).
 * So when a producer replaces or removes a resource another stack references, and the consuming
 * resource's definition does not change, the consumer keeps the old value: refused.
 */
function staleReferences(
  before: Templates,
  after: Templates,
  changedAway: ReadonlyMap<string, Set<string>>,
  effects: readonly Effect[],
): Effect[] {
  const stale: Effect[] = [];
  for (const [consumer, template] of after) {
    const old = before.get(consumer);
    if (!old) continue;
    for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
      if (JSON.stringify(old.Resources?.[logicalId]) !== JSON.stringify(resource)) continue;
      const gone: { producer: string; id: string }[] = [];
      for (const reference of JSON.stringify(resource).matchAll(
        /"Fn::GetStackOutput":\{"StackName":"([^"]+)",[^}]*"OutputName":"([^"]+)"/g,
      )) {
        const [, producer, output] = reference;
        const value = JSON.stringify(before.get(producer)?.Outputs?.[output]?.Value ?? null);
        for (const id of changedAway.get(producer) ?? []) if (value.includes(`"${id}"`)) gone.push({ producer, id });
      }
      if (gone.length === 0) continue;
      const rootEffect = effects.find((effect) => effect.stackName === gone[0].producer && effect.logicalId === gone[0].id);
      stale.push({
        stackName: consumer,
        logicalId,
        type: resource.Type,
        change: 'updated',
        verdict: 'refused',
        detail:
          `keeps the old value of what ${[...new Set(gone.map(({ producer }) => producer))].join(', ')} replaces or removes ` +
          `(${[...new Set(gone.map(({ id }) => id))].join(', ')}): a weak reference is resolved only when the resource itself is updated`,
        cause: rootEffect?.cause ?? key(gone[0].producer, gone[0].id),
      });
    }
  }
  return stale;
}

/** The effects that make the report exit 3: data replaced or removed, or an update CloudFormation refuses. */
export function dangers(impact: Impact): Effect[] {
  return impact.effects.filter((effect) => DANGER.has(effect.verdict));
}

export const VERDICT_MEANING: Record<Verdict, string> = {
  refused: 'CloudFormation would stop this update and roll it back',
  'replaces data': 'something that holds data is replaced or removed',
  'reboot or failover': 'a database, node or instance restarts, during the deploy or when you apply it',
  'restarts tasks': 'services roll to new tasks (no downtime)',
  safe: 'applied in place, without interruption',
};

/** The ids of a list of effects, by stack, at most `limit` of them, then how many more. */
function idsByStack(effects: readonly Effect[], limit = 8): string {
  const byStack = new Map<string, string[]>();
  for (const effect of effects) byStack.set(effect.stackName, [...(byStack.get(effect.stackName) ?? []), effect.logicalId]);
  return [...byStack]
    .map(
      ([stackName, ids]) => `${stackName}: ${ids.slice(0, limit).join(', ')}${ids.length > limit ? ` and ${ids.length - limit} more` : ''}`,
    )
    .join('; ');
}

/** The detail of an effect with the logical ids it names taken out: effects alike read alike. */
function reasonClass(effect: Effect): string {
  return effect.detail.replace(/ \([A-Za-z0-9, ]+\)(?=:)/g, '');
}

/** Whether a dotted version goes down (`17.10` to `17.9`, `7.1` to `7.0`). */
function isDowngrade(before: unknown, after: unknown): boolean {
  if (typeof before !== 'string' || typeof after !== 'string') return false;
  const [a, b] = [before.split('.').map(Number), after.split('.').map(Number)];
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (b[index] ?? 0) - (a[index] ?? 0);
    if (difference !== 0) return difference < 0;
  }
  return false;
}

/** The report `npm run impact` prints: the verdict first, then what happens grouped by cause, worst first. */
export function formatImpact(impact: Impact, label: string): string {
  if (impact.effects.length === 0) return `${label}: safe: no stack changes.`;
  const lines = [`${label}: ${impact.verdict}: ${VERDICT_MEANING[impact.verdict]}`];
  const causes = new Map<string, Effect[]>();
  for (const effect of impact.effects) causes.set(effect.cause, [...(causes.get(effect.cause) ?? []), effect]);
  const verdictOf = (group: readonly Effect[]) => group.reduce<Verdict>((verdict, effect) => worst(verdict, effect.verdict), 'safe');
  const ordered = [...causes.entries()].sort(
    ([, a], [, b]) => VERDICTS.indexOf(verdictOf(b)) - VERDICTS.indexOf(verdictOf(a)) || b.length - a.length,
  );
  const describe = (effect: Effect) => `${effect.stackName}/${effect.logicalId} (${effect.type})`;
  // Changes that stand alone and interrupt nothing are listed last, one line each; others that stand
  // alone for the same reason (three instances resized) are listed together.
  const quiet: Effect[] = [];
  const alone = new Map<string, Effect[]>();
  for (const [cause, group] of ordered) {
    const root = group.find((effect) => `${effect.stackName}/${effect.logicalId}` === cause) ?? group[0];
    if (group.length === 1) {
      if (root.verdict === 'safe') quiet.push(root);
      else {
        const reason = `${root.verdict}\u0000${root.type}\u0000${reasonClass(root)}`;
        alone.set(reason, [...(alone.get(reason) ?? []), root]);
      }
      continue;
    }
    lines.push('', `${verdictOf(group)}: ${describe(root)} ${root.detail}${root.verdict === 'safe' ? '' : ` [${root.verdict}]`}`);
    const followers = group.filter((effect) => effect !== root);
    if (followers.length > 0) lines.push('  and, following from it:');
    for (const verdict of [...VERDICTS].reverse()) {
      const same = followers.filter((effect) => effect.verdict === verdict);
      if (same.length === 0) continue;
      if (verdict === 'safe') {
        const types = new Map<string, number>();
        for (const effect of same) types.set(effect.type, (types.get(effect.type) ?? 0) + 1);
        lines.push(`  safe (${same.length}): ${[...types].map(([type, count]) => `${count} ${type}`).join(', ')}`);
        continue;
      }
      const reasons = new Map<string, Effect[]>();
      for (const effect of same) reasons.set(reasonClass(effect), [...(reasons.get(reasonClass(effect)) ?? []), effect]);
      for (const [reason, alike] of reasons) {
        lines.push(
          alike.length === 1 ? `  ${verdict}: ${describe(alike[0])} ${alike[0].detail}` : `  ${verdict} (${alike.length}): ${reason}:`,
        );
        if (alike.length > 1) lines.push(`    ${idsByStack(alike)}`);
      }
    }
  }
  for (const same of alone.values()) {
    const [first] = same;
    lines.push(
      '',
      same.length === 1
        ? `${first.verdict}: ${describe(first)} ${first.detail}`
        : `${first.verdict}: ${same.length} ${first.type} ${reasonClass(first)}:\n  ${idsByStack(same)}`,
    );
  }
  if (quiet.length > 0) {
    lines.push('', `safe: ${quiet.length} change(s) without interruption:`);
    const shown = quiet.slice(0, 20).map((effect) => `  ${describe(effect)} ${effect.detail}`);
    lines.push(...shown, ...(quiet.length > 20 ? [`  ... and ${quiet.length - 20} more`] : []));
  }
  return lines.join('\n');
}
