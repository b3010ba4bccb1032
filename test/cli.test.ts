import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cdkJsonApp } from '../scripts/lib/cdk-json';
import { main as synth, parseSynthArguments } from '../scripts/synth';
import { runInProcess } from './support/command';
import { cdkJsonContext } from './support/context';

const root = path.join(__dirname, '..');

/** cdk.json's app command (its Node options included), run by this Node. */
const [program, ...appArguments] = cdkJsonApp().split(/\s+/);

/** Runs bin/app.ts as the CDK CLI would, with context passed the way `-c key=value` passes it. */
function runApp(context: Record<string, unknown>) {
  expect([program, appArguments.at(-1)]).toEqual(['node', 'bin/app.ts']);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-'));
  // No account, as on a machine without AWS credentials (CI, a first `cdk synth`).
  const { CDK_DEFAULT_ACCOUNT: _account, ...environment } = process.env;
  const result = spawnSync(process.execPath, appArguments, {
    cwd: root,
    encoding: 'utf8',
    env: { ...environment, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), NODE_ENV: 'production' },
  });
  fs.rmSync(outdir, { recursive: true, force: true });
  return result;
}

test('a bad -c override fails the app with one line per problem, naming the environment and field', () => {
  const result = runApp({ env: 'prod', 'network.natGateways': '40', 'network.flowLogRetentionDays': 'forever' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('prod: network.natGateways must be an integer from 1 to 3 (got 40)');
  expect(result.stderr).toContain('prod: network.flowLogRetentionDays must be a CloudWatch Logs retention in days');
  expect(result.stderr).not.toContain('    at ');
});

test('dev synthesizes with no account configured, every validator passing (acknowledgements match unresolved accounts too)', () => {
  // The CLI adds cdk.json's context (feature flags) to what -c gives.
  const result = runApp({ ...cdkJsonContext(), env: 'dev' });
  expect(result.stderr).not.toMatch(/KeyMustResolveToString|Validation failed/);
  expect(result.status).toBe(0);
});

test('an unknown environment fails the app', () => {
  const result = runApp({ env: 'production' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('unknown environment "production"');
});

test('npm run synth takes the environment as --env <env> or --env=<env> (dev without), and refuses what it does not know', async () => {
  expect(parseSynthArguments([])).toEqual({ envName: 'dev', context: [] });
  expect(parseSynthArguments(['--env', 'prod', '-c', 'images.api.tag=1.4.2'])).toEqual({
    envName: 'prod',
    context: ['images.api.tag=1.4.2'],
  });
  expect(parseSynthArguments(['--env=staging'])).toEqual({ envName: 'staging', context: [] });
  expect(() => parseSynthArguments(['--env', 'qa'])).toThrow('unknown environment qa: choose from dev, staging, prod');
  expect(() => parseSynthArguments(['-c', 'env=prod'])).toThrow('-c takes <field>=<value> (the environment is --env): got env=prod');
  const unknown = await runInProcess(synth, ['--env', 'prod', '--all']);
  expect(unknown).toMatchObject({
    status: 2,
    stderr: 'unknown option --all\nusage: npm run synth -- [--env <env>] [-c <field>=<value> ...]\n',
  });
});
