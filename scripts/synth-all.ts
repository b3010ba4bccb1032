/**
 * Synthesizes every environment through the CDK CLI, each into cdk.out/<env>, with every validator
 * (what CI does after the tests). Stops at the first environment that fails.
 *
 *   npm run synth:all
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { ENVIRONMENT_NAMES } from '../lib/config/schema';

const root = path.join(__dirname, '..');
const cdk = path.join(root, 'node_modules', '.bin', 'cdk');

for (const envName of ENVIRONMENT_NAMES) {
  console.log(`== cdk synth -c env=${envName}`);
  const result = spawnSync(cdk, ['synth', '--quiet', '-c', `env=${envName}`, '--output', path.join('cdk.out', envName)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
