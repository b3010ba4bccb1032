/**
 * Checks a deployed environment (README, First deploy: verify): every stack deployed and none rolled
 * back, the migrations' last run, the URL answering, the target groups healthy, the last maintenance
 * pass succeeded, no alarm in ALARM that the run hours do not explain. One line per check, then the
 * verdict. `npm run deploy` runs it at the end (unless --no-verify).
 *
 *   npm run verify -- --env <env>
 *
 * Exit 0: every check passed; 1: a check failed, or no usable credentials; 2: bad arguments or
 * configuration (README, Commands).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { STSClient } from '@aws-sdk/client-sts';
import type { EnvironmentConfig } from '../lib/config/schema';
import { accountProblems } from './lib/preflight';
import { environmentFromArguments } from './lib/environment-argument';
import { runMain } from './lib/run-main';
import { EXIT } from './lib/command-line';
import { formatChecks, verifyEnvironment, type VerifyDependencies } from './lib/verify';

const USAGE = 'usage: npm run verify -- --env <env>';

export interface VerifyClients extends Partial<VerifyDependencies> {
  readonly sts?: Pick<STSClient, 'send'>;
}

/** A GET that gives the site ten seconds, follows redirects (HTTP to HTTPS) and reports the final status. */
export async function httpStatus(url: string): Promise<number> {
  const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(10_000) });
  await response.body?.cancel();
  return response.status;
}

/** The checks of a deployed environment, printed; the exit code. */
export async function verify(config: EnvironmentConfig, clients: VerifyClients = {}): Promise<number> {
  const region = config.region;
  const problems = await accountProblems(config, clients.sts ?? new STSClient({ region }));
  if (problems.length > 0) {
    console.error(`Verify of ${config.envName} could not start:\n${problems.map((line) => `  ${line}`).join('\n')}`);
    return EXIT.failed;
  }
  try {
    const checks = await verifyEnvironment(config, {
      cloudformation: clients.cloudformation ?? new CloudFormationClient({ region }),
      ecs: clients.ecs ?? new ECSClient({ region }),
      elbv2: clients.elbv2 ?? new ElasticLoadBalancingV2Client({ region }),
      cloudwatch: clients.cloudwatch ?? new CloudWatchClient({ region }),
      get: clients.get ?? httpStatus,
      now: clients.now,
    });
    console.log(formatChecks(config.envName, checks));
    return checks.every((check) => check.ok) ? EXIT.ok : EXIT.failed;
  } catch (error) {
    console.error(`verify ${config.envName}: could not finish (${(error as Error).name}: ${(error as Error).message})`);
    return EXIT.failed;
  }
}

export async function main(argv: readonly string[], clients?: VerifyClients): Promise<number> {
  const config = environmentFromArguments(argv, USAGE);
  if (typeof config === 'number') return config;
  return verify(config, clients);
}

runMain(module, main);
