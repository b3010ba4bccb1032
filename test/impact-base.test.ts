/**
 * `npm run impact` against a git ref: the working tree (code and configuration) compared with what a
 * ref builds, per environment, with the monthly cost of each side, as text or as markdown for a pull
 * request. The ref's side is synthesized by its own code in a temporary git worktree (one real run
 * below); the comparisons use a stand-in for it, so that what the working tree holds does not matter.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../lib/config/load';
import type { EnvironmentName } from '../lib/config/schema';
import { main as impact } from '../scripts/impact';
import { resolveBase, synthesizeAtCommit, type SynthesizedEnvironment } from '../scripts/lib/git-base';
import { runInProcess } from './support/command';
import { templatesForConfig } from './support/synthesized';

const ROOT = path.join(__dirname, '..');
const ACCOUNT = '111111111111';
const BASE = { name: 'merge-base with main', commit: '0123456789abcdef0123456789abcdef01234567' };

/** The ref's side as the working tree's configuration builds it: what a branch that only edits config compares with. */
const configuredBase = (envNames: readonly string[]) =>
  new Map<string, SynthesizedEnvironment>(
    envNames.map((envName) => {
      const config = loadConfig({ envName: envName as EnvironmentName, defaultAccount: ACCOUNT });
      return [envName, { templates: templatesForConfig(config), config }];
    }),
  );
const sources = {
  synthesize: templatesForConfig,
  resolveBase: () => BASE,
  synthesizeBase: (_: unknown, envNames: readonly string[]) => configuredBase(envNames),
};

describe('against a ref', () => {
  test("prod's instance class: the instances that restart, the verdict first, and the cost of each side per stack", async () => {
    const { status, stdout } = await runInProcess(
      (argv) => impact(argv, sources),
      // The branch edits prod's instance class; the ref is the merge-base with main.
      ['--env', 'prod', '-c', 'database.instanceType=r6g.large', '--base', 'main'],
    );
    expect(status).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('compared with merge-base with main (0123456789ab)');
    expect(lines[2]).toBe('prod: reboot or failover: a database, node or instance restarts, during the deploy or when you apply it');
    expect(stdout).toMatch(
      /^reboot or failover: 3 AWS::RDS::DBInstance updated in place: the instance restarts on its new class during the deploy.*\n {2}Cs2Analytics-prod-data: DatabaseClusterWriter\w+, DatabaseClusterReader1\w+, DatabaseClusterReader2\w+$/m,
    );
    // Three Aurora instances from db.r6g.xlarge (0.572 USD/hour) to db.r6g.large (0.286), and the proxy's
    // 6 vCPUs fewer at 0.017 USD per vCPU-hour, over 730 hours: 3 x 0.286 x 730 + 6 x 0.017 x 730 = 700.80.
    expect(stdout).toContain('prod: -700.80 USD/month (2324.66 -> 1623.86)');
    expect(stdout).toContain('  Cs2Analytics-prod-data: -700.80 (1769.18 -> 1068.38)');
    expect(stdout).not.toMatch(/Cs2Analytics-prod-(network|services|monitoring|maintenance|registry): /);
  });

  test('every environment as markdown, for a pull request: one summary row each, a section per environment', async () => {
    const { status, stdout } = await runInProcess(
      (argv) => impact(argv, sources),
      ['--env=all', '--base', 'main', '--format', 'markdown', '-c', 'database.instanceType=r6g.large'],
    );
    expect(status).toBe(0);
    const table = stdout.split('\n').filter((line) => /^\| (dev|staging|prod) \|/.test(line));
    expect(table).toEqual([
      expect.stringMatching(/^\| dev \| reboot or failover \| 119\.93 \| \d+\.\d\d \| \+\d+\.\d\d \|$/),
      '| staging | no resource changes | 704.00 | 704.00 | +0.00 |',
      '| prod | reboot or failover | 2324.66 | 1623.86 | -700.80 |',
    ]);
    expect(stdout).toContain('## staging: no resource changes');
    expect(stdout).toContain('| Cs2Analytics-prod-data | 1769.18 | 1068.38 | -700.80 |');
    expect(stdout).toMatch(/## prod: reboot or failover\n\na database, node or instance restarts/);
    expect(stdout).toMatch(/<details><summary>What changes, by cause<\/summary>\n\n```text\nprod: reboot or failover/);
  });

  test('a change that replaces data exits 3; a bad argument or environment exits 2 with the usage', async () => {
    const refused = await runInProcess((argv) => impact(argv, sources), ['--env', 'prod', '-c', 'network.cidr=10.40.0.0/16']);
    expect(refused.status).toBe(3);
    // -c without --base compares the configuration with the override: no ref named.
    expect(refused.stdout.split('\n')[0]).toBe('prod: refused: CloudFormation would stop this update and roll it back');
    for (const [argv, message] of [
      [['--env', 'qa'], 'unknown environment qa: choose from dev, staging, prod, all'],
      [['--env=staing'], 'unknown environment staing (did you mean staging?): choose from dev, staging, prod, all'],
      [['--env', 'dev', '--format', 'html'], '--format is text or markdown (got html)'],
      [['--env', 'dev', '--base='], '--base takes a git ref'],
    ] as const) {
      const result = await runInProcess((args) => impact(args, sources), argv);
      expect(result.status).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(message);
    }
  });
});

describe('the ref, from git', () => {
  test('defaults to the merge-base with origin/main, or main; a ref that does not exist is refused naming it', () => {
    // A repository of its own: the checkout this test runs in may have no main (a pull request's merge commit).
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'cs2-refs-'));
    const run = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    try {
      run('init', '-q', '-b', 'main');
      run('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'one');
      const forked = run('rev-parse', 'HEAD');
      run('checkout', '-q', '-b', 'feature');
      run('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'two');
      run('checkout', '-q', 'main');
      run('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'three');
      run('checkout', '-q', 'feature');
      const head = run('rev-parse', 'HEAD');
      expect(resolveBase(repo)).toEqual({ name: 'merge-base with main', commit: forked });
      expect(resolveBase(repo, 'HEAD')).toEqual({ name: 'HEAD', commit: head });
      expect(() => resolveBase(repo, 'no-such-branch-xyz')).toThrow(
        `--base no-such-branch-xyz: no such commit in ${repo} (fetch it first, e.g. git fetch origin no-such-branch-xyz)`,
      );
      run('branch', '-q', '-D', 'main');
      expect(() => resolveBase(repo)).toThrow('no origin/main or main to compare with: name a ref with --base <ref>');
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });

  test("a ref's environments are built by its own code in a worktree, which is gone afterwards", () => {
    // The worktrees' paths only: a commit made meanwhile in another worktree moves its HEAD, not the list.
    const worktrees = () =>
      execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: ROOT, encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.startsWith('worktree '));
    const before = worktrees();
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const built = synthesizeAtCommit(ROOT, head, ['dev'], ACCOUNT);
    const dev = built.get('dev')!;
    expect([...dev.templates.keys()].sort()).toEqual([
      'Cs2Analytics-dev-data',
      'Cs2Analytics-dev-maintenance',
      'Cs2Analytics-dev-monitoring',
      'Cs2Analytics-dev-network',
      'Cs2Analytics-dev-registry',
      'Cs2Analytics-dev-services',
    ]);
    expect(dev.config.envName).toBe('dev');
    expect(worktrees()).toEqual(before);
  });
});
