/**
 * The README's deploy, diff and destroy commands, read from the README (so the docs cannot drift),
 * run as a user would run them but without AWS credentials: each must select exactly its
 * environment's stacks, and stop in the preflight before anything changes in AWS.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repositoryName, SERVICE_NAMES } from '../lib/config/names';
import { loadConfig } from '../lib/config/load';
import { main as deployCommand } from '../scripts/deploy';
import { main as verifyCommand } from '../scripts/verify';
import { runInProcess, type CommandResult } from './support/command';
import { synthesized, templateOf } from './support/synthesized';

const root = path.join(__dirname, '..');

function readmeCommands(): string[][] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Deploy an environment'), readme.indexOf('### First deploy'));
  const block = /```bash\n([\s\S]*?)```/.exec(section)![1];
  return block
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.startsWith('npm run '))
    .map((line) => line.split(/\s+/));
}

/** The environment with every AWS credential source switched off. */
function withoutCredentials(assembly: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('CDK_')));
  return {
    ...env,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    // The environment as the test run synthesized it (every validator passed there): no second synth.
    CS2ANALYTICS_ASSEMBLY: synthesized(assembly).outdir,
  };
}

/** The command through npm, in a process of its own. */
function throughNpm(argv: string[], env: NodeJS.ProcessEnv): CommandResult {
  const result = spawnSync(argv[0], argv.slice(1), { cwd: root, encoding: 'utf8', env });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The same command in this process: what its npm script runs (checked against package.json), with
 * the process environment swapped for the duration. Saves a Node process and an npm per command.
 */
async function inProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const script: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts[argv[2]];
  const [, scriptArgument] = /^node (?:\S+ )*scripts\/deploy\.ts (\w+)$/.exec(script) ?? [];
  expect(scriptArgument).toBe(argv[2]);
  const saved = process.env;
  process.env = env;
  try {
    return await runInProcess(deployCommand, [scriptArgument, ...argv.slice(argv.indexOf('--') + 1)]);
  } finally {
    process.env = saved;
  }
}

const commands = readmeCommands();

test('the README shows a deploy, a diff and a destroy command', () => {
  expect(commands.map((argv) => argv[2]).sort()).toEqual(['deploy', 'destroy', 'diff']);
});

test.each(commands.map((argv) => [argv.join(' '), argv] as const))(
  "%s selects exactly its environment's stacks and stops before AWS",
  async (_line, argv) => {
    const envName = argv[argv.indexOf('--env') + 1];
    // The deploy runs as a user runs it, through npm; the others run the same code in this process.
    const run = argv[2] === 'deploy' ? throughNpm : inProcess;
    const result = await run(argv, withoutCredentials(envName));
    const selected = result.stdout
      .split('stacks selected:')[1]
      ?.trim()
      .split('\n')
      .map((line) => line.trim().replace(/ \(.*\)$/, ''));
    expect(selected?.sort()).toEqual(
      synthesized(envName)
        .stacks.map((stack) => `${envName}/${stack.id}`)
        .sort(),
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Preflight refused the ${argv[2]} of ${envName}; nothing was changed in AWS`);
    // Prod as committed still holds example values; everywhere else, it is the missing credentials.
    expect(result.stderr).toMatch(
      envName === 'prod' && argv[2] === 'deploy'
        ? /loadBalancer\.domainName is a domain reserved for examples/
        : /no usable AWS credentials/,
    );
    expect(result.stdout + result.stderr).not.toMatch(/deploying|destroying|Stack ARN/);
  },
);

/** The README's plain CDK CLI lines (its second block in "Deploy an environment"), as argv. */
function readmePlainCdkCommands(): string[][] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Deploy an environment'), readme.indexOf('### First deploy'));
  const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks[1]
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.startsWith('npx cdk '))
    .map((line) => line.split(/\s+/));
}

/** What the CDK CLI selects for a command line, listed from the synthesized assembly of its environment. */
function selection(argv: string[]): { status: number; stacks: string[]; stderr: string } {
  const envName = argv.find((argument) => argument.startsWith('env='))?.slice('env='.length) ?? 'dev';
  const selectors = argv.slice(3).filter((argument, index, all) => !argument.startsWith('-') && all[index - 1] !== '-c');
  const result = spawnSync(path.join(root, 'node_modules', '.bin', 'cdk'), ['ls', '--app', synthesized(envName).outdir, ...selectors], {
    cwd: root,
    encoding: 'utf8',
  });
  const stacks = result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/ \(.*\)$/, ''));
  return { status: result.status ?? -1, stacks, stderr: result.stderr };
}

test("the README's plain CDK commands select the environment's stacks: all of them with --all (or no stack), one by its path", () => {
  const lines = readmePlainCdkCommands();
  expect(lines.map((argv) => argv[2])).toEqual(['ls', 'diff', 'deploy', 'deploy', 'destroy']);
  const every = (envName: string) =>
    synthesized(envName)
      .stacks.map((stack) => `${envName}/${stack.id}`)
      .sort();
  for (const argv of lines) {
    const envName = argv.find((argument) => argument.startsWith('env='))!.slice('env='.length);
    const named = argv.slice(3).find((argument) => /^\w+\/\w+$/.test(argument));
    const { status, stacks } = selection(argv);
    expect(status).toBe(0);
    if (!named) expect(stacks.sort()).toEqual(every(envName));
    // One stack, with those it depends on (the CLI deploys them first, unchanged ones untouched).
    else expect(stacks).toEqual(['prod/Network', named]);
  }
  // A CloudFormation name is not a path: the CLI says so, and selects nothing.
  const byName = spawnSync(
    path.join(root, 'node_modules', '.bin', 'cdk'),
    ['deploy', 'Cs2Analytics-prod-data', '--app', synthesized('prod').outdir],
    {
      cwd: root,
      encoding: 'utf8',
      env: withoutCredentials('prod'),
    },
  );
  expect(byName.status).not.toBe(0);
  expect(byName.stderr).toContain('No stacks match the name(s) Cs2Analytics-prod-data');
});

/** The README's "First deploy" block, command lines without their comments. */
function readmeFirstDeploy(): string[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### First deploy'), readme.indexOf('### Later deploys'));
  return /```bash\n([\s\S]*?)```/
    .exec(section)![1]
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

describe('README, First deploy', () => {
  const lines = readmeFirstDeploy();
  const config = loadConfig({ envName: 'prod' });

  test("bootstrap, registry, login, the three pushes, deploy, verify: in that order, in the environment's region", () => {
    expect(lines.map((line) => line.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'npx cdk bootstrap',
      'npm run deploy',
      'aws ecr get-login-password',
      'docker push <account>.dkr.ecr.eu-west-1.amazonaws.com/cs2analytics-prod/web:0.1.0',
      'docker push <account>.dkr.ecr.eu-west-1.amazonaws.com/cs2analytics-prod/api:0.1.0',
      'docker push <account>.dkr.ecr.eu-west-1.amazonaws.com/cs2analytics-prod/parser:0.1.0',
      'npm run deploy',
      'npm run verify',
    ]);
    expect(lines[0]).toBe(`npx cdk bootstrap aws://<account>/${config.region}`);
  });

  test('each push names a repository the registry creates, with the tag the configuration deploys', () => {
    const pushed = lines
      .filter((line) => line.startsWith('docker push '))
      .map((line) => /\.amazonaws\.com\/(.+):(.+)$/.exec(line)!.slice(1));
    expect(pushed).toEqual(SERVICE_NAMES.map((service) => [repositoryName('prod', service), config.images[service].tag]));
    const created = Object.values(
      templateOf('prod', 'Registry').findResources('AWS::ECR::Repository') as Record<string, { Properties: { RepositoryName?: string } }>,
    ).map((resource) => resource.Properties.RepositoryName);
    expect(created.sort()).toEqual(pushed.map(([repository]) => repository).sort());
  });

  test.each(lines.filter((line) => line.startsWith('npm run ')).map((line) => [line]))(
    '%s stops before AWS without credentials',
    async (line) => {
      const argv = line.split(/\s+/);
      const env = withoutCredentials('prod');
      const result =
        argv[2] === 'verify' ? await withEnv(env, () => runInProcess(verifyCommand, argv.slice(4))) : await inProcess(argv, env);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        argv[2] === 'verify'
          ? /^Verify of prod could not start:\n {2}prod: no usable AWS credentials/
          : /Preflight refused the deploy of prod; nothing was changed in AWS:\n {2}prod: loadBalancer\.domainName is a domain reserved for examples/,
      );
    },
  );
});

async function withEnv<T>(env: NodeJS.ProcessEnv, action: () => Promise<T>): Promise<T> {
  const saved = process.env;
  process.env = env;
  try {
    return await action();
  } finally {
    process.env = saved;
  }
}
