/**
 * Whole-process `cdk synth` of one environment against an empty CDK app on the same aws-cdk-lib,
 * run alternately so that both see the same machine load. Prints medians and their ratio.
 * Usage: npm run bench:synth [-- --runs 5 --env dev]. It prints; it never fails the build.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : fallback;
};
const runs = Number(option('runs', '5'));
const envName = option('env', 'dev');
const root = path.join(__dirname, '..');
const cdk = path.join(root, 'node_modules/.bin/cdk');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));

// The baseline: an app with one empty stack, run by the same CLI the same way (tsx, no type-check).
const emptyApp = path.join(root, 'scripts/bench-empty-app.ts');

function synth(app: string, outdir: string, context: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(cdk, ['synth', '--quiet', '--app', app, '--output', outdir, ...context], {
    cwd: root,
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`synth of ${app} failed:\n${result.stderr}`);
  return seconds;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const project: number[] = [];
const empty: number[] = [];
for (let run = 0; run < runs; run++) {
  empty.push(synth(`npx tsx ${emptyApp}`, path.join(scratch, `empty-${run}`), []));
  project.push(synth('npx tsx bin/app.ts', path.join(scratch, `app-${run}`), ['-c', `env=${envName}`]));
}
fs.rmSync(scratch, { recursive: true, force: true });

const format = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
console.log(`cdk synth, ${runs} alternating runs each (seconds)`);
console.log(`  empty app       median ${median(empty).toFixed(2)}  [${format(empty)}]`);
console.log(`  ${envName.padEnd(15)} median ${median(project).toFixed(2)}  [${format(project)}]`);
console.log(`  ratio ${(median(project) / median(empty)).toFixed(2)} (target <= 1.5)`);
