/**
 * The command line every command shares (scripts/lib/command-line.ts, scripts/lib/environment-argument.ts):
 * the parser itself, then every npm script that runs a file of this repository, each run with
 * --help, an unknown option and a mistyped environment.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { main as maintenance } from '../lambda/partition-maintenance/cli';
import { ConfigError, loadConfig } from '../lib/config/load';
import { main as configTable } from '../scripts/config-table';
import { main as convert } from '../scripts/convert';
import { main as cost } from '../scripts/cost';
import { main as deploy } from '../scripts/deploy';
import { main as impact } from '../scripts/impact';
import { HelpRequested, parseCommandLine, UsageError } from '../scripts/lib/command-line';
import { CONTEXT_OPTION, contextOverrides, ENV_OPTION } from '../scripts/lib/environment-argument';
import { main as acks } from '../scripts/list-acknowledgements';
import { main as maintenanceDemo } from '../scripts/maintenance-demo';
import { main as migrate } from '../scripts/migrate';
import { main as reboot } from '../scripts/reboot';
import { main as synth } from '../scripts/synth';
import { main as synthAll } from '../scripts/synth-all';
import { main as verify } from '../scripts/verify';
import { runInProcess, type CommandResult } from './support/command';

const ROOT = path.join(__dirname, '..');

describe('parseCommandLine', () => {
  const spec = { options: { ...ENV_OPTION, ...CONTEXT_OPTION, json: { type: 'boolean' } } } as const;

  test('--env=prod and --env prod are the same', () => {
    expect(parseCommandLine(['--env=prod'], spec)).toEqual({ values: { env: 'prod' }, positionals: [], passThrough: [] });
    expect(parseCommandLine(['--env', 'prod'], spec)).toEqual({ values: { env: 'prod' }, positionals: [], passThrough: [] });
    expect(parseCommandLine(['-c', 'a.b=1', '--context=c.d=2', '--json'], spec).values).toEqual({
      context: ['a.b=1', 'c.d=2'],
      json: true,
    });
  });

  test('-h or --help anywhere before --, whatever else is wrong, asks for help; after --, it is passed on', () => {
    for (const argv of [['-h'], ['--env', 'prod', '-h'], ['--help', '--env', 'prod'], ['--bogus', '--help'], ['--env', '-h']]) {
      expect(() => parseCommandLine(argv, spec)).toThrow(HelpRequested);
    }
    expect(parseCommandLine(['--env', 'prod', '--', '-h'], { ...spec, passThrough: true }).passThrough).toEqual(['-h']);
  });

  test('an unknown option is named, with the option it most likely meant', () => {
    expect(() => parseCommandLine(['--evn', 'prod'], spec)).toThrow(new UsageError('unknown option --evn (did you mean --env?)'));
    expect(() => parseCommandLine(['--evn=prod'], spec)).toThrow(new UsageError('unknown option --evn (did you mean --env?)'));
    expect(() => parseCommandLine(['--jsno'], spec)).toThrow(new UsageError('unknown option --jsno (did you mean --json?)'));
    expect(() => parseCommandLine(['--bogus'], spec)).toThrow(new UsageError('unknown option --bogus'));
    expect(() => parseCommandLine(['-x'], spec)).toThrow(new UsageError('unknown option -x'));
  });

  test('a string option with no value, or a boolean one with a value, is a usage error', () => {
    expect(() => parseCommandLine(['--env'], spec)).toThrow(new UsageError('--env needs a value'));
    expect(() => parseCommandLine(['--env', '--json'], spec)).toThrow(new UsageError('--env needs a value'));
    expect(() => parseCommandLine(['-c'], spec)).toThrow(new UsageError('-c needs a value'));
    expect(() => parseCommandLine(['--json=yes'], spec)).toThrow(new UsageError('--json takes no value (got yes)'));
  });

  test('what follows -- is passed on where the command allows it, and refused elsewhere; so are extra arguments', () => {
    const deployLike = { ...spec, positionals: 1, passThrough: true };
    expect(parseCommandLine(['deploy', '--env=prod', '--', '--require-approval', 'never', '--bogus'], deployLike)).toEqual({
      values: { env: 'prod' },
      positionals: ['deploy'],
      passThrough: ['--require-approval', 'never', '--bogus'],
    });
    expect(() => parseCommandLine(['--env', 'prod', '--', '--require-approval'], spec)).toThrow(
      new UsageError('unexpected argument --require-approval'),
    );
    expect(() => parseCommandLine(['prod'], spec)).toThrow(new UsageError('unexpected argument prod'));
    expect(() => parseCommandLine(['deploy', 'prod'], deployLike)).toThrow(new UsageError('unexpected argument prod'));
  });
});

describe('-c <field>=<value>', () => {
  const issues = (envName: string, pairs: string[]): readonly string[] => {
    try {
      loadConfig({ envName, overrides: contextOverrides(pairs) });
    } catch (error) {
      if (error instanceof ConfigError) return error.issues;
      throw error;
    }
    return [];
  };

  test('a mistyped field names the field it most likely meant', () => {
    expect(issues('prod', ['services.parser.minTask=4'])).toEqual([
      'prod: services.parser.minTask is not a known setting (did you mean services.parser.minTasks?)',
    ]);
    expect(issues('dev', ['database.multiAZ=null'])).toEqual([
      'dev: database.multiAZ is not a known setting (did you mean database.multiAz?)',
    ]);
  });

  test("<field>=null removes a field, so that dev's engine can switch to aurora and validate", () => {
    // The instance engine's own fields stay in dev's configuration unless removed.
    expect(issues('dev', ['database.engine=aurora', 'database.instanceType=t4g.medium'])).toEqual([
      'dev: database.multiAz applies only to database.engine instance: Aurora keeps six copies over three AZs and fails over to a reader; remove it (got false)',
      'dev: database.allocatedStorageGiB applies only to database.engine instance: Aurora storage grows by itself; remove it (got 20)',
      'dev: database.maxAllocatedStorageGiB applies only to database.engine instance: Aurora storage grows by itself; remove it (got 100)',
    ]);
    const switched = loadConfig({
      envName: 'dev',
      overrides: contextOverrides([
        'database.engine=aurora',
        'database.instanceType=t4g.medium',
        'database.multiAz=null',
        'database.allocatedStorageGiB=null',
        'database.maxAllocatedStorageGiB=null',
      ]),
    });
    expect(switched.database.engine).toBe('aurora');
    expect(switched.database.instanceType).toBe('t4g.medium');
    for (const field of ['multiAz', 'allocatedStorageGiB', 'maxAllocatedStorageGiB']) expect(switched.database).not.toHaveProperty(field);
  });

  test('the environment is --env, never -c env=', () => {
    expect(() => contextOverrides(['env=prod'])).toThrow(
      new UsageError('-c takes <field>=<value> (the environment is --env): got env=prod'),
    );
    expect(() => contextOverrides(['database.readers'])).toThrow(
      new UsageError('-c takes <field>=<value> (the environment is --env): got database.readers'),
    );
  });

  test('a bad field stops the command before anything runs: exit 2, the problem on stderr', async () => {
    expect(await runInProcess(synth, ['--env=prod', '-c', 'services.parser.minTask=4'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'Invalid configuration:\n  prod: services.parser.minTask is not a known setting (did you mean services.parser.minTasks?)\n',
    });
  });
});

/** The npm scripts that run a file of this repository, and the arguments the script itself passes. */
function npmCommands(): Map<string, { node: string[]; file: string; scriptArguments: string[] }> {
  const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
  const commands = new Map<string, { node: string[]; file: string; scriptArguments: string[] }>();
  for (const [name, script] of Object.entries(scripts)) {
    const match = /^node (.*?)((?:scripts|lambda)\/\S+\.ts)((?: \S+)*)$/.exec(script);
    if (!match) continue;
    const node = match[1].trim().split(' ').filter(Boolean);
    commands.set(name, { node, file: match[2], scriptArguments: match[3].trim().split(' ').filter(Boolean) });
  }
  return commands;
}

type Main = (argv: readonly string[]) => Promise<number>;

/**
 * Each command: its main function where the file exports one (run in this process), or none where
 * the file runs at its top level (run by Node, as npm would); its usage; the environments --env takes.
 */
const COMMANDS: Record<string, { main?: Main; usage: string; env?: 'env' | 'env|all' }> = {
  synth: { main: synth, usage: 'usage: npm run synth -- [--env <env>] [-c <field>=<value> ...]', env: 'env' },
  'synth:all': { main: synthAll, usage: 'usage: npm run synth:all' },
  acks: { main: acks, usage: 'usage: npm run acks -- [--env <env>] [--json]', env: 'env' },
  'bench:synth': { usage: 'usage: npm run bench:synth -- [--runs 5] [--env dev]', env: 'env' },
  ...Object.fromEntries(
    ['deploy', 'diff', 'destroy'].map((name) => [
      name,
      {
        main: deploy,
        usage:
          'usage: npm run deploy|diff|destroy -- --env <env> [--stacks <stack>,...] [-c <field>=<value> ...] [--no-verify] [-- <cdk options>]',
        env: 'env' as const,
      },
    ]),
  ),
  maintenance: {
    main: maintenance,
    usage: [
      'usage:',
      '  npm run maintenance -- --database-url URL [--schema S] --table T --column C --future-months N --retention-months N',
      '                         [--archive-bucket B --archive-region R] [--dry-run]',
      '  npm run maintenance -- convert --database-url URL [--schema S] --table T --column C [--future-months N]',
    ].join('\n'),
  },
  convert: { main: convert, usage: 'usage: npm run convert -- --env <env> [--table <schema>.<table>]', env: 'env' },
  migrate: { main: migrate, usage: 'usage: npm run migrate -- --env <env>', env: 'env' },
  verify: { main: verify, usage: 'usage: npm run verify -- --env <env>', env: 'env' },
  reboot: { main: reboot, usage: 'usage: npm run reboot -- --env <env> [--dry-run]', env: 'env' },
  impact: {
    main: impact,
    usage: 'usage: npm run impact -- --env <env|all> [--base <ref>] [-c <field>=<value> ...] [--format text|markdown]',
    env: 'env|all',
  },
  cost: { main: cost, usage: 'usage: npm run cost -- --env <env|all> [-c <field>=<value> ...] [--json] [--levers]', env: 'env|all' },
  'config-table': {
    main: configTable,
    usage: [
      'usage: npm run config-table [-- --check]',
      '  writes the table of what differs between the environments into docs/configuration.md',
      '  --check   change nothing; exit 1 if the table there is not the one the config gives',
    ].join('\n'),
  },
  'maintenance:demo': { main: maintenanceDemo, usage: 'usage: npm run maintenance:demo' },
  'bench:maintenance': { usage: 'usage: npm run bench:maintenance -- [--clients 4] [--rows-per-month 20000] [--analytics-seconds 6]' },
};

const commands = npmCommands();

test('the table below covers every npm script that runs a file of this repository', () => {
  expect([...commands.keys()].sort()).toEqual(Object.keys(COMMANDS).sort());
});

/** The command as its npm script runs it, with these arguments after `--`. */
async function run(name: string, argv: readonly string[]): Promise<CommandResult> {
  const { node, file, scriptArguments } = commands.get(name)!;
  const main = COMMANDS[name].main;
  if (main) return runInProcess(main, [...scriptArguments, ...argv]);
  const result = spawnSync(process.execPath, [...node, file, ...scriptArguments, ...argv], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe.each(Object.keys(COMMANDS))('npm run %s', (name) => {
  const { usage, env } = COMMANDS[name];

  test('--help and -h: the usage on stdout, exit 0', async () => {
    expect(await run(name, ['--help'])).toEqual({ status: 0, stdout: `${usage}\n`, stderr: '' });
    expect((await run(name, ['-h'])).status).toBe(0);
  });

  test('an unknown option: named on stderr with the usage, nothing on stdout, exit 2', async () => {
    expect(await run(name, ['--bogus'])).toEqual({ status: 2, stdout: '', stderr: `unknown option --bogus\n${usage}\n` });
  });

  if (env) {
    test('--evn=prod is told to mean --env; --env=prd to mean prod', async () => {
      expect(await run(name, ['--evn=prod'])).toEqual({
        status: 2,
        stdout: '',
        stderr: `unknown option --evn (did you mean --env?)\n${usage}\n`,
      });
      const choices = env === 'env|all' ? 'dev, staging, prod, all' : 'dev, staging, prod';
      expect(await run(name, ['--env=prd'])).toEqual({
        status: 2,
        stdout: '',
        stderr: `unknown environment prd (did you mean prod?): choose from ${choices}\n${usage}\n`,
      });
    });
  }
});
