/**
 * Synthesizes every environment through the CDK CLI, each into cdk.out/<env>, with every validator
 * (what CI does after the tests). Stops at the first environment that fails.
 *
 *   npm run synth:all
 *
 * Exit 0: every environment synthesized; 1: one failed; 2: bad arguments (README, Commands).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { ENVIRONMENT_NAMES } from '../lib/config/schema';
import { argumentsOrExit, EXIT, parseCommandLine } from './lib/command-line';
import { runMain } from './lib/run-main';

const USAGE = 'usage: npm run synth:all';
const root = path.join(__dirname, '..');
const cdk = path.join(root, 'node_modules', '.bin', 'cdk');

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = argumentsOrExit(USAGE, () => parseCommandLine(argv, { options: {} }));
  if ('exit' in parsed) return parsed.exit;
  for (const envName of ENVIRONMENT_NAMES) {
    console.log(`== cdk synth -c env=${envName}`);
    const result = spawnSync(cdk, ['synth', '--quiet', '-c', `env=${envName}`, '--output', path.join('cdk.out', envName)], {
      cwd: root,
      stdio: 'inherit',
    });
    if (result.status !== 0) return EXIT.failed;
  }
  return EXIT.ok;
}

runMain(module, main);
