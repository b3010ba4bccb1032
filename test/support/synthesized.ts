import { Template } from 'aws-cdk-lib/assertions';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { EnvironmentConfig } from '../../lib/config/schema';
import type { SynthesisResult, SynthesizedStack } from '../../lib/synthesize';
import { cdkJsonContext, TEST_ACCOUNT } from './context';
import { SYNTH_ROOT, VARIANTS } from './variants';

export interface SynthesizedVariant extends SynthesisResult {
  readonly config: EnvironmentConfig;
}

/**
 * The app and its config loader, loaded on a miss only: a test file that reads what an earlier run
 * synthesized then loads no CDK app (about a third of a second per file).
 */
const load = {
  config: (): typeof import('../../lib/config/load') => require('../../lib/config/load'),
  synthesis: (): typeof import('../../lib/synthesize') => require('../../lib/synthesize'),
  templates: (): typeof import('../../scripts/lib/cloud-assembly') => require('../../scripts/lib/cloud-assembly'),
};

const cache = new Map<string, SynthesizedVariant>();
const templates = new Map<string, Template>();

/**
 * What a synthesis depends on: the app's code and SQL, its context, its dependencies' lock, and the
 * variants. The same inputs give the same templates, so a run reuses what an earlier run with the
 * same inputs synthesized, and a change anywhere gives a directory of its own.
 */
const INPUTS = [
  'bin',
  'lib',
  'lambda',
  'sql',
  'cdk.json',
  'package-lock.json',
  'tsconfig.json',
  'scripts/lib/cdk-json.ts',
  'scripts/lib/cloud-assembly.ts',
  'test/support/variants.ts',
  'test/support/context.ts',
  'test/support/synthesized.ts',
];
const ROOT = path.join(__dirname, '..', '..');
let runDirectory: string | undefined;

function filesUnder(relative: string): string[] {
  const full = path.join(ROOT, relative);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return [relative];
  return fs
    .readdirSync(full, { recursive: true, encoding: 'utf8' })
    .map((file) => path.join(relative, file))
    .filter((file) => fs.statSync(path.join(ROOT, file)).isFile())
    .sort();
}

/** This run's directory of syntheses, named by the fingerprint of their inputs; older ones are removed. */
function synthesisDirectory(): string {
  if (runDirectory) return runDirectory;
  const hash = crypto.createHash('sha256');
  for (const file of INPUTS.flatMap(filesUnder))
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(ROOT, file)))
      .update('\0');
  runDirectory = path.join(SYNTH_ROOT, hash.digest('hex').slice(0, 16));
  fs.mkdirSync(runDirectory, { recursive: true });
  // Keep the three most recent, so that disk use stays bounded while two checkouts' runs can overlap.
  const others = fs
    .readdirSync(SYNTH_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && path.join(SYNTH_ROOT, entry.name) !== runDirectory)
    .map((entry) => ({ dir: path.join(SYNTH_ROOT, entry.name), mtime: fs.statSync(path.join(SYNTH_ROOT, entry.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { dir } of others.slice(2)) fs.rmSync(dir, { recursive: true, force: true });
  return runDirectory;
}

/** How long a test file waits for another worker synthesizing the same variant. */
const WAIT_FOR_OTHER_WORKER_MS = 300_000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The variant, synthesized once (with every validator) and shared through disk by the test files
 * that need it: the first worker to ask synthesizes it, under a lock, while the others wait for its
 * result. Keyed by the fingerprint of the inputs (see INPUTS), so never stale.
 */
export function synthesized(variant: string): SynthesizedVariant {
  let result = cache.get(variant);
  if (result) return result;
  const definition = VARIANTS.find((candidate) => candidate.name === variant);
  if (!definition) throw new Error(`no variant ${variant} (see ./variants.ts)`);
  const directory = synthesisDirectory();
  const outdir = path.join(directory, variant);
  const resultFile = path.join(outdir, 'result.json');
  const lockFile = path.join(directory, `${variant}.lock`);
  const deadline = Date.now() + WAIT_FOR_OTHER_WORKER_MS;
  while (!fs.existsSync(resultFile)) {
    let lock: number | undefined;
    try {
      lock = fs.openSync(lockFile, 'wx');
    } catch {
      if (Date.now() > deadline)
        throw new Error(
          `variant ${variant}: gave up waiting for ${lockFile} (another worker synthesizing it, or a stale lock from a killed run: delete it)`,
        );
      sleep(100);
      continue;
    }
    try {
      if (fs.existsSync(resultFile)) break;
      const config = load
        .config()
        .loadConfig({ envName: definition.envName, overrides: definition.overrides, defaultAccount: TEST_ACCOUNT });
      const synthesis = load.synthesis().synthesizeEnvironment(config, outdir, cdkJsonContext());
      // Written whole, then renamed: a waiting worker never reads half a file.
      fs.writeFileSync(`${resultFile}.tmp`, JSON.stringify({ config, ...synthesis }, null, 2));
      fs.renameSync(`${resultFile}.tmp`, resultFile);
    } finally {
      fs.closeSync(lock);
      fs.rmSync(lockFile, { force: true });
    }
  }
  result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as SynthesizedVariant;
  cache.set(variant, result);
  return result;
}

export function stackOf(variant: string, id: string): SynthesizedStack {
  const stack = synthesized(variant).stacks.find((candidate) => candidate.id === id);
  if (!stack) throw new Error(`variant ${variant} has no stack ${id}`);
  return stack;
}

/** The stack's template as an assertions Template, parsed once per test file. */
export function templateOf(variant: string, id: string): Template {
  const key = `${variant}/${id}`;
  let template = templates.get(key);
  if (!template) {
    template = Template.fromJSON(JSON.parse(fs.readFileSync(stackOf(variant, id).templateFile, 'utf8')));
    templates.set(key, template);
  }
  return template;
}

/**
 * `synthesizeTemplates(config)` (no validators, no bundling: for comparing configurations), kept on
 * disk next to the variants under the same fingerprint of the inputs, so that a run whose inputs
 * are unchanged reads the templates an earlier run synthesized for the same config. The key is the
 * whole config; the entry is written whole, then renamed.
 */
export function templatesForConfig(config: EnvironmentConfig): Map<string, any> {
  const key = crypto.createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 32);
  const file = path.join(synthesisDirectory(), 'templates', `${key}.json`);
  try {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { config: unknown; templates: [string, unknown][] };
    // The digest names the config; the stored copy confirms it.
    if (JSON.stringify(stored.config) === JSON.stringify(config)) return new Map(stored.templates);
  } catch {
    // Missing or unreadable: synthesized again below, and written whole in its place.
  }
  const templates = load.templates().synthesizeTemplates(config);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify({ config, templates: [...templates] }));
  fs.renameSync(temporary, file);
  return templates;
}
