/**
 * Day-2 deploys: for every field of every environment's config, a change to another valid value
 * (derived from the schema) must not replace or remove anything that holds data or has a fixed name,
 * unless the schema marks the field as replacing, with the reason. The changes are synthesized in
 * batches (a batch that flags something is split until the field is found).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../lib/config/load';
import { replacementReason, type EnvironmentName } from '../lib/config/schema';
import { fieldVariants, type FieldVariant } from '../scripts/lib/config-variants';
import { analyzeImpact, dangers, formatImpact } from '../scripts/lib/impact';
import { main as impact } from '../scripts/impact';
import { runInProcess } from './support/command';
import { cdkJsonContext, TEST_ACCOUNT } from './support/context';
import { templatesForConfig } from './support/synthesized';

const ROOT = path.join(__dirname, '..');

const CASES: [string, EnvironmentName, Record<string, unknown>][] = [
  ['dev', 'dev', {}],
  ['staging', 'staging', {}],
  ['prod', 'prod', {}],
  [
    'prod in instance mode',
    'prod',
    {
      'database.engine': 'instance',
      'database.readers': 2,
      'database.multiAz': true,
      'database.allocatedStorageGiB': 100,
      'database.maxAllocatedStorageGiB': 1000,
    },
  ],
];

/** Fields the schema leaves no other value for, on their own. */
const NO_OTHER_VALUE: Record<string, string> = {
  region: 'the availability zones must lie in the region (and a region is marked replacing)',
  retainData: 'only dev may set it to false',
  'loadBalancer.allowPlainHttp': 'must stay true while no loadBalancer.domainName is set',
  'database.engine':
    'the other engine adds or drops the instance-only settings (multiAz, storage) with it; the switch is marked replacing, ' +
    'and its impact is the replacement of the database',
};

/**
 * As many changes at once as set disjoint fields: a synthesis costs the same for one change or many,
 * and a batch that flags anything (or is not a valid config together) is split until the field is found.
 */
const BATCH = 100;

function flaggedBy(envName: EnvironmentName, base: Map<string, unknown>, overrides: Record<string, unknown>): string[] {
  const after = templatesForConfig(loadConfig({ envName, overrides, defaultAccount: TEST_ACCOUNT }));
  return dangers(analyzeImpact(base as Map<string, any>, after)).map(
    (effect) => `${effect.stackName} ${effect.type} ${effect.logicalId}: ${effect.verdict}: ${effect.detail}`,
  );
}

/** The variants whose change flags something, found by splitting flagged batches. */
function offenders(
  envName: EnvironmentName,
  base: Map<string, unknown>,
  baseOverrides: Record<string, unknown>,
  variants: FieldVariant[],
): string[] {
  if (variants.length === 0) return [];
  const overrides = Object.assign({ ...baseOverrides }, ...variants.map((variant) => variant.overrides));
  let flags: string[];
  try {
    flags = flaggedBy(envName, base, overrides);
  } catch {
    flags = ['(the combined change is not a valid config)'];
  }
  if (flags.length === 0) return [];
  if (variants.length === 1)
    return [`${variants[0].field} ${JSON.stringify(variants[0].from)} -> ${JSON.stringify(variants[0].to)}: ${flags.join('; ')}`];
  const half = Math.ceil(variants.length / 2);
  return [
    ...offenders(envName, base, baseOverrides, variants.slice(0, half)),
    ...offenders(envName, base, baseOverrides, variants.slice(half)),
  ];
}

/** Whether the overrides make a valid config together (cross-field rules included). */
function validTogether(envName: EnvironmentName, overrides: Record<string, unknown>): boolean {
  try {
    loadConfig({ envName, overrides, defaultAccount: TEST_ACCOUNT });
    return true;
  } catch {
    return false;
  }
}

/**
 * Batches of variants that set disjoint fields and make a valid config together (checking costs
 * a millisecond, a synthesis half a second), so that a batch is split only when it flags something.
 */
function batches(envName: EnvironmentName, baseOverrides: Record<string, unknown>, variants: FieldVariant[]): FieldVariant[][] {
  const result: FieldVariant[][] = [];
  const merged = (batch: FieldVariant[]) => Object.assign({ ...baseOverrides }, ...batch.map((variant) => variant.overrides));
  for (const variant of variants) {
    const keys = Object.keys(variant.overrides);
    const batch = result.find(
      (candidate) =>
        candidate.length < BATCH &&
        candidate.every((other) => keys.every((key) => !(key in other.overrides))) &&
        validTogether(envName, merged([...candidate, variant])),
    );
    if (batch) batch.push(variant);
    else result.push([variant]);
  }
  return result;
}

/** The templates of an environment as configured, synthesized once per file. */
const asConfigured = new Map<EnvironmentName, Map<string, unknown>>();
function templatesAsConfigured(envName: EnvironmentName): Map<string, unknown> {
  let templates = asConfigured.get(envName);
  if (!templates) {
    templates = templatesForConfig(loadConfig({ envName, defaultAccount: TEST_ACCOUNT }));
    asConfigured.set(envName, templates);
  }
  return templates;
}

describe.each(CASES)('config impact in %s', (_name, envName, baseOverrides) => {
  const { base, variants, withoutVariant } = fieldVariants(envName, baseOverrides, TEST_ACCOUNT);

  test('every field the config sets has another valid value, or a reason why not', () => {
    expect(withoutVariant.filter((field) => !(field in NO_OTHER_VALUE))).toEqual([]);
    expect(variants.length).toBeGreaterThan(80);
  });

  test('no unmarked field replaces or removes what holds data or has a fixed name', () => {
    const baseTemplates = Object.keys(baseOverrides).length === 0 ? templatesAsConfigured(envName) : templatesForConfig(base);
    const overridesOf = (variant: FieldVariant) => ({
      ...variant,
      overrides: Object.fromEntries(Object.entries(variant.overrides).filter(([key]) => !(key in baseOverrides))),
    });
    const unmarked = variants
      .filter((variant) => Object.keys(overridesOf(variant).overrides).every((field) => !replacementReason(field)))
      .map(overridesOf);
    const found = batches(envName, baseOverrides, unmarked).flatMap((batch) => offenders(envName, baseTemplates, baseOverrides, batch));
    expect(found).toEqual([]);
  });
});

test('the fields marked replacing say why, and docs/configuration.md lists them', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'docs', 'configuration.md'), 'utf8');
  const marked = ['account', 'region', 'retainData', 'network.cidr', 'network.availabilityZones', 'database.engine'];
  for (const field of marked) {
    expect(replacementReason(field)?.length).toBeGreaterThan(40);
    expect(readme).toContain(`| \`${field}\` |`);
  }
  expect(replacementReason('database.readers')).toBeUndefined();
  // Redis OSS to Valkey is an upgrade in place now; the way back is refused by the report itself.
  expect(replacementReason('cache.engine')).toBeUndefined();
});

describe('cross-stack references', () => {
  test("are weak: consumers read producers' outputs with Fn::GetStackOutput, so a producer can replace or remove what they used", () => {
    expect(cdkJsonContext()['@aws-cdk/core:defaultCrossStackReferences']).toBe('weak');
    const templates = [...templatesAsConfigured('staging').values()].map((template) => JSON.stringify(template));
    expect(templates.some((template) => template.includes('Fn::GetStackOutput'))).toBe(true);
    expect(templates.some((template) => template.includes('Fn::ImportValue'))).toBe(false);
  });

  test('a consumer whose resource does not change keeps the old value: the impact report flags it', () => {
    const flags = flaggedBy('prod', templatesAsConfigured('prod'), { 'network.cidr': '10.40.0.0/16' });
    expect(flags).toContainEqual(
      expect.stringMatching(
        /^Cs2Analytics-prod-data AWS::EC2::SecurityGroup \w+: refused: keeps the old value of what Cs2Analytics-prod-network replaces or removes \(Vpc\w+\)/,
      ),
    );
  });

  test('removing what a consumer uses flows in one deploy when the consumer changes too (no export to get stuck on)', () => {
    expect(flaggedBy('staging', templatesAsConfigured('staging'), { 'database.readers': 0 })).toEqual([]);
  });
});

describe('npm run impact', () => {
  test('an unchanged stack is not reported, and no change at all says so', () => {
    const template = { Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'alarms' } } } };
    const same = new Map([['Unchanged', template]]);
    const none = analyzeImpact(same, new Map([['Unchanged', structuredClone(template)]]));
    expect(none).toEqual({ verdict: 'safe', effects: [] });
    expect(formatImpact(none, 'dev')).toBe('dev: safe: no stack changes.');
    const changed = analyzeImpact(
      same,
      new Map([['Unchanged', { Resources: { ...template.Resources, Queue: { Type: 'AWS::SQS::Queue' } } }]]),
    );
    expect(changed.effects.map((effect) => [effect.stackName, effect.logicalId, effect.change, effect.verdict])).toEqual([
      ['Unchanged', 'Queue', 'added', 'safe'],
    ]);
  });

  test('exits 2 on a flagged change and 0 otherwise, printing per stack what happens', async () => {
    // The command's main function, in-process: the same code as the npm script, without two more processes.
    const dangerous = await runInProcess((argv) => impact(argv, templatesForConfig), ['--env', 'prod', '-c', 'network.cidr=10.40.0.0/16']);
    expect(dangerous.status).toBe(2);
    // The verdict first; then one cause, not one line per resource that follows from it.
    const lines = dangerous.stdout.split('\n');
    expect(lines[0]).toBe('prod: refused: CloudFormation would stop this update and roll it back');
    expect(lines.filter((line) => /^(refused|replaces data|reboot or failover|restarts tasks|safe)[: ]/.test(line))).toEqual([
      expect.stringMatching(/^refused: Cs2Analytics-prod-network\/Vpc\w+ \(AWS::EC2::VPC\) replaced \(CidrBlock changed\)$/),
    ]);
    expect(dangerous.stdout).toMatch(/^ {2}refused \(\d+\): keeps the old value of what Cs2Analytics-prod-network replaces or removes/m);
    expect(dangerous.stdout).toContain('network.cidr: the VPC and every subnet are replaced');
    const harmless = await runInProcess((argv) => impact(argv, templatesForConfig), ['--env', 'dev', '-c', 'services.web.maxTasks=3']);
    expect(harmless.status).toBe(0);
    expect(harmless.stdout).toMatch(/^dev: safe: applied in place, without interruption\n/);
    expect(harmless.stdout).toMatch(/WebServiceTaskCountTarget\w+ \(AWS::ApplicationAutoScaling::ScalableTarget\) updated in place/);
    // A new image: a rolling restart of that service, nothing else.
    const image = await runInProcess((argv) => impact(argv, templatesForConfig), ['--env', 'prod', '-c', 'images.api.tag=1.4.2']);
    expect(image.status).toBe(0);
    expect(image.stdout.split('\n')[0]).toBe('prod: restarts tasks: services roll to new tasks (no downtime)');
    expect(image.stdout).not.toMatch(/replaced \(/);
  });

  test('runs through npm, and a bad configuration exits 1 naming the environment and the field', async () => {
    const { status, stderr } = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
      execFile(
        'npm',
        ['run', '-s', 'impact', '--', '--env', 'dev', '-c', 'services.web.maxTasks=0'],
        { cwd: ROOT, encoding: 'utf8' },
        (error, _out, err) => {
          if (error && typeof error.code !== 'number') reject(error);
          else resolve({ status: error ? (error.code as number) : 0, stderr: err });
        },
      );
    });
    expect(status).toBe(1);
    expect(stderr).toMatch(/dev.*services\.web\.maxTasks/);
  });
});
