/**
 * What an environment costs a month before it is deployed: synthesizes it (offline, no account),
 * prices every resource of its templates from the dated table in scripts/lib/cost/price-table.ts
 * and prints one line per priced item, one per stack, the total, and a summary table of USD/month per
 * stack. `--env all` prices every environment and prints them side by side (one column each, a row
 * per stack, the total row). A resource type the table neither prices nor lists as free fails the
 * command (exit 1), as does a region with no prices or an instance class the region does not offer;
 * bad arguments or configuration exit 2 (README, Commands).
 *
 *   npm run cost -- --env <env|all> [-c <field>=<value> ...] [--json] [--levers]
 *
 * --levers also prices the environment with each cost lever of the config flipped (scripts/lib/cost/levers.ts).
 * -c applies to every environment priced.
 */
import { ENVIRONMENTS } from '../lib/config/environments';
import { loadConfig } from '../lib/config/load';
import { ENVIRONMENT_NAMES } from '../lib/config/schema';
import { argumentsOrExit, EXIT, parseCommandLine, usageExit } from './lib/command-line';
import { CONTEXT_OPTION, contextOverrides, ENV_OPTION, environmentName } from './lib/environment-argument';
import { synthesizeTemplates } from './lib/cloud-assembly';
import { estimate, UnpricedResourceError, type Estimate } from './lib/cost/estimate';
import { formatEnvironments, formatEstimate } from './lib/cost/format';
import { COST_LEVERS, type LeverEnvironments } from './lib/cost/levers';
import { priceTableFor } from './lib/cost/price-table';
import { describeUsage, idleUsage } from './lib/cost/usage';
import { runMain } from './lib/run-main';

/** A stand-in account: prices do not depend on it. */
const ACCOUNT = '111111111111';
const USAGE = 'usage: npm run cost -- --env <env|all> [-c <field>=<value> ...] [--json] [--levers]';

interface LeverPrice {
  readonly lever: string;
  readonly fields: string;
  readonly on: boolean;
  readonly savesUsd: number;
  readonly tradeOff: string;
}

/** One environment priced: its estimate, the assumptions behind it and, with --levers, each lever flipped. */
interface Priced {
  readonly envName: string;
  readonly estimate: Estimate;
  readonly assumptions: readonly string[];
  readonly levers?: readonly LeverPrice[];
}

/**
 * @param synthesize how a config's templates are built, for every synthesis (the environment and each lever); a test passes one that
 *   reads the templates an earlier run synthesized from the same inputs
 * @default synthesizeTemplates
 */
export async function main(argv: readonly string[], synthesize: typeof synthesizeTemplates = synthesizeTemplates): Promise<number> {
  const parsed = argumentsOrExit(USAGE, () => {
    const { values } = parseCommandLine(argv, {
      options: { ...ENV_OPTION, ...CONTEXT_OPTION, json: { type: 'boolean', default: false }, levers: { type: 'boolean', default: false } },
    });
    return { envName: environmentName(values.env, { all: true }), overrides: contextOverrides(values.context), ...values };
  });
  if ('exit' in parsed) return parsed.exit;
  const { envName, overrides, json, levers } = parsed.value;
  try {
    const envNames = envName === 'all' ? [...ENVIRONMENT_NAMES] : [envName];
    const priced = envNames.map((name) => priceEnvironment(name, overrides, levers, synthesize));
    if (json) {
      const environment = ({ envName: name, estimate: result, assumptions, levers: leverPrices }: Priced) => ({
        env: name,
        ...result,
        assumptions,
        levers: leverPrices,
      });
      console.log(
        JSON.stringify(
          envName === 'all'
            ? { env: 'all', environments: Object.fromEntries(priced.map((each) => [each.envName, environment(each)])) }
            : environment(priced[0]),
          null,
          2,
        ),
      );
      return EXIT.ok;
    }
    if (envName === 'all') console.log(formatEnvironments(priced));
    else console.log(formatEstimate(priced[0].envName, priced[0].estimate, priced[0].assumptions));
    for (const { envName: name, levers: leverPrices } of priced) {
      for (const lever of leverPrices ?? []) {
        console.log(
          `${envName === 'all' ? `${name}: ` : ''}lever ${lever.on ? 'on ' : 'off'}: ${lever.lever} (${lever.fields}): ` +
            `${lever.on ? 'saves' : 'would save'} ${lever.savesUsd.toFixed(2)} USD/month; trades away: ${lever.tradeOff}`,
        );
      }
    }
    return EXIT.ok;
  } catch (error) {
    const exit = usageExit(error, USAGE);
    if (exit !== undefined) return exit;
    if (error instanceof UnpricedResourceError || (error instanceof Error && error.message.startsWith('no prices for region'))) {
      console.error(error.message);
      return EXIT.failed;
    }
    throw error;
  }
}

/** Prices one environment with the overrides, and with each lever flipped if asked. */
function priceEnvironment(
  envName: string,
  overrides: Readonly<Record<string, string>>,
  withLevers: boolean,
  synthesize: typeof synthesizeTemplates,
): Priced {
  const config = loadConfig({ envName, overrides, defaultAccount: ACCOUNT });
  const table = priceTableFor(config.region);
  const price = (environments?: LeverEnvironments) => {
    const variant = environments ? loadConfig({ envName: config.envName, overrides, defaultAccount: ACCOUNT, environments }) : config;
    const templates = synthesize(variant);
    return estimate(
      [...templates].map(([stackName, template]) => ({ stackName, template })),
      table,
      idleUsage(variant),
    );
  };
  const result = price();
  const leverPrices = withLevers
    ? COST_LEVERS.map((lever) => {
        const settings = ENVIRONMENTS[config.envName];
        const flipped = price({ ...ENVIRONMENTS, [config.envName]: lever.flip(settings) });
        const on = lever.isOn(settings);
        return {
          lever: lever.name,
          fields: lever.fields,
          on,
          savesUsd: round2(on ? flipped.totalUsd - result.totalUsd : result.totalUsd - flipped.totalUsd),
          tradeOff: lever.tradeOff,
        };
      })
    : undefined;
  return { envName, estimate: result, assumptions: describeUsage(idleUsage(config)), levers: leverPrices };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

runMain(module, main);
