/**
 * Applies the database's static parameter changes (a new `database.maxConnections`, say), which RDS
 * keeps pending until each instance restarts: prints which instances wait and what the applications
 * will notice, then restarts them one at a time (scripts/lib/database-reboot.ts has the order).
 *
 *   npm run reboot -- --env <env> [--dry-run]
 *
 * Exit 0: done, or nothing waits; 1: a restart failed; 2: bad arguments or configuration.
 */
import { RDSClient } from '@aws-sdk/client-rds';
import { databaseIdentifier } from '../lib/config/names';
import { ConfigError, loadConfig } from '../lib/config/load';
import { reboot, rebootPlan, type RebootDependencies } from './lib/database-reboot';
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
    return 0;
  }
  deps.log(`${identifier}: ${steps.length} instance(s) wait for a reboot to apply static parameters, in this order:`);
  for (const [index, step] of steps.entries()) deps.log(`  ${index + 1}. ${step.role} ${step.instance}: ${step.interruption}`);
  if (request.dryRun) return 0;
  try {
    await reboot(deps, steps);
  } catch (error) {
    deps.log(`stopped: ${(error as Error).message}; run the command again once it is available`);
    return 1;
  }
  deps.log(`${identifier}: every static parameter applied`);
  return 0;
}

export function parseRebootArguments(argv: readonly string[]): { envName: string; dryRun: boolean } {
  let envName: string | undefined;
  let dryRun = false;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--env') envName = argv[++index];
    else if (argument.startsWith('--env=')) envName = argument.slice('--env='.length);
    else if (argument === '--dry-run') dryRun = true;
    else throw new Error(argument === '--help' || argument === '-h' ? '' : `unknown option ${argument}`);
  }
  if (!envName) throw new Error('--env is required');
  return { envName, dryRun };
}

export async function main(argv: readonly string[], rdsClient?: RebootDependencies['rds']): Promise<number> {
  let request: { envName: string; dryRun: boolean };
  let config: ReturnType<typeof loadConfig>;
  try {
    request = parseRebootArguments(argv);
    config = loadConfig({ envName: request.envName });
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof ConfigError) console.error(message);
    else if (message === '') console.log(USAGE);
    else console.error(`${message}\n${USAGE}`);
    return message === '' ? 0 : 2;
  }
  return applyPendingReboots(
    { ...request, engine: config.database.engine, restoreGeneration: config.database.restore?.generation },
    { rds: rdsClient ?? new RDSClient({ region: config.region }), log: (line) => console.log(line) },
  );
}

runMain(module, main);
