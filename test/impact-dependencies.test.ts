/**
 * The dependencies `npm run impact --base <ref>` synthesizes the ref with: the working tree's where the
 * lock files agree, the ref's own where they differ, so that a dependency bump is compared on both
 * versions. The install is a stand-in here (a real `npm ci` needs the registry).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { provideBaseDependencies } from '../scripts/lib/git-base';

let root: string;
let worktree: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'impact-root-'));
  worktree = fs.mkdtempSync(path.join(os.tmpdir(), 'impact-base-'));
  fs.mkdirSync(path.join(root, 'node_modules'));
  fs.writeFileSync(path.join(root, 'package-lock.json'), '{"packages":{"node_modules/aws-cdk-lib":{"version":"2.278.0"}}}\n');
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(worktree, { recursive: true, force: true });
});

test("the same lock file: the ref uses the working tree's node_modules, nothing is installed", () => {
  fs.copyFileSync(path.join(root, 'package-lock.json'), path.join(worktree, 'package-lock.json'));
  const installed: string[] = [];
  expect(provideBaseDependencies(root, worktree, (dir) => installed.push(dir))).toBe('shared');
  expect(installed).toEqual([]);
  expect(fs.readlinkSync(path.join(worktree, 'node_modules'))).toBe(path.join(root, 'node_modules'));
});

test("a lock file that differs only in the project's own entry (its version): nothing is installed", () => {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  fs.writeFileSync(
    path.join(worktree, 'package-lock.json'),
    JSON.stringify({ ...lock, version: '0.0.9', packages: { ...lock.packages, '': { version: '0.0.9' } } }),
  );
  const installed: string[] = [];
  expect(provideBaseDependencies(root, worktree, (dir) => installed.push(dir))).toBe('shared');
  expect(installed).toEqual([]);
});

test('a lock file of its own (an aws-cdk-lib bump): the ref gets its own dependencies, installed in its worktree', () => {
  fs.writeFileSync(path.join(worktree, 'package-lock.json'), '{"packages":{"node_modules/aws-cdk-lib":{"version":"2.260.0"}}}\n');
  const installed: string[] = [];
  expect(provideBaseDependencies(root, worktree, (dir) => installed.push(dir))).toBe('installed');
  expect(installed).toEqual([worktree]);
  expect(fs.existsSync(path.join(worktree, 'node_modules'))).toBe(false);
});

test('an install that fails says why, with what npm printed last', () => {
  fs.writeFileSync(path.join(worktree, 'package-lock.json'), '{"packages":{}}\n');
  const offline = () => {
    throw Object.assign(new Error('Command failed: npm ci'), { stderr: 'npm error code ENOTFOUND\nnpm error network request failed\n' });
  };
  expect(() => provideBaseDependencies(root, worktree, offline)).toThrow(
    "the base's package-lock.json differs from the working tree's, and its dependencies could not be installed " +
      '(npm ci needs the npm registry or its cache): npm error code ENOTFOUND\nnpm error network request failed',
  );
});
