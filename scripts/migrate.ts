/**
 * Runs the app's migrations now, as every deploy that changes the API image does: a one-off task of
 * the API's task definition (its latest revision: its image, secrets and network) with the
 * configured command (`migrations.command`), waited for, its exit code and last log lines printed.
 *
 *   npm run migrate -- --env <env>
 *
 * Exit 0: the migrations succeeded; 1: they failed (or the environment is not deployed); 2: bad
 * arguments or configuration (README, Commands).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { startTask, taskOutcome, type TaskRunDependencies, type TaskRunProperties } from '../lambda/deploy-time-task/task-run';
import { OPERATOR_OUTPUTS, stackName } from '../lib/config/names';
import { environmentFromArguments } from './lib/environment-argument';
import { runMain } from './lib/run-main';
import { EXIT } from './lib/command-line';

const USAGE = 'usage: npm run migrate -- --env <env>';

export interface MigrateDependencies extends TaskRunDependencies {
  readonly cloudformation: Pick<CloudFormationClient, 'send'>;
  readonly log: (line: string) => void;
  /** Where a failure is said. @default log */
  readonly error?: (line: string) => void;
  readonly intervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The environment's operator outputs (OPERATOR_OUTPUTS), by key, read from the stacks that hold them;
 * throws naming the stack that is not deployed, or the outputs a stack deployed before them lacks.
 */
export async function operatorOutputs<K extends keyof typeof OPERATOR_OUTPUTS>(
  cloudformation: Pick<CloudFormationClient, 'send'>,
  envName: string,
  keys: readonly K[],
): Promise<Record<K, string>> {
  const found: Partial<Record<K, string>> = {};
  const missing: string[] = [];
  const wanted = Object.fromEntries(keys.map((key) => [key, OPERATOR_OUTPUTS[key]])) as Record<K, (typeof OPERATOR_OUTPUTS)[K]>;
  for (const stack of [...new Set(Object.values<(typeof OPERATOR_OUTPUTS)[K]>(wanted).map((output) => output.stack))]) {
    const name = stackName(envName, stack);
    const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: name })).catch((error: Error) => {
      throw new Error(`${name} is not deployed (${error.message}): deploy the environment first`);
    });
    const values = new Map((Stacks[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
    for (const [key, output] of Object.entries<(typeof OPERATOR_OUTPUTS)[K]>(wanted)) {
      if (output.stack !== stack) continue;
      const value = values.get(output.name);
      if (value === undefined) missing.push(`${name} ${output.name}`);
      else found[key as K] = value;
    }
  }
  if (missing.length > 0) throw new Error(`no output ${missing.join(', ')}: deploy the environment first`);
  return found as Record<K, string>;
}

/** The outputs a migration run reads: only these need to exist (an older deploy may lack others). */
const MIGRATE_OUTPUTS = [
  'cluster',
  'migrationTaskDefinitionFamily',
  'migrationContainer',
  'privateSubnets',
  'migrationClientSecurityGroup',
  'apiCapacityProvider',
  'apiLogGroup',
] as const;

export async function migrate(envName: string, command: readonly string[], deps: MigrateDependencies): Promise<number> {
  let outputs: Record<(typeof MIGRATE_OUTPUTS)[number], string>;
  try {
    outputs = await operatorOutputs(deps.cloudformation, envName, MIGRATE_OUTPUTS);
  } catch (error) {
    (deps.error ?? deps.log)((error as Error).message);
    return EXIT.failed;
  }
  const container = outputs.migrationContainer;
  const streamPrefix = 'migrations';
  const properties: TaskRunProperties = {
    Cluster: outputs.cluster,
    // The family alone runs its latest active revision: the one the last deploy registered (the API's image).
    TaskDefinition: outputs.migrationTaskDefinitionFamily,
    Container: container,
    Command: JSON.stringify(command),
    Subnets: JSON.stringify(outputs.privateSubnets.split(',')),
    SecurityGroups: JSON.stringify([outputs.migrationClientSecurityGroup]),
    CapacityProvider: outputs.apiCapacityProvider,
    LogGroup: outputs.apiLogGroup,
    StreamPrefix: streamPrefix,
  };
  const taskArn = await startTask(deps, properties, 'npm-run-migrate');
  deps.log(
    `started ${command.join(' ')} in ${taskArn}; its log: ${properties.LogGroup}, stream ${streamPrefix}/${container}/${taskArn.split('/').pop()}`,
  );
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  try {
    for (;;) {
      const outcome = await taskOutcome(deps, properties, taskArn);
      if (outcome.done) break;
      await sleep(deps.intervalMs ?? 10_000);
    }
  } catch (error) {
    (deps.error ?? deps.log)((error as Error).message);
    return EXIT.failed;
  }
  deps.log('migrations succeeded (exit code 0)');
  return EXIT.ok;
}

export async function main(argv: readonly string[], clients?: Omit<MigrateDependencies, 'log' | 'error'>): Promise<number> {
  const config = environmentFromArguments(argv, USAGE);
  if (typeof config === 'number') return config;
  const region = config.region;
  return migrate(config.envName, config.migrations.command, {
    cloudformation: clients?.cloudformation ?? new CloudFormationClient({ region }),
    ecs: clients?.ecs ?? new ECSClient({ region }),
    logs: clients?.logs ?? new CloudWatchLogsClient({ region }),
    intervalMs: clients?.intervalMs,
    sleep: clients?.sleep,
    log: (line) => console.log(line),
    error: (line) => console.error(line),
  }).catch((error: Error) => {
    console.error(error.message);
    return EXIT.failed;
  });
}

runMain(module, main);
