import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  App,
  CfnResource,
  CloudFormationValidatePlugin,
  Stack,
  type IPolicyValidationContext,
  type PolicyValidationStack,
  type PolicyViolation,
} from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { acknowledge } from '../lib/compliance/acknowledge';
import { BackgroundTask } from '../lib/compliance/background';
import { CachedCloudFormationValidate } from '../lib/compliance/cloudformation-validate';
import { ControlTowerChecks } from '../lib/compliance/control-tower';
import { addComplianceGates, FAIL_ON_FINDINGS_CONTEXT } from '../lib/compliance/gates';
import { ValidationCache, cacheKey, codeFingerprint } from '../lib/compliance/validation-cache';
import { EncryptionKey } from '../lib/constructs/encryption-key';
import { synthesized } from './support/synthesized';

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

afterEach(() => jest.restoreAllMocks());
afterAll(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/**
 * Records which templates the real validators were given, inline or through a worker thread:
 * aws-cdk-lib's CloudFormation plugin, cfn-guard, and the jobs sent to the background threads.
 */
function watchValidators() {
  const cloudFormation = jest.spyOn(CloudFormationValidatePlugin.prototype, 'validate');
  const guard = jest.spyOn(CfnGuardValidator.prototype, 'validate');
  const background = jest.spyOn(BackgroundTask.prototype, 'send');
  const names = (paths: string[]) => paths.map((templatePath) => path.basename(templatePath)).sort();
  return {
    cloudFormation: () =>
      names(cloudFormation.mock.calls.flatMap(([context]) => context.stackTemplates.map((stack) => stack.templatePath))),
    // cfn-guard runs on parts of templates, each named as its template (lib/compliance/guard-runs.ts),
    // and every background thread is sent every run: each template once.
    controlTower: () =>
      names([
        ...new Set(
          [
            ...guard.mock.calls.flatMap(([context]) => context.templatePaths),
            ...background.mock.calls.flatMap(([job]) => ((job as { runs?: { dataPath: string }[] }).runs ?? []).map((run) => run.dataPath)),
          ].map((file) => path.basename(file)),
        ),
      ]),
    reset: () => [cloudFormation, guard, background].forEach((spy) => spy.mockClear()),
  };
}

const ENV = { account: '111111111111', region: 'eu-west-1' };

/**
 * Synthesizes a small app with every compliance gate and the given cache; returns the synth error
 * (undefined if it passed). Each stack's template depends only on `build`, so the same build gives
 * the same bytes, whatever the output folder.
 */
function synthProbe(cacheDir: string, build: (app: App) => void): string | undefined {
  const app = new App({
    outdir: tempDir('probe-out-'),
    postCliContext: FAIL_ON_FINDINGS_CONTEXT,
    context: { '@aws-cdk/core:validateAgainstDefaultRules': true },
  });
  addComplianceGates(app, { validationCache: cacheDir });
  build(app);
  try {
    app.synth();
    return undefined;
  } catch (error) {
    return String(error);
  }
}

/** A stack that only Control Tower objects to: a log group kept one day (encrypted, so cdk-nag is content). */
function shortLivedLogs(app: App, options: { acknowledged?: boolean; days?: logs.RetentionDays } = {}): void {
  const stack = new Stack(app, 'Logs', { env: ENV });
  const encryptionKey = new EncryptionKey(stack, 'LogsKey', { purpose: 'probe', forCloudWatchLogs: true }).key;
  const group = new logs.LogGroup(stack, 'ShortLived', { retention: options.days ?? logs.RetentionDays.ONE_DAY, encryptionKey });
  if (options.acknowledged) {
    acknowledge(group, {
      reason: 'probe: acknowledged between two synths',
      rules: { 'cdk-validator-cfnguard': ['cloudwatch_log_group_retention_period_check'] },
    });
  }
}

/** A stack that only CloudFormation Validate objects to: a property the resource type does not have. */
function misspeltProperty(app: App): void {
  const stack = new Stack(app, 'Misspelt', { env: ENV });
  new CfnResource(stack, 'Parameter', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x', Vaule: 'y' } });
}

/** An app with one finding of each cached validator: Control Tower's in one stack, CloudFormation Validate's in the other. */
function withBothFindings(app: App): void {
  shortLivedLogs(app);
  misspeltProperty(app);
}

/** A synth's error, without where that synth wrote its templates or the stack of the throw. */
const normalizeReport = (message?: string) => message?.replace(/\S*probe-out-\w+/g, '<outdir>').replace(/\s+at .*/g, '');

describe('the validation cache in synth', () => {
  test('a changed template is validated again, an unchanged one is not', () => {
    const cacheDir = tempDir('cache-');
    const watch = watchValidators();
    const build = (days: logs.RetentionDays) => (app: App) => {
      shortLivedLogs(app, { acknowledged: true, days });
      misspeltProperty(app);
    };

    synthProbe(cacheDir, build(logs.RetentionDays.ONE_DAY));
    expect(watch.cloudFormation()).toEqual(['Logs.template.json', 'Misspelt.template.json']);
    // No Control Tower rule names a resource type of the other template: cfn-guard has nothing to run there.
    expect(watch.controlTower()).toEqual(['Logs.template.json']);

    watch.reset();
    synthProbe(cacheDir, build(logs.RetentionDays.ONE_DAY));
    expect(watch.cloudFormation()).toEqual([]);
    expect(watch.controlTower()).toEqual([]);

    watch.reset();
    synthProbe(cacheDir, build(logs.RetentionDays.THREE_DAYS));
    expect(watch.cloudFormation()).toEqual(['Logs.template.json']);
    expect(watch.controlTower()).toEqual(['Logs.template.json']);
  });

  test('a finding found cold is still reported warm, and still fails synth', () => {
    const cacheDir = tempDir('cache-');
    const build = withBothFindings;
    const cold = synthProbe(cacheDir, build);
    const watch = watchValidators();
    const warm = synthProbe(cacheDir, build);
    expect(watch.cloudFormation()).toEqual([]);
    expect(watch.controlTower()).toEqual([]);

    for (const message of [cold, warm]) {
      expect(message).toContain("Acknowledge with 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check'");
      expect(message).toContain('Logs/ShortLived/Resource');
      expect(message).toMatch(/Vaule[\s\S]*\(CloudFormation Validate\)|\(CloudFormation Validate\)[\s\S]*Vaule/);
    }
    // The same report, but for where each synth wrote its templates.
    expect(normalizeReport(warm)).toEqual(normalizeReport(cold));
  });

  test('an acknowledgement added between two synths takes effect', () => {
    const cacheDir = tempDir('cache-');
    expect(synthProbe(cacheDir, (app) => shortLivedLogs(app))).toContain('cloudwatch_log_group_retention_period_check');

    const watch = watchValidators();
    expect(synthProbe(cacheDir, (app) => shortLivedLogs(app, { acknowledged: true }))).toBeUndefined();
    // Acknowledgements are not in the template: the findings came from the cache, and aws-cdk-lib
    // applied the acknowledgement to them.
    expect(watch.controlTower()).toEqual([]);
  });

  test('a corrupt or partial entry means validating again', () => {
    const cacheDir = tempDir('cache-');
    const build = withBothFindings;
    const cold = synthProbe(cacheDir, build);
    const entries = fs.readdirSync(cacheDir).filter((name) => name.endsWith('.json'));
    expect(entries).toHaveLength(4); // two validators, two templates
    const damage = [
      (text: string) => text.slice(0, Math.floor(text.length / 2)), // a partial write
      // Valid JSON whose bytes no longer match the header's digest (an entry without findings has no
      // ruleName to forge, so the change must not depend on the entry's content).
      (text: string) => text.replace('{"violations":', '{"violations" :'),
      () => 'not an entry',
      () => '',
    ];
    entries.forEach((name, index) => {
      const file = path.join(cacheDir, name);
      fs.writeFileSync(file, damage[index](fs.readFileSync(file, 'utf8')));
    });

    const watch = watchValidators();
    const again = synthProbe(cacheDir, build);
    expect(watch.cloudFormation()).toEqual(['Logs.template.json', 'Misspelt.template.json']);
    expect(watch.controlTower()).toEqual(['Logs.template.json']);
    expect(normalizeReport(again)).toEqual(normalizeReport(cold));

    // Validating again stored sound entries in their place.
    watch.reset();
    synthProbe(cacheDir, build);
    expect([...watch.cloudFormation(), ...watch.controlTower()]).toEqual([]);
  });
});

describe('the store', () => {
  test("a validator's code is part of its key: an edit of its module or worker means validating again", () => {
    // One folder per version of the code (fingerprints are kept per path for the process's life).
    const version = (plugin: string, worker: string) => {
      const dir = tempDir('code-');
      fs.writeFileSync(path.join(dir, 'plugin.ts'), plugin);
      fs.writeFileSync(path.join(dir, 'worker.js'), worker);
      return codeFingerprint(path.join(dir, 'plugin.ts'), path.join(dir, 'worker.js'));
    };
    const before = version('findings v1', 'worker v1');
    expect(version('findings v1', 'worker v1')).toBe(before); // where the files are does not matter
    expect(version('findings v2', 'worker v1')).not.toBe(before);
    expect(version('findings v1', 'worker v2')).not.toBe(before);
  });

  test('a damaged entry, or one stored under another key, is a miss', () => {
    const cache = new ValidationCache({ directory: tempDir('cache-') });
    const key = cacheKey('one');
    const other = cacheKey('two');
    cache.set(key, { violations: [] });
    expect(cache.get(key)).toEqual({ violations: [] });
    fs.copyFileSync(path.join(cache.directory, `${key}.json`), path.join(cache.directory, `${other}.json`));
    expect(cache.get(other)).toBeUndefined();
    fs.appendFileSync(path.join(cache.directory, `${key}.json`), ' ');
    expect(cache.get(key)).toBeUndefined();
    // The damaged entry is gone, so the next validation can store a sound one.
    expect(fs.existsSync(path.join(cache.directory, `${key}.json`))).toBe(false);
  });

  test('concurrent writers do not corrupt entries', async () => {
    const directory = tempDir('cache-');
    const keys = ['a', 'b', 'c'].map((part) => cacheKey(part));
    const writer = path.join(tempDir('writer-'), 'writer.ts');
    fs.writeFileSync(
      writer,
      `import { ValidationCache } from ${JSON.stringify(path.join(__dirname, '..', 'lib', 'compliance', 'validation-cache'))};
const cache = new ValidationCache({ directory: process.argv[2] });
const keys: string[] = JSON.parse(process.argv[3]);
// Large enough that a write is several system calls: a reader of a file written in place would see halves.
const filler = process.argv[4].repeat(256 * 1024);
for (let round = 0; round < 40; round++) for (const key of keys) cache.set(key, { key, writer: process.argv[4], round, filler });
`,
    );
    const writers = ['1', '2', '3'].map(
      (name) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', writer, directory, JSON.stringify(keys), name], {
            cwd: path.join(__dirname, '..'),
            stdio: 'inherit',
          });
          child.on('exit', resolve);
        }),
    );
    let running = true;
    const done = Promise.all(writers).then((codes) => {
      running = false;
      return codes;
    });

    const cache = new ValidationCache({ directory });
    let wholeReads = 0;
    const whole = (key: string, value: unknown) => {
      const entry = value as { key: string; writer: string; round: number; filler: string };
      return entry.key === key && entry.filler === entry.writer.repeat(256 * 1024) && entry.round >= 0;
    };
    while (running) {
      for (const key of keys) {
        const value = cache.get(key);
        if (value === undefined) continue;
        expect(whole(key, value)).toBe(true);
        wholeReads++;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await done).toEqual([0, 0, 0]);
    expect(wholeReads).toBeGreaterThan(0);
    for (const key of keys) expect(whole(key, cache.get(key))).toBe(true);
    expect(fs.readdirSync(directory).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 120000);

  test('stays within its bound, evicting the least recently used entries', () => {
    const cache = new ValidationCache({ directory: tempDir('cache-'), maxBytes: 10 * 1024 });
    const keys = Array.from({ length: 20 }, (_, index) => cacheKey(String(index)));
    const entryFile = (key: string) => path.join(cache.directory, `${key}.json`);
    keys.forEach((key, index) => {
      cache.set(key, { index, filler: 'x'.repeat(1000) });
      // One second apart, oldest first, whatever the file system's timestamp resolution.
      const time = new Date(Date.UTC(2026, 0, 1, 0, 0, index));
      fs.utimesSync(entryFile(key), time, time);
    });
    // A hit counts as a use: the oldest entry, read now, is the most recently used.
    expect(cache.get(keys[0])).toEqual({ index: 0, filler: 'x'.repeat(1000) });
    cache.prune();

    const left = fs.readdirSync(cache.directory);
    const size = left.reduce((sum, name) => sum + fs.statSync(path.join(cache.directory, name)).size, 0);
    expect(size).toBeLessThanOrEqual(10 * 1024);
    const kept = keys.filter((key) => fs.existsSync(entryFile(key)));
    expect(kept.length).toBeGreaterThan(5);
    expect(kept[0]).toBe(keys[0]);
    // The rest kept are the newest: evicted oldest first.
    expect(kept.slice(1)).toEqual(keys.slice(keys.length - (kept.length - 1)));
  });
});

describe('findings from the cache are the findings of a validation now, on the real templates', () => {
  /**
   * Two of the prod templates, as aws-cdk-lib hands them to a plugin; the halves put them on either
   * side of the cache. (More templates, or larger ones than a check needs, would only add seconds.)
   */
  function prodContext(order: readonly string[]): IPolicyValidationContext {
    const stacks = order.map((id) => synthesized('prod').stacks.find((stack) => stack.id === id)!);
    expect(stacks.every(Boolean)).toBe(true);
    const stackTemplates: PolicyValidationStack[] = stacks.map((stack) => ({
      stackConstructPath: `prod/${stack.id}`,
      templatePath: stack.templateFile,
      accountId: '111111111111',
      region: 'eu-west-1',
    }));
    return {
      templatePaths: stackTemplates.map((stack) => stack.templatePath),
      stackTemplates,
      appConstruct: new App(),
    };
  }
  const half = (context: IPolicyValidationContext, parity: number): IPolicyValidationContext => {
    const stackTemplates = context.stackTemplates.filter((_, index) => index % 2 === parity);
    return { ...context, stackTemplates, templatePaths: stackTemplates.map((stack) => stack.templatePath) };
  };
  /** Each violation (rule, severity, message) with its resources, in a comparable order. */
  const findings = (violations: PolicyViolation[]) =>
    violations
      .map((violation) => ({
        rule: violation.ruleName,
        severity: violation.severity,
        description: violation.description,
        resources: violation.violatingResources
          .map(
            (resource) =>
              `${path.basename(resource.templatePath ?? '')} ${resource.resourceLogicalId ?? resource.constructPath} ${resource.locations.join(',')}`,
          )
          .sort(),
      }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

  test('CloudFormation Validate, which groups one violation across templates', () => {
    // Data and Network share a CloudFormation finding.
    const context = prodContext(['Data', 'Network']);
    const now = new CloudFormationValidatePlugin().validate(context).violations;
    // Not vacuous: the prod templates do give findings, one of them in several templates.
    expect(now.some((violation) => new Set(violation.violatingResources.map((r) => r.templatePath)).size > 1)).toBe(true);

    const cache = new ValidationCache({ directory: tempDir('cache-') });
    const cached = new CachedCloudFormationValidate({ cache });
    cached.validate(half(context, 0)); // half the templates in the cache, the other half validated below
    const watch = watchValidators();
    const mixed = cached.validate(context);
    expect(watch.cloudFormation()).toHaveLength(Math.floor(context.stackTemplates.length / 2));
    expect(findings(mixed.violations)).toEqual(findings(now));
    expect(findings(cached.validate(context).violations)).toEqual(findings(now)); // all from the cache

    // The engine started early in a worker thread finds the same.
    const prewarmed = new CachedCloudFormationValidate({ prewarm: true });
    expect(findings(prewarmed.validate(context).violations)).toEqual(findings(now));
  }, 180000);

  test('the Control Tower checks, inline and in the background', () => {
    // Each has findings of its own (Data and Services, the largest, take cfn-guard longest).
    const context = prodContext(['Network', 'Maintenance']);
    const now = new ControlTowerChecks().validate(context).violations;
    // Acknowledged findings are still findings here.
    for (const template of context.templatePaths)
      expect(now.some((violation) => violation.violatingResources.some((resource) => resource.templatePath === template))).toBe(true);

    const cache = new ValidationCache({ directory: tempDir('cache-') });
    const cached = new ControlTowerChecks({ cache });
    cached.validate(half(context, 1));
    const watch = watchValidators();
    cached.startInBackground(context);
    const mixed = cached.validate(context);
    expect(watch.controlTower()).toHaveLength(Math.ceil(context.templatePaths.length / 2));
    expect(findings(mixed.violations)).toEqual(findings(now));
    expect(findings(cached.validate(context).violations)).toEqual(findings(now));

    // A run that no thread answered (its thread failed, or ran out of time): its template is checked
    // again inline, whole, even when its other runs were answered; the others come from the threads.
    // Data is checked in several runs.
    const withData = prodContext(['Network', 'Data']);
    const nowWithData = new ControlTowerChecks().validate(withData).violations;
    const result = BackgroundTask.prototype.result;
    jest.spyOn(BackgroundTask.prototype, 'result').mockImplementation(function (this: BackgroundTask, timeoutMs: number) {
      const answers = result.call(this, timeoutMs) as { index: number }[] | undefined;
      return answers?.filter((answer) => answer.index !== 0);
    });
    const sent = jest.spyOn(BackgroundTask.prototype, 'send');
    const guard = jest.spyOn(CfnGuardValidator.prototype, 'validate');
    sent.mockClear();
    guard.mockClear();
    const partly = new ControlTowerChecks();
    partly.startInBackground(withData);
    expect(findings(partly.validate(withData).violations)).toEqual(findings(nowWithData));
    const checkedInline = [...new Set(guard.mock.calls.flatMap(([checked]) => checked.templatePaths.map((file) => path.basename(file))))];
    expect(checkedInline).toHaveLength(1);
    const [job] = sent.mock.calls[0] as [{ runs: { dataPath: string }[] }];
    const runsOfInline = job.runs.filter((run) => path.basename(run.dataPath) === checkedInline[0]);
    expect(path.basename(job.runs[0].dataPath)).toBe(checkedInline[0]);
    expect(runsOfInline.length).toBeGreaterThan(1);
  }, 180000);
});

describe('the cached CloudFormation validation stands in for the built-in', () => {
  test('one report, under the built-in name and version', () => {
    const outdir = tempDir('probe-out-');
    const app = new App({ outdir, context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    addComplianceGates(app, { validationCache: tempDir('cache-') });
    misspeltProperty(app);
    expect(() => app.synth()).toThrow(/Vaule/);
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const cloudFormation = report.pluginReports.filter((plugin: { pluginName: string }) => plugin.pluginName === 'CloudFormation Validate');
    expect(cloudFormation).toHaveLength(1);
    expect(cloudFormation[0].pluginVersion).toBe(new CloudFormationValidatePlugin().version);
  });

  test("its findings are warnings without @aws-cdk/core:validateAgainstDefaultRules, as the built-in's", () => {
    const outdir = tempDir('probe-out-');
    const app = new App({ outdir, postCliContext: FAIL_ON_FINDINGS_CONTEXT });
    addComplianceGates(app, { validationCache: tempDir('cache-') });
    misspeltProperty(app);
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    app.synth();
    expect(printed.mock.calls.join('\n')).toContain('reported as warnings');
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const cloudFormation = report.pluginReports.find((plugin: { pluginName: string }) => plugin.pluginName === 'CloudFormation Validate');
    expect(JSON.stringify(cloudFormation)).toContain('Vaule');
    expect(cloudFormation.conclusion).toBe('success');
  });
});
