import { App, CfnResource, Stack, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { acknowledge } from '../lib/compliance/acknowledge';
import { listAcknowledgements } from '../lib/compliance/acknowledgements';
import { addComplianceGates, ControlTowerChecks, FAIL_ON_FINDINGS_CONTEXT } from '../lib/compliance/gates';
import { cacheKey, defaultValidationCacheDirectory, ValidationCache } from '../lib/compliance/validation-cache';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { EncryptionKey } from '../lib/constructs/encryption-key';
import { loadConfig } from '../lib/config/load';
import { buildCs2AnalyticsApp } from '../lib/cs2-analytics-app';
import { cdkJsonContext, TEST_ACCOUNT } from './support/context';
import { synthesized } from './support/synthesized';
import { VARIANTS } from './support/variants';

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: unknown[]; suppressedViolations?: unknown[] }[];
}

function reportOf(outdir: string): ValidationReport {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
}

describe.each(VARIANTS.map((variant) => variant.name))('%s', (variant) => {
  test('synthesizes with zero unacknowledged findings from every validator', () => {
    const result = synthesized(variant);
    expect(result.error).toBeUndefined();
    const report = reportOf(result.outdir);
    // A pack that finds nothing on any resource may leave no report; the tests below show each one fires.
    expect(report.pluginReports.map((plugin) => plugin.pluginName)).toEqual(
      expect.arrayContaining(['CloudFormation Validate', 'cdk-validator-cfnguard']),
    );
    for (const plugin of report.pluginReports) {
      expect({ plugin: plugin.pluginName, violations: plugin.violations }).toEqual({
        plugin: plugin.pluginName,
        violations: [],
      });
      expect(plugin.conclusion).toBe('success');
    }
  });
});

describe('the Control Tower checks find what the unfiltered plugin finds', () => {
  const PACKAGE_DIR = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  /** Everything the unfiltered plugin's findings depend on besides the template: its rules, its binary's release, its version. */
  const referenceFingerprint = cacheKey(
    'unfiltered cdk-validator-cfnguard findings/2',
    fs.readFileSync(path.join(PACKAGE_DIR, 'package.json')),
    fs.readFileSync(path.join(PACKAGE_DIR, 'guard-version.json')),
    ...fs
      .readdirSync(path.join(PACKAGE_DIR, 'rules'), { recursive: true, encoding: 'utf8' })
      .sort()
      .filter((file) => fs.statSync(path.join(PACKAGE_DIR, 'rules', file)).isFile())
      .flatMap((file) => [file, fs.readFileSync(path.join(PACKAGE_DIR, 'rules', file))]),
  );
  /** Each finding: its template, rule, resource and where in the resource (the checks run on parts of templates: ./guard-runs.ts). */
  const summary = (templatePath: string, report: PolicyValidationPluginReport) =>
    report.violations.flatMap((violation) =>
      violation.violatingResources.map(
        (resource) =>
          `${path.basename(templatePath)} ${violation.ruleName} ${resource.resourceLogicalId} ${[...resource.locations].sort().join(',')}`,
      ),
    );
  /**
   * The unfiltered plugin's findings on one template: every Control Tower rule file, about 15 s of
   * cfn-guard on the prod templates. Kept by content next to the validation cache: a template, rule
   * file or cfn-guard release that changes is checked again; the filtered checks always run.
   */
  function unfilteredFindings(templatePath: string): string[] {
    const cache = new ValidationCache({ directory: path.join(defaultValidationCacheDirectory(), '..', 'cs2-analytics-test-reference') });
    const key = cacheKey(referenceFingerprint, fs.readFileSync(templatePath));
    const kept = cache.get(key);
    if (Array.isArray(kept) && kept.every((finding) => typeof finding === 'string')) return kept as string[];
    const findings = summary(templatePath, new CfnGuardValidator().validate({ templatePaths: [templatePath] } as never));
    cache.set(key, findings);
    return findings;
  }

  test('on the prod templates', () => {
    const templatePaths = synthesized('prod').stacks.map((stack) => stack.templateFile);
    // The checks with the cache the synthesis filled: their findings on these very bytes, with these
    // rule files (the key holds both; test/validation-cache.test.ts shows the cache answers as a
    // check now would). A change to a template or to the rule selection checks again.
    const checks = new ControlTowerChecks({ cache: new ValidationCache({ directory: defaultValidationCacheDirectory() }) });
    const filtered = templatePaths.flatMap((templatePath) =>
      summary(templatePath, checks.validate({ templatePaths: [templatePath], stackTemplates: [], appConstruct: new App() } as never)),
    );
    const full = templatePaths.flatMap(unfilteredFindings);
    expect(filtered.sort()).toEqual(full.sort());
    expect(full.length).toBeGreaterThan(0); // acknowledged findings are still findings here
  });
});

describe('acknowledgements', () => {
  const envNames = ['dev', 'staging', 'prod'];
  const acks = envNames.flatMap((envName) => {
    // Only the construct tree is read here: no asset bundling (the global setup synthesized already).
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    buildCs2AnalyticsApp(app, loadConfig({ envName, defaultAccount: TEST_ACCOUNT }));
    return listAcknowledgements(app);
  });
  // aws-cdk-lib acknowledges a few of its own CloudFormation-validator findings; ours are the rest.
  const ours = acks.filter((ack) => ack.ours);

  test('exist (so this test is not vacuous)', () => {
    expect(ours.length).toBeGreaterThan(0);
  });

  test('sit on a resource, never on the app, a stage or a whole stack', () => {
    const tooHigh = ours.filter((ack) => ack.constructPath.split('/').length <= 2);
    expect(tooHigh).toEqual([]);
  });

  test('name the validator they belong to and give a reason', () => {
    for (const ack of ours) {
      expect(ack.ruleId).toMatch(/^(AwsSolutions|NIST\.800\.53\.R5|Serverless|cdk-validator-cfnguard|CloudFormation-Validate)::/);
      expect(ack.reason.length).toBeGreaterThanOrEqual(40);
    }
  });

  test('refuse a reason too short to be specific', () => {
    expect(() => acknowledge(new Stack(new App(), 'S'), { reason: 'not needed', rules: { AwsSolutions: ['AwsSolutions-S1'] } })).toThrow(
      'needs a specific reason',
    );
  });

  test('refuse a rule id not written as its findings print it after the pack, and an empty one', () => {
    const reason = 'probe: a reason long enough to be specific';
    const stack = new Stack(new App(), 'S');
    expect(() => acknowledge(stack, { reason, rules: { AwsSolutions: ['S1'] } })).toThrow("after 'AwsSolutions::'");
    expect(() => acknowledge(stack, { reason, rules: { AwsSolutions: ['AwsSolutions::AwsSolutions-S1'] } })).toThrow('is not written');
    expect(() => acknowledge(stack, { reason, rules: { 'cdk-validator-cfnguard': ['cdk-validator-cfnguard::sqs_dlq_check'] } })).toThrow(
      'is not written',
    );
    expect(() => acknowledge(stack, { reason, rules: {} })).toThrow('at least one rule');
  });

  test('one fact, several packs: every rule id, each with the one reason', () => {
    const stack = new Stack(new App(), 'S');
    const reason = 'probe: one fact that answers two validators';
    acknowledge(stack, {
      reason,
      rules: { AwsSolutions: ['AwsSolutions-IAM5[Resource::*]'], 'cdk-validator-cfnguard': ['sqs_dlq_check'] },
    });
    expect(listAcknowledgements(stack)).toEqual([
      { ruleId: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]', constructPath: 'S', reason, ours: true },
      { ruleId: 'cdk-validator-cfnguard::sqs_dlq_check', constructPath: 'S', reason, ours: true },
    ]);
  });
});

describe('the gates fail synth', () => {
  function synthWithGates(build: (stack: Stack) => void): string {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gates-'));
    const app = new App({ outdir, postCliContext: FAIL_ON_FINDINGS_CONTEXT });
    addComplianceGates(app);
    build(new Stack(app, 'Probe', { env: { account: '111111111111', region: 'eu-west-1' } }));
    try {
      app.synth();
    } catch (error) {
      return String(error);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
    throw new Error('synth passed');
  }

  test('on an unacknowledged finding of each validator', () => {
    const message = synthWithGates((stack) => {
      new sqs.Queue(stack, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      new logs.LogGroup(stack, 'ShortLivedLogs', { retention: logs.RetentionDays.ONE_DAY });
      new CfnResource(stack, 'MisspeltQueue', { type: 'AWS::SQS::Queue', properties: { VisibilityTimeOut: 30 } });
    });
    expect(message).toContain("Acknowledge with 'AwsSolutions::AwsSolutions-SQS4'");
    expect(message).toContain("Acknowledge with 'NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted'");
    expect(message).toContain("Acknowledge with 'Serverless::Serverless-SQSRedrivePolicy'");
    expect(message).toContain("Acknowledge with 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check'");
    expect(message).toMatch(/VisibilityTimeOut[\s\S]*\(CloudFormation Validate\)|\(CloudFormation Validate\)[\s\S]*VisibilityTimeOut/);
  });

  test('on a Control Tower finding even when another one in the same report is acknowledged', () => {
    const message = synthWithGates((stack) => {
      // Compliant with everything but the one-year retention control, so only Control Tower speaks.
      const encryptionKey = new EncryptionKey(stack, 'LogsKey', { purpose: 'probe', forCloudWatchLogs: true }).key;
      const acknowledged = new logs.LogGroup(stack, 'AcknowledgedLogs', {
        retention: logs.RetentionDays.ONE_DAY,
        encryptionKey,
      });
      acknowledge(acknowledged, {
        reason: 'probe: this one is acknowledged, the other log group is not',
        rules: { 'cdk-validator-cfnguard': ['cloudwatch_log_group_retention_period_check'] },
      });
      new logs.LogGroup(stack, 'UnacknowledgedLogs', { retention: logs.RetentionDays.ONE_DAY, encryptionKey });
    });
    expect(message).not.toContain('(NIST.800.53.R5)');
    expect(message).not.toContain('(AwsSolutions)');
    const retentionFindings = message
      .split(/\n\s*\n/)
      .filter((finding) => finding.includes("'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check'"));
    expect(retentionFindings).toHaveLength(1);
    expect(retentionFindings[0]).toContain('Probe/UnacknowledgedLogs/Resource');
  });
});

describe('through the CDK CLI, a plain `cdk synth` (no stack selected) of an app with a finding', () => {
  const root = path.join(__dirname, '..');
  const synth = (failInApp: boolean) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-gates-'));
      const child = spawn(
        path.join(root, 'node_modules/.bin/cdk'),
        ['synth', '--quiet', '--app', 'node --v8-pool-size=0 --import tsx test/support/noncompliant-app.ts', '--output', outdir],
        {
          cwd: root,
          env: { ...process.env, NONCOMPLIANT_APP_FAIL_IN_APP: String(failInApp) },
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (status) => {
        fs.rmSync(outdir, { recursive: true, force: true });
        resolve({ status, stderr });
      });
    });
  // Both whole CLI runs at once, started when the file is loaded: they run while the other tests do.
  const failing = synth(true);
  const passing = synth(false);

  test('fails, naming the finding, because the app itself fails on findings', async () => {
    const result = await failing;
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('AwsSolutions-SQS');
  });

  test('would pass without FAIL_ON_FINDINGS_CONTEXT: why bin/ sets it', async () => {
    expect((await passing).status).toBe(0);
  });
});
