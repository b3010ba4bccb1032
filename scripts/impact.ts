/**
 * What happens if the configuration changes: synthesizes the environment as configured and with the
 * overrides (offline, no validators, no bundling), and prints the verdict first (safe, restarts
 * tasks, reboot or failover, replaces data, refused), then what happens, grouped by cause. Exit 2
 * when data is replaced or removed or CloudFormation would refuse the update; 0 otherwise; 1 on a
 * bad configuration.
 *
 *   npm run impact -- --env <env> [-c <field>=<value> ...]
 */
import { ConfigError, loadConfig } from '../lib/config/load';
import { replacementReason } from '../lib/config/schema';
import { synthesizeTemplates } from './lib/cloud-assembly';
import { analyzeImpact, dangers, formatImpact } from './lib/impact';
import { runMain } from './lib/run-main';

/** The stand-in account both syntheses use: only the difference between them matters. */
const ACCOUNT = '111111111111';

/**
 * @param synthesize how a config's templates are built, for both syntheses; a test passes one that
 *   reads the templates an earlier run synthesized from the same inputs
 * @default synthesizeTemplates
 */
export async function main(argv: readonly string[], synthesize: typeof synthesizeTemplates = synthesizeTemplates): Promise<number> {
  let envName: string | undefined;
  const overrides: Record<string, string> = {};
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--env') envName = argv[++index];
    else if (argument === '-c' || argument === '--context') {
      const pair = argv[++index] ?? '';
      if (!pair.includes('=')) {
        console.error(`-c takes <field>=<value> (got ${pair})`);
        return 1;
      }
      overrides[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
    } else {
      console.error(`unknown option ${argument}\nusage: npm run impact -- --env <env> [-c <field>=<value> ...]`);
      return 1;
    }
  }
  if (!envName) {
    console.error('--env is required\nusage: npm run impact -- --env <env> [-c <field>=<value> ...]');
    return 1;
  }
  try {
    const before = synthesize(loadConfig({ envName, defaultAccount: ACCOUNT }));
    const after = synthesize(loadConfig({ envName, overrides, defaultAccount: ACCOUNT }));
    const impact = analyzeImpact(before, after);
    console.log(formatImpact(impact, envName));
    // What the schema says of a field whose change replaces or refuses: how to get there instead.
    for (const field of Object.keys(overrides)) {
      const reason = replacementReason(field);
      if (reason) console.log(`\n${field}: ${reason}`);
    }
    return dangers(impact).length > 0 ? 2 : 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

runMain(module, main);
