/**
 * `npm run verify`: the checks after a deploy, from what CloudFormation, ECS, the load balancer and
 * CloudWatch say (faked at the SDK client boundary), and the URL's real HTTP answer.
 */
import { execFileSync } from 'child_process';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../lib/config/load';
import type { EnvironmentConfig } from '../lib/config/schema';
import { httpStatus, main, verify, type VerifyClients } from '../scripts/verify';
import { withinRunHours } from '../scripts/lib/verify';
import { accountProblems } from '../scripts/lib/preflight';
import { runInProcess } from './support/command';

const cloudformation = mockClient(CloudFormationClient);
const cloudwatch = mockClient(CloudWatchClient);
const ecs = mockClient(ECSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const sts = mockClient(STSClient);

const ACCOUNT = '111111111111';
const prod: EnvironmentConfig = { ...loadConfig({ envName: 'prod' }), account: ACCOUNT };
const dev = loadConfig({ envName: 'dev' });
/** Tuesday 2026-12-08, 12:00 UTC: inside dev's run hours (06 to 20, weekdays). */
const NOON_TUESDAY = new Date('2026-12-08T12:00:00Z');

let url: string;
let statuses: number[];
const requested: string[] = [];
const server = http.createServer((request, response) => {
  requested.push(request.url ?? '');
  if (request.url === '/moved') {
    response.writeHead(301, { location: '/' }).end();
    return;
  }
  response.writeHead(statuses.shift() ?? 200).end('CS2 Analytics');
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The maintenance passes CloudWatch holds (two-minute maxima): Succeeded, and Skipped where a pass was skipped. */
function passes(points: readonly { at: string; succeeded?: number; skipped?: number }[]) {
  const series = (metric: 'succeeded' | 'skipped') =>
    points.filter((point) => point[metric] !== undefined).map((point) => ({ Timestamp: new Date(point.at), Maximum: point[metric] }));
  cloudwatch.on(GetMetricStatisticsCommand, { MetricName: 'Succeeded' }).resolves({ Datapoints: series('succeeded') });
  cloudwatch.on(GetMetricStatisticsCommand, { MetricName: 'Skipped' }).resolves({ Datapoints: series('skipped') });
}

/** A healthy environment: every fake answers as after a good deploy; each test spoils one thing. */
beforeEach(() => {
  for (const client of [cloudformation, cloudwatch, ecs, elbv2, sts]) client.reset();
  statuses = [];
  requested.length = 0;
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  cloudformation.on(DescribeStacksCommand).callsFake(async ({ StackName }: { StackName: string }) => ({
    Stacks: [
      {
        StackName,
        CreationTime: new Date('2026-12-01T00:00:00Z'),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: StackName.endsWith('-services') ? [{ OutputKey: 'Url', OutputValue: url }] : [],
      },
    ],
  }));
  cloudformation.on(DescribeStackResourcesCommand).resolves({
    StackResources: [
      {
        LogicalResourceId: 'Migrations',
        ResourceType: 'Custom::DeployTimeTask',
        ResourceStatus: 'UPDATE_COMPLETE',
        Timestamp: new Date('2026-12-08T11:40:00Z'),
        StackName: 'x',
      },
    ],
  });
  ecs.on(DescribeServicesCommand).callsFake(async ({ services }: { services: string[] }) => ({
    services: services.map((serviceName) => ({
      serviceName,
      desiredCount: 2,
      loadBalancers: [{ targetGroupArn: `arn:tg/${serviceName}` }],
    })),
  }));
  elbv2.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: [{ TargetHealth: { State: 'healthy' } }, { TargetHealth: { State: 'healthy' } }],
  });
  passes([{ at: '2026-12-08T03:30:00Z', succeeded: 1 }]);
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
});

const clients = (now = NOON_TUESDAY): VerifyClients => ({
  sts: new STSClient({}),
  cloudformation: new CloudFormationClient({}),
  ecs: new ECSClient({}),
  elbv2: new ElasticLoadBalancingV2Client({}),
  cloudwatch: new CloudWatchClient({}),
  now,
});
const run = (config: EnvironmentConfig, now?: Date) => runInProcess(() => verify(config, clients(now)), []);

describe('npm run verify', () => {
  test('a healthy environment: one line per check and the verdict, exit 0', async () => {
    const result = await run(prod);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        'ok   stacks      all 6 deployed, none rolled back',
        'ok   migrations  last run UPDATE_COMPLETE at 2026-12-08T11:40:00.000Z',
        `ok   url         ${url} answered 200`,
        'ok   targets     cs2analytics-prod-web: 2 healthy of 2; cs2analytics-prod-api: 2 healthy of 2',
        'ok   maintenance the last pass (2026-12-08T03:30) succeeded',
        'ok   alarms      none of cs2analytics-prod-* in ALARM',
        'verify prod: ok (6 checks)',
        '',
      ].join('\n'),
    );
    expect(requested).toEqual(['/']);
  });

  test("asks CloudWatch for this environment's passes over the last 26 hours, in two-minute steps", async () => {
    await run(prod);
    const asked = cloudwatch.commandCalls(GetMetricStatisticsCommand).map(({ args }) => args[0].input);
    expect(asked).toEqual(
      ['Succeeded', 'Skipped'].map((MetricName) => ({
        Namespace: 'CS2Analytics/PartitionMaintenance',
        MetricName,
        Dimensions: [{ Name: 'Environment', Value: 'prod' }],
        StartTime: new Date('2026-12-07T10:00:00Z'),
        EndTime: NOON_TUESDAY,
        Period: 120,
        Statistics: ['Maximum'],
      })),
    );
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toEqual({
      AlarmNamePrefix: 'cs2analytics-prod-',
      StateValue: 'ALARM',
    });
  });

  test('a rolled-back stack fails the stacks check, saying what the rollback means', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'Cs2Analytics-prod-services' }).resolves({
      Stacks: [
        {
          StackName: 'Cs2Analytics-prod-services',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
          Outputs: [{ OutputKey: 'Url', OutputValue: url }],
        },
      ],
    });
    const result = await run(prod);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      'FAIL stacks      Cs2Analytics-prod-services is UPDATE_ROLLBACK_COMPLETE: its last deploy failed (a migration, the conversion or a service) and was rolled back; its events say why',
    );
    expect(result.stdout).toMatch(/verify prod: 1 of 6 checks failed \(stacks\)\n$/);
  });

  test('a stack that is not deployed is named, and the URL check says there is no URL', async () => {
    cloudformation
      .on(DescribeStacksCommand, { StackName: 'Cs2Analytics-prod-services' })
      .rejects(Object.assign(new Error('Stack with id Cs2Analytics-prod-services does not exist'), { name: 'ValidationError' }));
    const result = await run(prod);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('FAIL stacks      Cs2Analytics-prod-services is not deployed');
    expect(result.stdout).toContain('FAIL url         no Url output');
  });

  test('a failed migration run fails the migrations check with CloudFormation reason', async () => {
    cloudformation.on(DescribeStackResourcesCommand).resolves({
      StackResources: [
        {
          LogicalResourceId: 'Migrations',
          ResourceType: 'Custom::DeployTimeTask',
          ResourceStatus: 'UPDATE_FAILED',
          ResourceStatusReason: 'the migration task exited with code 1',
          Timestamp: new Date(),
          StackName: 'x',
        },
      ],
    });
    const result = await run(prod);
    expect(result.stdout).toContain('FAIL migrations  last run UPDATE_FAILED: the migration task exited with code 1');
    expect(result.status).toBe(1);
  });

  test('migrations turned off in the config: the check says who runs them', async () => {
    const result = await run({ ...prod, migrations: { ...prod.migrations, enabled: false } });
    expect(result.stdout).toContain('ok   migrations  off (migrations.enabled): run npm run migrate yourself');
    expect(cloudformation.commandCalls(DescribeStackResourcesCommand)).toHaveLength(0);
  });

  test('a 502 from the URL fails it; a redirect is followed to the final answer', async () => {
    statuses = [502];
    expect((await run(prod)).stdout).toContain(`FAIL url         ${url} answered 502`);
    expect(await httpStatus(`${url}/moved`)).toBe(200);
    expect(requested.slice(-2)).toEqual(['/moved', '/']);
  });

  test('an unhealthy target fails the targets check', async () => {
    elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: 'arn:tg/cs2analytics-prod-api' }).resolves({
      TargetHealthDescriptions: [{ TargetHealth: { State: 'healthy' } }, { TargetHealth: { State: 'unhealthy' } }],
    });
    const result = await run(prod);
    expect(result.stdout).toContain('FAIL targets     cs2analytics-prod-api: 1 healthy, 1 unhealthy');
  });

  test('the newest pass decides: a failure after an earlier success fails the check', async () => {
    passes([
      { at: '2026-12-07T15:00:00Z', succeeded: 1 },
      { at: '2026-12-08T03:30:00Z', succeeded: 0 },
    ]);
    expect((await run(prod)).stdout).toContain(
      'FAIL maintenance the last pass (2026-12-08T03:30) failed: see the maintenance function log (docs/operations.md)',
    );
  });

  test("a failure that Lambda's retry turned into a success minutes later is a success", async () => {
    passes([
      { at: '2026-12-08T03:30:00Z', succeeded: 0 },
      { at: '2026-12-08T03:34:00Z', succeeded: 1 },
    ]);
    expect((await run(prod)).stdout).toContain('ok   maintenance the last pass (2026-12-08T03:34) succeeded');
  });

  test('a pass skipped (another held the lock, or the database was not serving) does not count: the one before decides', async () => {
    passes([
      { at: '2026-12-08T03:30:00Z', succeeded: 1 },
      { at: '2026-12-08T09:00:00Z', succeeded: 0, skipped: 1 },
      { at: '2026-12-08T10:00:00Z', skipped: 1 },
    ]);
    expect((await run(prod)).stdout).toContain('ok   maintenance the last pass (2026-12-08T03:30) succeeded');
  });

  test('no pass in 26 hours fails the maintenance check', async () => {
    passes([{ at: '2026-12-08T10:00:00Z', skipped: 1 }]);
    expect((await run(prod)).stdout).toContain(
      'FAIL maintenance no pass ran in the last 26 hours: see the maintenance function log (docs/operations.md)',
    );
  });

  test('CloudFormation refusing access is not "not deployed": the command says it could not finish', async () => {
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' }));
    const result = await run(prod);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'verify prod: could not finish (AccessDenied: User is not authorized to perform: cloudformation:DescribeStacks)\n',
    );
  });

  test('an alarm in ALARM fails the alarms check, by name', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'cs2analytics-prod-database-writer-cpu' }, { AlarmName: 'cs2analytics-prod-api-unhealthy-targets' }],
    });
    const result = await run(prod);
    expect(result.stdout).toContain(
      'FAIL alarms      in ALARM: cs2analytics-prod-database-writer-cpu, cs2analytics-prod-api-unhealthy-targets',
    );
  });

  describe('dev outside its run hours (Saturday): stopped services are what the schedule says', () => {
    const SATURDAY = new Date('2026-12-12T12:00:00Z');
    beforeEach(() => {
      statuses = [503];
      ecs.on(DescribeServicesCommand).callsFake(async ({ services }: { services: string[] }) => ({
        services: services.map((serviceName) => ({
          serviceName,
          desiredCount: 0,
          loadBalancers: [{ targetGroupArn: `arn:tg/${serviceName}` }],
        })),
      }));
      elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    });

    test('a 503, no targets and the service alarms pass, said as such', async () => {
      cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'cs2analytics-dev-web-no-healthy-targets' }] });
      const result = await run(dev, SATURDAY);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`ok   url         ${url} answered 503; the services are stopped or starting by the run hours`);
      expect(result.stdout).toContain(
        'ok   targets     cs2analytics-dev-web: 0 healthy of 0; cs2analytics-dev-api: 0 healthy of 0 (stopped or starting by the run hours)',
      );
      expect(result.stdout).toContain(
        'ok   alarms      in ALARM only what the run hours explain (services stopped): cs2analytics-dev-web-no-healthy-targets',
      );
    });

    test('the run hours explain no database or maintenance alarm', async () => {
      cloudwatch.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: [{ AlarmName: 'cs2analytics-dev-web-no-healthy-targets' }, { AlarmName: 'cs2analytics-dev-maintenance-no-success' }],
      });
      const result = await run(dev, SATURDAY);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('FAIL alarms      in ALARM: cs2analytics-dev-maintenance-no-success');
    });

    test('outside the run hours, a 502 is a service that runs and fails', async () => {
      statuses = [502];
      expect((await run(dev, SATURDAY)).stdout).toContain(`FAIL url         ${url} answered 502`);
    });

    test('in the minutes a scheduled start takes, tasks without healthy targets yet are not a failure', async () => {
      ecs.on(DescribeServicesCommand).callsFake(async ({ services }: { services: string[] }) => ({
        services: services.map((serviceName) => ({
          serviceName,
          desiredCount: 1,
          loadBalancers: [{ targetGroupArn: `arn:tg/${serviceName}` }],
        })),
      }));
      elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [{ TargetHealth: { State: 'initial' } }] });
      const result = await run(dev, new Date('2026-12-08T06:04:00Z'));
      expect(result.stdout).toContain(
        'ok   targets     cs2analytics-dev-web: 0 healthy of 1; cs2analytics-dev-api: 0 healthy of 1 (stopped or starting by the run hours)',
      );
    });

    test('inside the run hours, the same stopped services fail', async () => {
      const result = await run(dev, NOON_TUESDAY);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(`FAIL url         ${url} answered 503`);
      expect(result.stdout).toContain(
        'FAIL targets     cs2analytics-dev-web: 0 healthy, 0 unhealthy; cs2analytics-dev-api: 0 healthy, 0 unhealthy',
      );
    });
  });

  test('withinRunHours: weekdays 06:10 to 20:00 UTC for dev (a start takes 10 minutes); always without run hours', () => {
    expect(withinRunHours(dev, new Date('2026-12-08T06:09:00Z'))).toBe(false);
    expect(withinRunHours(dev, new Date('2026-12-08T06:10:00Z'))).toBe(true);
    expect(withinRunHours(dev, new Date('2026-12-08T19:59:00Z'))).toBe(true);
    expect(withinRunHours(dev, new Date('2026-12-08T20:00:00Z'))).toBe(false);
    expect(withinRunHours(dev, new Date('2026-12-13T12:00:00Z'))).toBe(false);
    expect(withinRunHours(prod, new Date('2026-12-13T03:00:00Z'))).toBe(true);
  });

  test('without credentials it stops with the line the deploy preflight prints, and calls nothing else', async () => {
    const missing = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    sts.on(GetCallerIdentityCommand).rejects(missing);
    const result = await run(prod);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const line =
      'prod: no usable AWS credentials (CredentialsProviderError: Could not load credentials from any providers); log in to the account first';
    expect(result.stderr).toBe(`Verify of prod could not start:\n  ${line}\n`);
    expect(await accountProblems(prod, new STSClient({}))).toEqual([line]);
    expect(cloudformation.calls()).toHaveLength(0);
  });

  test('credentials of another account: refused, as the deploy refuses them', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '222222222222' });
    const result = await run(prod);
    expect(result.stderr).toContain('prod: your credentials are for account 222222222222, but prod is pinned to 111111111111');
    expect(result.status).toBe(1);
  });

  test('arguments: --help exits 0, a missing or unknown environment exits 2', async () => {
    expect(await runInProcess((argv) => main(argv, clients()), ['--help'])).toMatchObject({
      status: 0,
      stdout: 'usage: npm run verify -- --env <env>\n',
    });
    expect(await runInProcess((argv) => main(argv, clients()), [])).toMatchObject({
      status: 2,
      stderr: '--env is required\nusage: npm run verify -- --env <env>\n',
    });
    const unknown = await runInProcess((argv) => main(argv, clients()), ['--env=qa']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/qa/);
  });

  test('main --env dev runs the checks on dev', async () => {
    const result = await runInProcess((argv) => main(argv, clients()), ['--env', 'dev']);
    expect(result.stdout).toMatch(/verify dev: ok \(6 checks\)\n$/);
  });

  test('through npm, as the README runs it', () => {
    const out = execFileSync('npm', ['run', '-s', 'verify', '--', '--help'], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    expect(out).toBe('usage: npm run verify -- --env <env>\n');
  });
});
