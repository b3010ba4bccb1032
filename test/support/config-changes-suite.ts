import { replacementReason } from '../../lib/config/schema';
import {
  caseNamed,
  documentedChanges,
  fieldImpacts,
  isDowngrade,
  misdocumented,
  NO_OTHER_VALUE,
  OTHER_ENVIRONMENT,
  variantsOf,
  type FieldImpact,
} from './field-impacts';

/** A synthesis per field, a hundred fields: minutes on a busy two-core machine when nothing is cached yet. */
const SYNTHESES_TIMEOUT_MS = 600_000;

/**
 * Day-2 deploys of one environment (a case of CONFIG_CASES), one test file each so that the cases'
 * syntheses run side by side: every field the config sets, changed to another valid value, judged by
 * the impact report; nothing that holds data replaced and nothing refused unless the schema marks the
 * field (with how to get there instead); docs/configuration.md says what the rehearsal finds.
 */
export function describeConfigChanges(name: string): void {
  const configCase = caseNamed(name);
  let impacts: FieldImpact[] | undefined;
  const impactsOnce = () => (impacts ??= fieldImpacts(configCase));

  describe(`config changes in ${name}`, () => {
    test('every field the config sets has another valid value, or a reason why not', () => {
      const { variants, withoutVariant } = variantsOf(configCase);
      expect(withoutVariant.filter((field) => !(field in NO_OTHER_VALUE))).toEqual([]);
      expect(variants.length).toBeGreaterThan(80);
    });

    test(
      'no unmarked field replaces or removes what holds data, or makes CloudFormation refuse the update',
      () => {
        const unmarked = impactsOnce().filter(({ variant }) => Object.keys(variant.overrides).every((field) => !replacementReason(field)));
        const found = unmarked
          .filter((impact) => impact.dangers.length > 0 && !isDowngrade(impact.variant))
          .map(
            ({ variant, dangers }) =>
              `${variant.field} ${JSON.stringify(variant.from)} -> ${JSON.stringify(variant.to)}: ${dangers.join('; ')}`,
          );
        expect(found).toEqual([]);
        // An engine version taken down is refused, saying why.
        for (const impact of unmarked.filter(({ variant }) => isDowngrade(variant))) {
          expect(impact.verdict).toBe('refused');
          expect(impact.dangers.join('\n')).toMatch(/never downgrade/);
        }
      },
      SYNTHESES_TIMEOUT_MS,
    );

    test(
      "docs/configuration.md's table of field changes says what a change of each field does here",
      () => {
        const documented = documentedChanges();
        const column = configCase.column;
        expect(misdocumented(impactsOnce(), documented, column)).toEqual([]);
        const found = impactsOnce().map(({ variant, verdict }) => [variant.field, verdict] as const);
        // Not vacuous: the verdicts span the scale, in every environment.
        expect([...new Set(found.map(([, verdict]) => verdict))]).toEqual(
          expect.arrayContaining(['safe', 'restarts tasks', 'reboot or failover', 'refused']),
        );
        for (const field of OTHER_ENVIRONMENT) expect(documented.get(field)?.get(column)).toBe('another environment');
      },
      SYNTHESES_TIMEOUT_MS,
    );
  });
}
