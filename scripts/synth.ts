/**
 * Synthesizes one environment through the CDK CLI, with every validator, into cdk.out/<env>.
 *
 *   npm run synth -- [--env <env>] [-c <field>=<value> ...]
 *
 * Without --env, dev. The configuration is validated here first, so that a bad -c value is told
 * before a CDK CLI starts. Exit 0: synthesized; 1: a validator finding; 2: bad arguments or
 * configuration (README, Commands).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { loadConfig } from '../lib/config/load';
import { argumentsOrExit, EXIT, parseCommandLine } from './lib/command-line';
import { CONTEXT_OPTION, contextOverrides, ENV_OPTION, environmentName } from './lib/environment-argument';
import { runMain } from './lib/run-main';

const ROOT = path.join(__dirname, '..');
const USAGE = 'usage: npm run synth -- [--env <env>] [-c <field>=<value> ...]';

/** Throws UsageError or HelpRequested. */
export function parseSynthArguments(argv: readonly string[]): { envName: string; context: string[] } {
  const { values } = parseCommandLine(argv, { options: { ...ENV_OPTION, ...CONTEXT_OPTION } });
  const envName = environmentName(values.env, { default: 'dev' });
  const context = values.context ?? [];
  contextOverrides(context);
  return { envName, context };
}

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = argumentsOrExit(USAGE, () => {
    const request = parseSynthArguments(argv);
    loadConfig({ envName: request.envName, overrides: contextOverrides(request.context) });
    return request;
  });
  if ('exit' in parsed) return parsed.exit;
  const request = parsed.value;
  const cdk = path.join(ROOT, 'node_modules', '.bin', 'cdk');
  const args = ['synth', '--quiet', '-c', `env=${request.envName}`, ...request.context.flatMap((pair) => ['-c', pair])];
  const result = spawnSync(cdk, [...args, '--output', path.join('cdk.out', request.envName)], { cwd: ROOT, stdio: 'inherit' });
  return result.status === 0 ? EXIT.ok : EXIT.failed;
}

runMain(module, main);
