/**
 * Applies the database's static parameter changes (a new `database.maxConnections`, say), which RDS
 * keeps pending until each instance restarts: prints which instances wait and what the applications
 * will notice, then restarts them one at a time (scripts/lib/database-reboot.ts has the order).
 *
 *   npm run reboot -- --env <env> [--dry-run]
 *
 * Exit 0: done, or nothing waits; 1: a restart failed; 2: bad arguments or configuration (README, Commands).
 */
import { RDSClient } from '@aws-sdk/client-rds';
import { databaseIdentifier } from '../lib/config/names';
import { loadConfig } from '../lib/config/load';
import { argumentsOrExit, EXIT, parseCommandLine } from './lib/command-line';
import { reboot, rebootPlan, type RebootDependencies } from './lib/database-reboot';
import { ENV_OPTION, environmentName } from './lib/environment-argument';
import { runMain } from './lib/run-main';

const USAGE = 'usage: npm run reboot -- --env <env> [--dry-run]';

/** Reboots what waits for a reboot in `envName`'s database, or only says what would be rebooted. */
export async function applyPendingReboots(
  request: { envName: string; engine: 'aurora' | 'instance'; dryRun: boolean; restoreGeneration?: number },
  deps: RebootDependencies,
): Promise<number> {
  const identifier = databaseIdentifier(request.envName, request.restoreGeneration);
  const steps = await rebootPlan(deps.rds, request.engine, identifier);
  if (steps.length === 0) {
    deps.log(`${identifier}: no parameter change waits for a reboot`);
    return EXIT.ok;
  }
  deps.log(`${identifier}: ${steps.length} instance(s) wait for a reboot to apply static parameters, in this order:`);
  for (const [index, step] of steps.entries()) deps.log(`  ${index + 1}. ${step.role} ${step.instance}: ${step.interruption}`);
  if (request.dryRun) return EXIT.ok;
  try {
    await reboot(deps, steps);
  } catch (error) {
    deps.log(`stopped: ${(error as Error).message}; run the command again once it is available`);
    return EXIT.failed;
  }
  deps.log(`${identifier}: every static parameter applied`);
  return EXIT.ok;
}

/** Throws UsageError or HelpRequested. */
export function parseRebootArguments(argv: readonly string[]): { envName: string; dryRun: boolean } {
  const { values } = parseCommandLine(argv, { options: { ...ENV_OPTION, 'dry-run': { type: 'boolean', default: false } } });
  return { envName: environmentName(values.env), dryRun: values['dry-run'] };
}

export async function main(argv: readonly string[], rdsClient?: RebootDependencies['rds']): Promise<number> {
  const parsed = argumentsOrExit(USAGE, () => {
    const request = parseRebootArguments(argv);
    return { request, config: loadConfig({ envName: request.envName }) };
  });
  if ('exit' in parsed) return parsed.exit;
  const { request, config } = parsed.value;
  return applyPendingReboots(
    { ...request, engine: config.database.engine, restoreGeneration: config.database.restore?.generation },
    { rds: rdsClient ?? new RDSClient({ region: config.region }), log: (line) => console.log(line) },
  );
}

runMain(module, main);
