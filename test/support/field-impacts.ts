/**
 * What a change of each config field does to a deployed environment, field by field: for every field
 * the config sets, a change to another valid value (scripts/lib/config-variants.ts) is synthesized
 * and judged by the impact report. One synthesis per field (most fields are safe, but too many are
 * not for batching to pay); the templates stay on disk under the inputs' fingerprint, so a run with
 * unchanged inputs reads them back.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../lib/config/load';
import type { EnvironmentName } from '../../lib/config/schema';
import { fieldVariants, type FieldVariant } from '../../scripts/lib/config-variants';
import { analyzeImpact, dangers, VERDICTS, type Verdict } from '../../scripts/lib/impact';
import { TEST_ACCOUNT } from './context';
import { templatesForConfig } from './synthesized';
import { VARIANTS } from './variants';

export interface ConfigCase {
  readonly name: string;
  readonly envName: EnvironmentName;
  readonly overrides: Record<string, unknown>;
  /** Its column in docs/configuration.md's table of field changes. */
  readonly column: string;
}

export const CONFIG_CASES: readonly ConfigCase[] = [
  { name: 'dev', envName: 'dev', overrides: {}, column: 'dev' },
  { name: 'staging', envName: 'staging', overrides: {}, column: 'staging' },
  { name: 'prod', envName: 'prod', overrides: {}, column: 'prod' },
  {
    name: 'prod in instance mode',
    envName: 'prod',
    column: 'prod, instance engine',
    overrides: { ...VARIANTS.find((variant) => variant.name === 'prod-instance')!.overrides },
  },
];

/** Fields the schema leaves no other value for, on their own. */
export const NO_OTHER_VALUE: Record<string, string> = {
  region: 'the availability zones must lie in the region (and a region is marked replacing)',
  retainData: 'only dev may set it to false',
  'loadBalancer.allowPlainHttp': 'must stay true while no loadBalancer.domainName is set',
  'database.engine':
    'the other engine adds or drops the instance-only settings (multiAz, storage) with it; the switch is marked replacing, ' +
    'and the impact report refuses it',
};

/** Fields that name another environment rather than change this one: nothing is updated, all is created there. */
export const OTHER_ENVIRONMENT = new Set(['account', 'region']);

export interface FieldImpact {
  readonly variant: FieldVariant;
  readonly verdict: Verdict;
  /** The changes that make the report exit 2, one line each. */
  readonly dangers: readonly string[];
}

export function caseNamed(name: string): ConfigCase {
  return CONFIG_CASES.find((candidate) => candidate.name === name)!;
}

/** Every field's variant of a case, and the fields with none. */
export function variantsOf(configCase: ConfigCase) {
  return fieldVariants(configCase.envName, configCase.overrides, TEST_ACCOUNT);
}

/** Each field's change in a case, judged by the impact report against the case as configured. */
export function fieldImpacts(configCase: ConfigCase): FieldImpact[] {
  const { base, variants } = variantsOf(configCase);
  const before = templatesForConfig(base);
  return variants
    .filter((variant) => !OTHER_ENVIRONMENT.has(variant.field))
    .map((variant) => {
      const after = templatesForConfig(
        loadConfig({
          envName: configCase.envName,
          overrides: { ...configCase.overrides, ...variant.overrides },
          defaultAccount: TEST_ACCOUNT,
        }),
      );
      const impact = analyzeImpact(before, after);
      return {
        variant,
        verdict: impact.verdict,
        dangers: dangers(impact).map(
          (effect) => `${effect.stackName} ${effect.type} ${effect.logicalId}: ${effect.verdict}: ${effect.detail}`,
        ),
      };
    });
}

/** A version field changed to a lower version: RDS and ElastiCache refuse it, whatever the field. */
export function isDowngrade(variant: FieldVariant): boolean {
  return (
    /[vV]ersion$/.test(variant.field) &&
    typeof variant.from === 'string' &&
    typeof variant.to === 'string' &&
    variant.to.localeCompare(variant.from, undefined, { numeric: true }) < 0
  );
}

const DOCS = path.join(__dirname, '..', '..', 'docs', 'configuration.md');
const START = '<!-- field-changes -->';
const END = '<!-- /field-changes -->';

/** docs/configuration.md's table of field changes: per field, per column, the verdict it documents. */
export function documentedChanges(): Map<string, Map<string, string>> {
  const text = fs.readFileSync(DOCS, 'utf8');
  const table = text
    .slice(text.indexOf(START) + START.length, text.indexOf(END))
    .trim()
    .split('\n');
  const columns = table[0]
    .split('|')
    .slice(2, -1)
    .map((cell) => cell.trim());
  const rows = new Map<string, Map<string, string>>();
  for (const line of table.slice(2)) {
    const [field, ...cells] = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    rows.set(field.replace(/`/g, ''), new Map(columns.map((column, index) => [column, cells[index]])));
  }
  return rows;
}

/**
 * The fields whose documented verdict in `column` is not the one found (a field whose only other
 * value is a lower version is documented with "(down)"), one line each.
 */
export function misdocumented(
  impacts: readonly FieldImpact[],
  documented: ReadonlyMap<string, ReadonlyMap<string, string>>,
  column: string,
): string[] {
  return impacts
    .map(({ variant, verdict }) => [variant.field, isDowngrade(variant) ? `${verdict} (down)` : verdict] as const)
    .filter(([field, expected]) => documented.get(field)?.get(column) !== expected)
    .map(
      ([field, expected]) =>
        `\`${field}\` in ${column}: ${expected}, where the table says ${documented.get(field)?.get(column) ?? 'nothing'}`,
    );
}

/** The verdicts this project names in the table, mildest first (`npm run impact`'s own words). */
export const DOCUMENTED_VERDICTS: readonly string[] = VERDICTS;
