/**
 * The impact report itself, and what it says of the changes that matter most; every field of every
 * environment is changed and judged in test/config-changes/ (one file per environment).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../lib/config/load';
import { replacementReason, type EnvironmentName } from '../lib/config/schema';
import { analyzeImpact, dangers, formatImpact } from '../scripts/lib/impact';
import { main as impact } from '../scripts/impact';
import { runInProcess } from './support/command';
import { cdkJsonContext, TEST_ACCOUNT } from './support/context';
import { templatesForConfig } from './support/synthesized';
import { documentedChanges, misdocumented, type FieldImpact } from './support/field-impacts';

const ROOT = path.join(__dirname, '..');

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

function flaggedBy(envName: EnvironmentName, base: Map<string, unknown>, overrides: Record<string, unknown>): string[] {
  const after = templatesForConfig(loadConfig({ envName, overrides, defaultAccount: TEST_ACCOUNT }));
  return dangers(analyzeImpact(base as Map<string, any>, after)).map(
    (effect) => `${effect.stackName} ${effect.type} ${effect.logicalId}: ${effect.verdict}: ${effect.detail}`,
  );
}

test('the fields marked replacing say why, and docs/configuration.md lists them', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'docs', 'configuration.md'), 'utf8');
  const marked = [
    'account',
    'region',
    'retainData',
    'network.cidr',
    'network.availabilityZones',
    'database.engine',
    'database.restore',
    'migrations.enabled',
  ];
  for (const field of marked) {
    expect(replacementReason(field)?.length).toBeGreaterThan(40);
    expect(readme).toContain(`| \`${field}\` | ${replacementReason(field)} |`);
  }
  expect(replacementReason('database.readers')).toBeUndefined();
  // Redis OSS to Valkey is an upgrade in place now; the way back is refused by the report itself.
  expect(replacementReason('cache.engine')).toBeUndefined();
});

test('the field-changes check fails on a table that calls a restart safe, or leaves a field out', () => {
  const impacts: FieldImpact[] = [
    { variant: { field: 'database.maxConnections', from: 250, to: 500, overrides: {} }, verdict: 'reboot or failover', dangers: [] },
    { variant: { field: 'cache.engineVersion', from: '7.1', to: '7.0', overrides: {} }, verdict: 'refused', dangers: [] },
    { variant: { field: 'images.api.tag', from: '0.1.0', to: '0.1.02', overrides: {} }, verdict: 'restarts tasks', dangers: [] },
  ];
  const table = new Map([
    ['database.maxConnections', new Map([['prod', 'safe']])],
    ['cache.engineVersion', new Map([['prod', 'refused (down)']])],
  ]);
  expect(misdocumented(impacts, table, 'prod')).toEqual([
    '`database.maxConnections` in prod: reboot or failover, where the table says safe',
    '`images.api.tag` in prod: restarts tasks, where the table says nothing',
  ]);
  // The committed table has every field of every environment: checked in test/config-changes/.
  expect(documentedChanges().get('database.maxConnections')?.get('prod')).toBe('reboot or failover');
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

describe('database.restore', () => {
  test.each<[EnvironmentName, Record<string, unknown>, RegExp]>([
    [
      'prod',
      { 'database.restore.generation': 2, 'database.restore.snapshot': 'awsbackup:job-0f1e2d3c' },
      /^Cs2Analytics-prod-data AWS::RDS::DBCluster DatabaseCluster\w+: replaces data: replaced \(DBClusterIdentifier, SnapshotIdentifier changed\), and it holds data: the new one is restored from snapshot awsbackup:job-0f1e2d3c, what was written since is not in it$/,
    ],
    [
      'dev',
      {
        'database.restore.generation': 2,
        'database.restore.pointInTime.source': 'cs2analytics-dev',
        'database.restore.pointInTime.time': '2026-12-07T03:15:00Z',
      },
      /^Cs2Analytics-dev-data AWS::RDS::DBInstance DatabasePrimary\w+: replaces data: replaced \(.*DBInstanceIdentifier.*\), and it holds data: the new one is restored from cs2analytics-dev as it was at 2026-12-07T03:15:00Z, what was written since is not in it$/,
    ],
  ])(
    '%s: the database is replaced by the restore, its logs start anew, and nothing is refused (every consumer reads the new one)',
    (envName, overrides, database) => {
      const flags = flaggedBy(envName, templatesAsConfigured(envName), overrides);
      expect(flags.filter((flag) => / refused: /.test(flag))).toEqual([]);
      expect(flags).toContainEqual(expect.stringMatching(database));
      // The old database's log groups stay where retainData keeps them; only its own exports start anew.
      expect(flags.filter((flag) => !database.test(flag)).every((flag) => / AWS::Logs::LogGroup /.test(flag))).toBe(true);
    },
  );
});

test('a second restore replaces the first: restored to a point in time, an instance is no read replica', () => {
  const instance = {
    'database.engine': 'instance',
    'database.readers': 1,
    'database.multiAz': true,
    'database.allocatedStorageGiB': 100,
    'database.maxAllocatedStorageGiB': 1000,
  };
  const restore = (generation: number, source: string) => ({
    ...instance,
    'database.restore.generation': generation,
    'database.restore.pointInTime.source': source,
    'database.restore.pointInTime.time': 'latest',
  });
  const first = templatesForConfig(
    loadConfig({ envName: 'prod', overrides: restore(2, 'cs2analytics-prod'), defaultAccount: TEST_ACCOUNT }),
  );
  const flags = flaggedBy('prod', first, restore(3, 'cs2analytics-prod-r2'));
  expect(flags.filter((flag) => / refused: /.test(flag))).toEqual([]);
  expect(flags).toContainEqual(
    expect.stringMatching(
      /^Cs2Analytics-prod-data AWS::RDS::DBInstance DatabasePrimary\w+: replaces data: .*restored from cs2analytics-prod-r2 as it was at its latest restorable time/,
    ),
  );
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

  test('exits 3 on a flagged change and 0 otherwise, printing per stack what happens', async () => {
    // The command's main function, in-process: the same code as the npm script, without two more processes.
    const dangerous = await runInProcess(
      (argv) => impact(argv, { synthesize: templatesForConfig }),
      ['--env', 'prod', '-c', 'network.cidr=10.40.0.0/16'],
    );
    expect(dangerous.status).toBe(3);
    // The verdict first; then one cause, not one line per resource that follows from it.
    const lines = dangerous.stdout.split('\n');
    expect(lines[0]).toBe('prod: refused: CloudFormation would stop this update and roll it back');
    expect(lines.filter((line) => /^(refused|replaces data|reboot or failover|restarts tasks|safe)[: ]/.test(line))).toEqual([
      expect.stringMatching(/^refused: Cs2Analytics-prod-network\/Vpc\w+ \(AWS::EC2::VPC\) replaced \(CidrBlock changed\)$/),
    ]);
    expect(dangerous.stdout).toMatch(/^ {2}refused \(\d+\): keeps the old value of what Cs2Analytics-prod-network replaces or removes/m);
    expect(dangerous.stdout).toContain('network.cidr: the VPC and every subnet are replaced');
    const harmless = await runInProcess(
      (argv) => impact(argv, { synthesize: templatesForConfig }),
      ['--env', 'dev', '-c', 'services.web.maxTasks=3'],
    );
    expect(harmless.status).toBe(0);
    expect(harmless.stdout).toMatch(/^dev: safe: applied in place, without interruption\n/);
    expect(harmless.stdout).toMatch(/WebServiceTaskCountTarget\w+ \(AWS::ApplicationAutoScaling::ScalableTarget\) updated in place/);
    // A new image: a rolling restart of that service, nothing else.
    const image = await runInProcess(
      (argv) => impact(argv, { synthesize: templatesForConfig }),
      ['--env', 'prod', '-c', 'images.api.tag=1.4.2'],
    );
    expect(image.status).toBe(0);
    expect(image.stdout.split('\n')[0]).toBe('prod: restarts tasks: services roll to new tasks (no downtime)');
    expect(image.stdout).not.toMatch(/replaced \(/);
  });

  test('runs through npm, and a bad configuration exits 2 (usage: nothing ran) naming the environment and the field', async () => {
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
    expect(status).toBe(2);
    expect(stderr).toMatch(/dev.*services\.web\.maxTasks/);
  });
});
