/**
 * Whole-process `cdk synth` of one environment against an empty CDK app on the same aws-cdk-lib,
 * run alternately so that all see the same machine load. The environment is synthesized cold (an
 * empty validation cache, as after a fresh install or a change to every template) and warm (the
 * cache primed by an earlier synth of the same templates). Prints medians and their ratios.
 * Usage: npm run bench:synth [-- --runs 5 --env dev]. It prints; it never fails the build.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cdkJsonApp } from './lib/cdk-json';
import { commandLineOrExit, wholeNumber } from './lib/command-line';
import { ENV_OPTION, environmentName } from './lib/environment-argument';

const { runs, envName } = commandLineOrExit(
  process.argv.slice(2),
  { options: { runs: { type: 'string', default: '5' }, ...ENV_OPTION } },
  'usage: npm run bench:synth -- [--runs 5] [--env dev]',
  ({ values }) => ({ runs: wholeNumber('runs', values.runs, 1), envName: environmentName(values.env, { default: 'dev' }) }),
);
const root = path.join(__dirname, '..');
const cdk = path.join(root, 'node_modules/.bin/cdk');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));

// The project's app as `cdk synth` runs it (cdk.json), and the baseline: an app with one empty stack,
// run by the same CLI with the same command (tsx, no type-check, the same Node options), and also
// with a plain `node --import tsx`, as an app runs without this project's choice of Node options.
const projectApp = cdkJsonApp();
if (!projectApp.endsWith(' bin/app.ts')) throw new Error(`cdk.json's app no longer ends with bin/app.ts: ${projectApp}`);
const emptyAppFile = path.join(root, 'scripts/bench-empty-app.ts');
const emptyApp = projectApp.replace(/bin\/app\.ts$/, emptyAppFile);
const plainEmptyApp = `node --import tsx ${emptyAppFile}`;

function synth(app: string, outdir: string, context: string[], validationCache?: string): number {
  const env = { ...process.env };
  // bin/app.ts reads it; a fresh folder per cold run, so no run warms the next.
  if (validationCache) env.CS2ANALYTICS_VALIDATION_CACHE = validationCache;
  const started = process.hrtime.bigint();
  const result = spawnSync(cdk, ['synth', '--quiet', '--app', app, '--output', outdir, ...context], {
    cwd: root,
    encoding: 'utf8',
    env,
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

const projectContext = ['-c', `env=${envName}`];
const warmCache = path.join(scratch, 'cache-warm');
// Primes the warm cache, untimed, as a synth after an unchanged one finds it: the second synth
// also notes that nothing needed validating, so later ones skip starting the engine early.
for (const prime of ['prime-1', 'prime-2']) synth(projectApp, path.join(scratch, prime), projectContext, warmCache);

const empty: number[] = [];
const plainEmpty: number[] = [];
const cold: number[] = [];
const warm: number[] = [];
for (let run = 0; run < runs; run++) {
  empty.push(synth(emptyApp, path.join(scratch, `empty-${run}`), []));
  plainEmpty.push(synth(plainEmptyApp, path.join(scratch, `plain-empty-${run}`), []));
  cold.push(synth(projectApp, path.join(scratch, `cold-${run}`), projectContext, path.join(scratch, `cache-cold-${run}`)));
  warm.push(synth(projectApp, path.join(scratch, `warm-${run}`), projectContext, warmCache));
}
fs.rmSync(scratch, { recursive: true, force: true });

const format = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
const ratio = (values: number[], baseline: number[]) => (median(values) / median(baseline)).toFixed(2);
// Each round's own ratio too: rounds run back to back, so their spread shows the machine's noise.
const roundRatios = (values: number[]) => {
  const each = values.map((value, round) => value / empty[round]);
  return `${Math.min(...each).toFixed(2)}-${Math.max(...each).toFixed(2)}`;
};
const ratios = (values: number[]) =>
  `ratio ${ratio(values, empty)} (rounds ${roundRatios(values)}; plain runner: ${ratio(values, plainEmpty)})`;
console.log(`cdk synth, ${runs} alternating runs each (seconds); app: ${projectApp}`);
console.log(`  empty app            median ${median(empty).toFixed(2)}  [${format(empty)}]  (same command)`);
console.log(
  `  empty app, plain     median ${median(plainEmpty).toFixed(2)}  [${format(plainEmpty)}]  (${plainEmptyApp.replace(root + '/', '')})`,
);
console.log(`  ${`${envName} cold`.padEnd(20)} median ${median(cold).toFixed(2)}  [${format(cold)}]  ${ratios(cold)} (target <= 2.0)`);
console.log(`  ${`${envName} warm`.padEnd(20)} median ${median(warm).toFixed(2)}  [${format(warm)}]  ${ratios(warm)} (target <= 1.5)`);
