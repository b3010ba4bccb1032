/**
 * Synthesizes one environment through the CDK CLI, with every validator, into cdk.out/<env>.
 *
 *   npm run synth -- [--env <env>] [-c <field>=<value> ...]
 *
 * Without --env, dev. Exit 0: synthesized; 1: a validator finding or a bad configuration (the app
 * says which); 2: bad arguments.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { ENVIRONMENT_NAMES } from '../lib/config/schema';
import { runMain } from './lib/run-main';

const ROOT = path.join(__dirname, '..');
const USAGE = 'usage: npm run synth -- [--env <env>] [-c <field>=<value> ...]';

export function parseSynthArguments(argv: readonly string[]): { envName: string; context: string[] } {
  let envName = 'dev';
  const context: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined || next.startsWith('-')) throw new Error(`${argument} needs a value`);
      return next;
    };
    if (argument === '--env') envName = value();
    else if (argument.startsWith('--env=')) envName = argument.slice('--env='.length);
    else if (argument === '-c' || argument === '--context') {
      const pair = value();
      if (!pair.includes('=') || pair.startsWith('env='))
        throw new Error(`-c takes <field>=<value> (the environment is --env): got ${pair}`);
      context.push(pair);
    } else if (argument === '--help' || argument === '-h') throw new Error('');
    else throw new Error(`unknown option ${argument}`);
  }
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(envName))
    throw new Error(`unknown environment ${envName}: choose from ${ENVIRONMENT_NAMES.join(', ')}`);
  return { envName, context };
}

export async function main(argv: readonly string[]): Promise<number> {
  let request: { envName: string; context: string[] };
  try {
    request = parseSynthArguments(argv);
  } catch (error) {
    const message = (error as Error).message;
    if (message === '') {
      console.log(USAGE);
      return 0;
    }
    console.error(`${message}\n${USAGE}`);
    return 2;
  }
  const cdk = path.join(ROOT, 'node_modules', '.bin', 'cdk');
  const args = ['synth', '--quiet', '-c', `env=${request.envName}`, ...request.context.flatMap((pair) => ['-c', pair])];
  const result = spawnSync(cdk, [...args, '--output', path.join('cdk.out', request.envName)], { cwd: ROOT, stdio: 'inherit' });
  return result.status === 0 ? 0 : 1;
}

runMain(module, main);
