/**
 * Prints every compliance acknowledgement per rule, for every environment, so that their number
 * only grows on purpose. Usage: npm run acks [-- --env <env>] [--json]
 */
import { App } from 'aws-cdk-lib';
import { listAcknowledgements } from '../lib/compliance/acknowledgements';
import { loadConfig } from '../lib/config/load';
import { ENVIRONMENT_NAMES } from '../lib/config/schema';
import { buildCs2AnalyticsApp } from '../lib/cs2-analytics-app';
import { cdkJsonContext } from './lib/cdk-json';
import { argumentsOrExit, EXIT, parseCommandLine } from './lib/command-line';
import { ENV_OPTION, environmentName } from './lib/environment-argument';
import { runMain } from './lib/run-main';

const USAGE = 'usage: npm run acks -- [--env <env>] [--json]';

/** Prints the acknowledgements; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = argumentsOrExit(USAGE, () => {
    const { values } = parseCommandLine(argv, { options: { ...ENV_OPTION, json: { type: 'boolean', default: false } } });
    return { envNames: values.env === undefined ? [...ENVIRONMENT_NAMES] : [environmentName(values.env)], json: values.json };
  });
  if ('exit' in parsed) return parsed.exit;
  const { envNames, json } = parsed.value;

  const rows = envNames.flatMap((envName) => {
    // The feature flags of cdk.json, as the CLI would pass them.
    // No asset bundling: only the construct tree is read.
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    buildCs2AnalyticsApp(app, loadConfig({ envName, defaultAccount: '111111111111' }));
    return listAcknowledgements(app).map((ack) => ({ envName, ...ack }));
  });

  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return EXIT.ok;
  }
  const byRule = new Map<string, typeof rows>();
  for (const row of rows) byRule.set(row.ruleId, [...(byRule.get(row.ruleId) ?? []), row]);
  for (const [ruleId, acks] of [...byRule].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`\n${ruleId}  (${acks.length})`);
    for (const ack of acks) {
      console.log(`  ${ack.constructPath}${ack.ours ? '' : '  (by aws-cdk-lib)'}\n      ${ack.reason}`);
    }
  }
  const perEnv = envNames.map((envName) => `${envName} ${rows.filter((row) => row.envName === envName).length}`);
  console.log(`\n${rows.length} acknowledgements in ${byRule.size} rules (${perEnv.join(', ')})`);
  return EXIT.ok;
}

runMain(module, main);
