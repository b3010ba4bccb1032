/**
 * The deploy, diff and destroy commands of an environment: they select exactly its stacks and run
 * the preflight before anything changes in AWS, and the deploy ends with npm run verify.
 *
 *   npm run deploy  -- --env <env> [--stacks <stack>[,<stack>]] [-c <field>=<value> ...] [--no-verify] [-- <cdk options>]
 *   npm run diff    -- --env <env> [...]
 *   npm run destroy -- --env <env> [...]
 *
 * Steps: synthesize once (every validator runs) into cdk.out/<env>; list the stacks the selection
 * takes, with the CLI's own selection; refuse example values (deploy); check that the credentials
 * are the environment's account; check that every configured image is in ECR (deploy); then run the
 * CDK CLI on that same synthesized assembly; after a deploy, name the database instances whose static
 * parameter changes wait for a restart (npm run reboot), then verify the environment (when every
 * stack was deployed). Exit 0: done; 1: refused, failed or not verified; 2: bad arguments or
 * configuration (README, Commands).
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { STSClient } from '@aws-sdk/client-sts';
import { spawnSync, type SpawnSyncOptions } from 'child_process';
import * as path from 'path';
import { RDSClient } from '@aws-sdk/client-rds';
import { databaseIdentifier, STACK_IDS, type StackId } from '../lib/config/names';
import { loadConfig } from '../lib/config/load';
import { runMain } from './lib/run-main';
import type { EnvironmentConfig } from '../lib/config/schema';
import { argumentsOrExit, EXIT, parseCommandLine, UsageError } from './lib/command-line';
import { CONTEXT_OPTION, contextOverrides, ENV_OPTION, environmentName } from './lib/environment-argument';
import { preflightProblems } from './lib/preflight';
import { rebootPlan, type RebootStep } from './lib/database-reboot';
import { verify } from './verify';

const ROOT = path.join(__dirname, '..');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');
const COMMANDS = ['deploy', 'diff', 'destroy'] as const;
type Command = (typeof COMMANDS)[number];

export interface DeployArguments {
  readonly command: Command;
  readonly envName: string;
  /** Stack construct ids, or all of the environment's stacks. */
  readonly stacks?: readonly StackId[];
  /** `-c field=value` overrides, passed to the synth as given. */
  readonly context: readonly string[];
  /** Options after `--`, for the CDK CLI (e.g. --require-approval never). */
  readonly cdkOptions: readonly string[];
  /** Run npm run verify after a deploy (off with --no-verify). */
  readonly verify: boolean;
}

const USAGE =
  'usage: npm run deploy|diff|destroy -- --env <env> [--stacks <stack>,...] [-c <field>=<value> ...] [--no-verify] [-- <cdk options>]';

/** The arguments after the npm script's own (`deploy`, `diff` or `destroy`); throws UsageError or HelpRequested. */
export function parseDeployArguments(argv: readonly string[]): DeployArguments {
  const { values, positionals, passThrough } = parseCommandLine(argv, {
    options: { ...ENV_OPTION, ...CONTEXT_OPTION, stacks: { type: 'string' }, 'no-verify': { type: 'boolean' } },
    positionals: 1,
    passThrough: true,
  });
  const command = positionals[0];
  if (!COMMANDS.includes(command as Command)) throw new UsageError(`unknown command ${command}: use deploy, diff or destroy`);
  if (values['no-verify'] && command !== 'deploy') throw new UsageError('--no-verify is an option of deploy');
  const envName = environmentName(values.env);
  const stacks = values.stacks?.split(',').map((name) => {
    const id = STACK_IDS.find((candidate) => candidate.toLowerCase() === name.trim().toLowerCase());
    if (!id) throw new UsageError(`unknown stack ${name}: choose from ${STACK_IDS.map((candidate) => candidate.toLowerCase()).join(', ')}`);
    return id;
  });
  const context = values.context ?? [];
  contextOverrides(context);
  return {
    command: command as Command,
    envName,
    stacks,
    context,
    cdkOptions: passThrough,
    verify: command === 'deploy' && !values['no-verify'],
  };
}

/** The stack patterns that select the environment's stacks inside its Stage. */
export function stackSelectors(args: Pick<DeployArguments, 'envName' | 'stacks'>): string[] {
  return args.stacks ? args.stacks.map((id) => `${args.envName}/${id}`) : [`${args.envName}/*`];
}

function run(args: string[], options: SpawnSyncOptions = {}) {
  return spawnSync(CDK, args, { cwd: ROOT, encoding: 'utf8', ...options });
}

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = argumentsOrExit(USAGE, () => {
    const args = parseDeployArguments(argv);
    return { args, config: loadConfig({ envName: args.envName, overrides: contextOverrides(args.context) }) };
  });
  if ('exit' in parsed) return parsed.exit;
  const { args, config } = parsed.value;

  // One synth, with every validator; the CLI then works on exactly these templates. A pipeline (or
  // a test) that synthesized this environment already names its assembly in CS2ANALYTICS_ASSEMBLY.
  const prebuilt = process.env.CS2ANALYTICS_ASSEMBLY;
  const assembly = prebuilt ? path.resolve(prebuilt) : path.join(ROOT, 'cdk.out', args.envName);
  if (!prebuilt) {
    const contextArgs = ['-c', `env=${args.envName}`, ...args.context.flatMap((pair) => ['-c', pair])];
    const synth = run(['synth', '--quiet', ...contextArgs, '--output', assembly], { stdio: 'inherit' });
    if (synth.status !== 0) return EXIT.failed;
  }

  const selectors = stackSelectors(args);
  const list = run(['list', '--app', assembly, ...selectors]);
  if (list.status !== 0) {
    console.error(list.stderr);
    return EXIT.failed;
  }
  console.log(`${args.command} ${args.envName}, stacks selected:\n${String(list.stdout).trim().replace(/^/gm, '  ')}`);

  const problems = await preflightProblems(args, config, {
    sts: new STSClient({ region: config.region }),
    ecr: new ECRClient({ region: config.region }),
  });
  if (problems.length > 0) {
    console.error(
      `Preflight refused the ${args.command} of ${args.envName}; nothing was changed in AWS:\n${problems.map((line) => `  ${line}`).join('\n')}`,
    );
    return EXIT.failed;
  }

  const cdk = run([args.command, '--app', assembly, ...selectors, ...args.cdkOptions], { stdio: 'inherit' });
  if (cdk.status !== 0) return EXIT.failed;
  if (args.command !== 'deploy') return EXIT.ok;
  return afterDeploy(args, config, { rds: new RDSClient({ region: config.region }), verify: (checked) => verify(checked) });
}

export interface AfterDeployDependencies {
  readonly rds: Pick<RDSClient, 'send'>;
  /** npm run verify's checks and printout; the exit code. */
  readonly verify: (config: EnvironmentConfig) => Promise<number>;
}

/**
 * After a deploy that succeeded: the database instances whose static parameter changes wait for a
 * restart, then verify (when every stack was deployed and changed, and not turned off). The exit code.
 */
export async function afterDeploy(
  args: Pick<DeployArguments, 'envName' | 'stacks' | 'cdkOptions' | 'verify'>,
  config: EnvironmentConfig,
  deps: AfterDeployDependencies,
): Promise<number> {
  if (args.stacks === undefined || args.stacks.includes('Data')) {
    // CloudFormation changes parameter groups, never restarts: say what waits, and how to apply it.
    try {
      const plan = await rebootPlan(
        deps.rds,
        config.database.engine,
        databaseIdentifier(args.envName, config.database.restore?.generation),
      );
      const notice = pendingRebootNotice(args.envName, plan);
      if (notice) console.log(notice);
    } catch (error) {
      // The deploy itself succeeded (a change set not executed, no rds:Describe* permission): say so.
      console.error(
        `could not check for parameter changes waiting for a reboot (${(error as Error).message}): run npm run reboot -- --env ${args.envName} --dry-run`,
      );
    }
  }
  if (!args.verify) return EXIT.ok;
  if (preparesChangeSetOnly(args.cdkOptions)) return EXIT.ok;
  if (args.stacks !== undefined) {
    console.log(`some stacks only: once every stack is deployed, check the environment with npm run verify -- --env ${args.envName}`);
    return EXIT.ok;
  }
  const status = await deps.verify(config);
  if (status !== 0) console.error(`the deploy of ${args.envName} succeeded, but the environment failed verify (above)`);
  return status;
}

/** Whether the CDK options only prepare a change set (`--no-execute`, `--execute=false`, `--method prepare-change-set`): nothing deployed to verify. */
export function preparesChangeSetOnly(options: readonly string[]): boolean {
  return options.some(
    (option, index) =>
      option === '--no-execute' ||
      option === '--execute=false' ||
      (option === '--execute' && options[index + 1] === 'false') ||
      option === '--method=prepare-change-set' ||
      (option === '--method' && options[index + 1] === 'prepare-change-set'),
  );
}

/** After a deploy: the instances whose static parameter changes wait for a restart, and the command that applies them. */
export function pendingRebootNotice(envName: string, plan: readonly RebootStep[]): string | undefined {
  if (plan.length === 0) return undefined;
  return (
    `${plan.length} database instance(s) keep static parameter changes pending until they restart (${plan.map((step) => step.instance).join(', ')}): ` +
    `apply them with npm run reboot -- --env ${envName} (--dry-run first says what each restart interrupts)`
  );
}

runMain(module, main);
