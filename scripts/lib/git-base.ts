import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The templates (by stack name) and configuration one environment synthesizes to. */
export interface SynthesizedEnvironment {
  readonly templates: Map<string, any>;
  readonly config: any;
}

/** A git ref the working tree is compared with. */
export interface BaseRef {
  /** As the user named it, or how it was chosen (`merge-base with main`). */
  readonly name: string;
  readonly commit: string;
}

const git = (root: string, args: readonly string[]): string =>
  execFileSync('git', [...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * The commit to compare with: `ref` as given, or the merge-base of HEAD with origin/main (main where
 * there is no remote, as in a local clone; a local main may be behind the remote's).
 */
export function resolveBase(root: string, ref?: string): BaseRef {
  const commitOf = (name: string): string | undefined => {
    try {
      return git(root, ['rev-parse', '--verify', '--quiet', `${name}^{commit}`]);
    } catch {
      return undefined;
    }
  };
  if (ref) {
    const commit = commitOf(ref);
    if (!commit) throw new Error(`--base ${ref}: no such commit in ${root} (fetch it first, e.g. git fetch origin ${ref})`);
    return { name: ref, commit };
  }
  for (const main of ['origin/main', 'main']) {
    if (!commitOf(main)) continue;
    return { name: `merge-base with ${main}`, commit: git(root, ['merge-base', 'HEAD', main]) };
  }
  throw new Error('no origin/main or main to compare with: name a ref with --base <ref>');
}

/**
 * Synthesizes environments as the code, configuration and dependencies of `commit` build them: in a
 * temporary git worktree (see {@link provideBaseDependencies}), without validators or bundling, as
 * scripts/lib/cloud-assembly.ts does for the working tree. The worktree is removed afterwards.
 */
export function synthesizeAtCommit(
  root: string,
  commit: string,
  envNames: readonly string[],
  account: string,
  install: (worktree: string) => void = installLockedDependencies,
): Map<string, SynthesizedEnvironment> {
  const worktree = fs.mkdtempSync(path.join(os.tmpdir(), 'cs2-base-'));
  const output = path.join(worktree, '.impact-base.json');
  try {
    git(root, ['worktree', 'add', '--detach', '--force', worktree, commit]);
  } catch (error) {
    fs.rmSync(worktree, { recursive: true, force: true });
    throw new Error(`the base ${commit.slice(0, 12)} could not be checked out: ${(error as { stderr?: string }).stderr?.trim() ?? error}`, {
      cause: error,
    });
  }
  try {
    // Before any install: a base too old to synthesize is refused at once.
    for (const required of ['lib/environment.ts', 'lib/config/load.ts', 'package-lock.json']) {
      if (!fs.existsSync(path.join(worktree, required))) {
        throw new Error(`the base ${commit.slice(0, 12)} has no ${required}: it is older than this comparison can synthesize`);
      }
    }
    provideBaseDependencies(root, worktree, install);
    const runner = path.join(worktree, '.impact-base.ts');
    fs.writeFileSync(runner, BASE_SYNTHESIZER);
    execFileSync(process.execPath, ['--import', 'tsx', runner, JSON.stringify({ envNames, account, output })], {
      cwd: worktree,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      // Three environments synthesize in well under a minute; a hung synth fails the comparison.
      timeout: 10 * 60_000,
    });
    const synthesized = JSON.parse(fs.readFileSync(output, 'utf8')) as Record<string, { templates: Record<string, any>; config: any }>;
    return new Map(
      Object.entries(synthesized).map(([envName, { templates, config }]) => [
        envName,
        { templates: new Map(Object.entries(templates)), config },
      ]),
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(
      `the base ${commit.slice(0, 12)} did not synthesize: ${stderr ? stderr.split('\n').slice(-5).join('\n') : (error as Error).message}`,
      { cause: error },
    );
  } finally {
    try {
      git(root, ['worktree', 'remove', '--force', worktree]);
    } catch {
      fs.rmSync(worktree, { recursive: true, force: true });
      git(root, ['worktree', 'prune']);
    }
  }
}

/**
 * Gives the base's worktree its dependencies: this checkout's node_modules where both lock files are
 * the same, and otherwise the base's own, installed from its lock file. A dependency bump (aws-cdk-lib,
 * say) is then compared on both versions, and the report shows what the new version changes: every
 * function that moves to a newer runtime, for one. Returns which it did.
 */
export function provideBaseDependencies(
  root: string,
  worktree: string,
  install: (worktree: string) => void = installLockedDependencies,
): 'shared' | 'installed' {
  // The installed packages only: the project's own entry (its version, say) installs nothing.
  const lockedPackages = (dir: string) => {
    const { packages = {} } = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
    const { '': _project, ...installed } = packages;
    return JSON.stringify(installed);
  };
  if (lockedPackages(root) === lockedPackages(worktree)) {
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(worktree, 'node_modules'), 'dir');
    return 'shared';
  }
  try {
    install(worktree);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(
      `the base's package-lock.json differs from the working tree's, and its dependencies could not be installed ` +
        `(npm ci needs the npm registry or its cache): ${stderr ? stderr.split('\n').slice(-3).join('\n') : (error as Error).message}`,
      { cause: error },
    );
  }
  return 'installed';
}

/** `npm ci` of the lock file in `dir`, quietly; no install scripts: the synthesis bundles nothing. */
function installLockedDependencies(dir: string): void {
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10 * 60_000,
  });
}

/**
 * Run inside the base's worktree, with its own modules: the same synthesis as the working tree's
 * (scripts/lib/cloud-assembly.ts), with the base's cdk.json context; TypeScript, run by tsx as the
 * CDK app is.
 */
const BASE_SYNTHESIZER = `
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { loadConfig } from './lib/config/load';
import { Cs2AnalyticsEnvironment } from './lib/environment';

const { envNames, account, output } = JSON.parse(process.argv[2]);
const context = JSON.parse(fs.readFileSync('cdk.json', 'utf8')).context ?? {};
const result: Record<string, unknown> = {};
for (const envName of envNames) {
  const config = loadConfig({ envName, defaultAccount: account });
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs2-base-templates-'));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    stackTraces: false,
    context: { ...context, 'aws:cdk:bundling-stacks': [], [cxapi.DISABLE_CREATION_STACK_TRACES]: true },
  });
  new Cs2AnalyticsEnvironment(app, { config });
  const assembly = app.synth();
  result[envName] = { config, templates: Object.fromEntries(assembly.stacks.map((stack) => [stack.stackName, stack.template])) };
  fs.rmSync(outdir, { recursive: true, force: true });
}
fs.writeFileSync(output, JSON.stringify(result));
`;
