/**
 * How one template is split into cfn-guard runs.
 *
 * cfn-guard's time on a template grows with its number of rule files times the template's size: it
 * evaluates each rule file on the whole document. A Control Tower rule file only ever reads
 * resources of the types it names (`Resources.*[ Type == ... ]`, `Resources[ Type == ... ]`) and the
 * resources those refer to (`Resources[ keys == ... ]`, following a Ref or Fn::GetAtt): a test
 * checks the rule files for any other way in. So each run gets a few rule files and
 * a copy of the template that keeps, of its resources, those of the types they name and whatever
 * these refer to (transitively); every other section is kept as it is. Each rule file then reads
 * exactly what it would read in the whole template, and finds the same.
 *
 * Rule files are grouped into runs by a cost model of cfn-guard (a run costs a process start, each
 * rule file a little, and each rule file in proportion to the run's template size): on this
 * project's largest templates, a third of the time of one run with every rule file.
 */

/** A rule file and the resource types it names. */
export interface GuardRuleFile {
  readonly file: string;
  readonly resourceTypes: ReadonlySet<string>;
}

/** One cfn-guard run: rule files and the part of the template they read. */
export interface GuardRun {
  readonly rules: readonly string[];
  readonly template: CfnTemplate;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, { readonly Type?: string } & Record<string, unknown>>;
  readonly [section: string]: unknown;
}

/** cfn-guard's costs, in milliseconds, measured on 2 cores: only their ratios matter. */
export interface GuardCosts {
  readonly perRun: number;
  readonly perRuleFile: number;
  readonly perRuleFileAndKiB: number;
}

/** `/usr/bin/time cfn-guard validate`: 20-25 ms for one rule on an empty template, 0.5 ms more per rule file, 0.15-0.17 ms per rule file and KiB of template. */
export const CFN_GUARD_COSTS: GuardCosts = { perRun: 25, perRuleFile: 0.5, perRuleFileAndKiB: 0.16 };

/**
 * The runs that check `template` with `rules`: each rule file in exactly one run, in the order of
 * `rules` within a run, runs ordered by their first rule file.
 */
export function planGuardRuns(template: CfnTemplate, rules: readonly GuardRuleFile[], costs: GuardCosts = CFN_GUARD_COSTS): GuardRun[] {
  const resources = template.Resources ?? {};
  const kibByType = new Map<string, number>();
  for (const resource of Object.values(resources)) {
    const type = String(resource.Type);
    kibByType.set(type, (kibByType.get(type) ?? 0) + JSON.stringify(resource).length / 1024);
  }
  const kib = (types: ReadonlySet<string>) => [...types].reduce((sum, type) => sum + (kibByType.get(type) ?? 0), 0);
  const cost = (group: Group) => costs.perRun + group.rules.length * (costs.perRuleFile + costs.perRuleFileAndKiB * kib(group.types));

  // Rule files that name the same types read the same resources: one group each to start with.
  const groups: Group[] = [];
  rules.forEach((rule, index) => {
    const key = [...rule.resourceTypes].sort().join(' ');
    const group = groups.find((candidate) => candidate.key === key);
    if (group) group.rules.push({ rule, index });
    else groups.push({ key, types: new Set(rule.resourceTypes), rules: [{ rule, index }] });
  });
  // Then merge, best saving first, while a merge saves more process starts than it adds reading.
  for (;;) {
    let best: { saving: number; a: number; b: number; merged: Group } | undefined;
    for (let a = 0; a < groups.length; a++) {
      for (let b = a + 1; b < groups.length; b++) {
        const merged: Group = {
          key: '',
          types: new Set([...groups[a].types, ...groups[b].types]),
          rules: [...groups[a].rules, ...groups[b].rules],
        };
        const saving = cost(groups[a]) + cost(groups[b]) - cost(merged);
        if (saving > 0 && (!best || saving > best.saving)) best = { saving, a, b, merged };
      }
    }
    if (!best) break;
    groups[best.a] = best.merged;
    groups.splice(best.b, 1);
  }

  return groups
    .map((group) => group.rules.sort((x, y) => x.index - y.index))
    .sort((x, y) => x[0].index - y[0].index)
    .map((members) => {
      const types = new Set(members.flatMap(({ rule }) => [...rule.resourceTypes]));
      return { rules: members.map(({ rule }) => rule.file), template: withResources(template, readableResources(resources, types)) };
    });
}

interface Group {
  key: string;
  types: Set<string>;
  rules: { rule: GuardRuleFile; index: number }[];
}

/** The logical IDs of the resources of `types` and of every resource they refer to, transitively. */
function readableResources(resources: NonNullable<CfnTemplate['Resources']>, types: ReadonlySet<string>): Set<string> {
  const kept = new Set<string>();
  const pending = Object.keys(resources).filter((id) => types.has(String(resources[id].Type)));
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (kept.has(id)) continue;
    kept.add(id);
    for (const target of referencesIn(resources[id])) if (target in resources && !kept.has(target)) pending.push(target);
  }
  return kept;
}

/** The logical IDs a resource names: Ref, Fn::GetAtt (both forms), Fn::Sub's ${Id} and ${Id.Attr}, DependsOn. */
function referencesIn(resource: unknown): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.push(inner);
      else if (key === 'Fn::GetAtt' && Array.isArray(inner) && typeof inner[0] === 'string') found.push(inner[0]);
      else if (key === 'Fn::GetAtt' && typeof inner === 'string') found.push(inner.split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        if (typeof text === 'string') for (const match of text.matchAll(/\$\{([^!}.][^}.]*)/g)) found.push(match[1]);
      } else if (key === 'DependsOn')
        found.push(...(Array.isArray(inner) ? inner : [inner]).filter((id): id is string => typeof id === 'string'));
      visit(inner);
    }
  };
  visit(resource);
  return found;
}

/** The template with only the given resources, in their original order; every other section as is. */
function withResources(template: CfnTemplate, ids: ReadonlySet<string>): CfnTemplate {
  if (template.Resources === undefined) return template;
  const resources = Object.fromEntries(Object.entries(template.Resources).filter(([id]) => ids.has(id)));
  return { ...template, Resources: resources };
}
