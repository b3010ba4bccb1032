import { loadConfig } from '../../lib/config/load';
import { ENVIRONMENT_NAMES, type EnvironmentConfig } from '../../lib/config/schema';
import { didYouMean } from '../../lib/config/suggest';
import { argumentsOrExit, parseCommandLine, UsageError } from './command-line';

/** `--env`, as every command takes it. */
export const ENV_OPTION = { env: { type: 'string' } } as const;

/** `-c <field>=<value>`, repeatable, as every command that overrides the configuration takes it. */
export const CONTEXT_OPTION = { context: { type: 'string', short: 'c', multiple: true } } as const;

/**
 * The environment `--env` names; `all` too where the command allows it. A name it does not know is
 * a usage error naming the closest one.
 */
export function environmentName(value: string | undefined, options: { all?: boolean; default?: string } = {}): string {
  const name = value ?? options.default;
  if (name === undefined) throw new UsageError('--env is required');
  const known: string[] = [...ENVIRONMENT_NAMES, ...(options.all ? ['all'] : [])];
  if (!known.includes(name)) {
    throw new UsageError(`unknown environment ${name}${didYouMean(name, known)}: choose from ${known.join(', ')}`);
  }
  return name;
}

/**
 * `-c <field>=<value>` pairs as overrides by dotted path. `env` is not a field: the environment is
 * `--env`. `<field>=null` removes the field (lib/config/load.ts).
 */
export function contextOverrides(pairs: readonly string[] | undefined): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const separator = pair.indexOf('=');
    if (separator <= 0 || pair.startsWith('env=')) throw new UsageError(`-c takes <field>=<value> (the environment is --env): got ${pair}`);
    overrides[pair.slice(0, separator)] = pair.slice(separator + 1);
  }
  return overrides;
}

/**
 * The arguments of a command that takes only an environment: `--env <env>` or `--env=<env>`, and
 * `--help`. Returns the environment's configuration, or the exit code to stop with (0 after help, 2
 * for bad arguments or configuration), having said why.
 */
export function environmentFromArguments(argv: readonly string[], usage: string): EnvironmentConfig | number {
  const parsed = argumentsOrExit(usage, () =>
    loadConfig({ envName: environmentName(parseCommandLine(argv, { options: ENV_OPTION }).values.env) }),
  );
  return 'exit' in parsed ? parsed.exit : parsed.value;
}
