/**
 * The timeline rehearsal: a deployed environment's life after its creation, replayed from the
 * synthesized templates of every environment and both engine modes. Deploys over a scaled-out or
 * stopped service, the environment's own schedules against its jobs and its alarms, and the room its
 * tasks leave for what ECS adds. Each check is derived from the templates (no lists of ids) and is
 * shown to fail on a variant with the fault it is there to catch. The rotations over cycles run in
 * test/database/timeline-rotations.test.ts (real PostgreSQL), the configuration changes in
 * test/config-impact.test.ts.
 */
import { deployCountViolations } from './rehearsal/scaling';
import { jobWindowViolations, scheduleAlarmViolations, scheduledJobs } from './rehearsal/schedules';
import { sidecarRoomViolations } from './rehearsal/sidecars';
import { TemplateModel, type Json } from './rehearsal/template-model';
import { TEST_ACCOUNT } from './support/context';
import { templatesForConfig } from './support/synthesized';
import { loadConfig } from '../lib/config/load';
import { VARIANTS } from './support/variants';
import { modelOf, resourcesOf, withFault } from './support/rehearsal-models';

describe.each(VARIANTS.map((variant) => variant.name))('timeline of %s', (variant) => {
  const model = () => modelOf(variant);

  test('deploy while scaled out or stopped: a deploy keeps the running count', () => {
    expect(deployCountViolations(model())).toEqual([]);
  });

  test('schedules: no scheduled job runs while what it needs is in a backup, snapshot or maintenance window', () => {
    // Not vacuous: the daily pass, the rotations and the refresh after each are all read from the templates.
    expect(scheduledJobs(model()).length).toBeGreaterThanOrEqual(6);
    expect(jobWindowViolations(model())).toEqual([]);
  });

  test('schedules: no alarm goes to ALARM because the run hours stop or start the services', () => {
    expect(scheduleAlarmViolations(model())).toEqual([]);
  });

  test('containers under load: every task leaves the Service Connect proxy its CPU and memory', () => {
    expect(sidecarRoomViolations(model())).toEqual([]);
  });
});

test('containers under load, whatever the config: the smallest tasks the schema allows still leave the proxy its room', () => {
  const config = loadConfig({
    envName: 'prod',
    defaultAccount: TEST_ACCOUNT,
    overrides: {
      'services.web.cpu': 256,
      'services.web.memoryMiB': 512,
      'services.api.cpu': 512,
      'services.api.memoryMiB': 1024,
      'services.parser.cpu': 512,
      'services.parser.memoryMiB': 1024,
    },
  });
  const templates = templatesForConfig(config);
  const model = new TemplateModel(
    [...templates].map(([stackName, template]) => ({ stackName, template, dependencies: [] })),
    { account: TEST_ACCOUNT, region: config.region },
  );
  expect(model.resources('AWS::ECS::Service').filter((service) => service.properties.ServiceConnectConfiguration?.Enabled)).toHaveLength(2);
  expect(sidecarRoomViolations(model)).toEqual([]);
  // Below that, the configuration itself refuses: a 256-unit task would leave its app nothing.
  expect(() =>
    loadConfig({ envName: 'prod', defaultAccount: TEST_ACCOUNT, overrides: { 'services.api.cpu': 256, 'services.api.memoryMiB': 512 } }),
  ).toThrow(/prod: services\.api\.cpu must be at least 512/);
});

describe('each timeline check fails on a variant with its fault', () => {
  test('deploys: DesiredCount back in the services (the template before the fix)', () => {
    const faulty = withFault('dev', (templates) => {
      for (const [, service] of resourcesOf(templates.services, 'AWS::ECS::Service')) service.Properties.DesiredCount = 1;
    });
    const violations = deployCountViolations(faulty);
    expect(violations).toContainEqual(
      expect.stringMatching(
        /^Cs2Analytics-dev-services\/ApiService\w+ \(AWS::ECS::Service\): a deploy at peak \(2 tasks\) sets 1 \(its DesiredCount\)$/,
      ),
    );
    expect(violations).toContainEqual(
      expect.stringMatching(
        /ParserService\w+ \(AWS::ECS::Service\): a deploy stopped by \w*StopOutsideRunHours\w* \(5 times a week\) \(0 tasks\) sets 1/,
      ),
    );
  });

  test('jobs: the daily pass in the database maintenance window; rotations all day long (no Duration)', () => {
    const faulty = withFault('dev', (templates) => {
      for (const [, rule] of resourcesOf(templates.maintenance, 'AWS::Events::Rule')) {
        if (rule.Properties.ScheduleExpression) rule.Properties.ScheduleExpression = 'cron(30 4 * * ? *)';
      }
      for (const [, schedule] of resourcesOf(templates.services, 'AWS::SecretsManager::RotationSchedule'))
        delete schedule.Properties.RotationRules.Duration;
    });
    const violations = jobWindowViolations(faulty);
    expect(violations).toContainEqual(
      expect.stringMatching(
        /^Cs2Analytics-dev-maintenance\/PartitionMaintenanceFunction\w+ .* on cron\(30 4 \* \* \? \*\) may run at SUN 04:30-SUN 04:45, in the maintenance window of .*DatabasePrimary/,
      ),
    );
    expect(violations).toContainEqual(
      expect.stringMatching(
        /^rotation by Cs2Analytics-dev-data-RedisTokenRotationFunction\w+ \(rate\(30 days\), 24 h window\) may run at .*, in the SnapshotWindow of/,
      ),
    );
    expect(violations).toContainEqual(
      expect.stringMatching(/^rotation by Cs2Analytics-dev-data-AppCredentialsRotationFunction\w+ .* in the maintenance window of/),
    );
    // An Aurora instance without a window of its own: RDS picks one at random, any night.
    const randomWindow = withFault('staging', (templates) => {
      for (const [, instance] of resourcesOf(templates.data, 'AWS::RDS::DBInstance')) delete instance.Properties.PreferredMaintenanceWindow;
    });
    expect(jobWindowViolations(randomWindow)).toContainEqual(
      expect.stringMatching(
        /^Cs2Analytics-staging-maintenance\/PartitionMaintenanceFunction\w+ .* in the maintenance window of .*DatabaseClusterWriter\w+ .*, which RDS picks at random/,
      ),
    );
  });

  test('alarms: the healthy-target alarm that breaches on missing data (before the fix), the 5xx alarm without its gate, a start given two minutes', () => {
    const faulty = withFault('dev', (templates) => {
      for (const [, alarm] of resourcesOf(templates.monitoring, 'AWS::CloudWatch::Alarm')) {
        const properties = alarm.Properties;
        if (/web-no-healthy-targets$/.test(properties.AlarmName)) {
          const { Metric } = properties.Metrics.find((query: Json) => query.Id === 'healthy').MetricStat;
          delete properties.Metrics;
          Object.assign(properties, { ...Metric, Statistic: 'Minimum', Period: 60, EvaluationPeriods: 2, TreatMissingData: 'breaching' });
        }
        if (/api-no-healthy-targets$/.test(properties.AlarmName)) properties.EvaluationPeriods = 2;
        if (/load-balancer-5xx$/.test(properties.AlarmName)) {
          const expression = properties.Metrics.find((query: Json) => query.Expression);
          expression.Expression = 'IF(requests > 0, 100 * (elb5xx + target5xx) / requests, 0)';
          properties.Metrics = properties.Metrics.filter((query: Json) => !/^desired/.test(query.Id));
        }
      }
    });
    const violations = scheduleAlarmViolations(faulty);
    expect(violations).toContainEqual(
      expect.stringMatching(/^cs2analytics-dev-web-no-healthy-targets goes to ALARM at \w{3} \d\d:\d\d, after the run-hours schedule/),
    );
    expect(violations).toContainEqual(
      expect.stringMatching(/^cs2analytics-dev-api-no-healthy-targets goes to ALARM at (MON|TUE|WED|THU|FRI) 06:0\d/),
    );
    expect(violations).toContainEqual(expect.stringMatching(/^cs2analytics-dev-load-balancer-5xx goes to ALARM at /));
    // Where nothing is scheduled, nothing is evaluated against a schedule.
    expect(scheduleAlarmViolations(modelOf('prod'))).toEqual([]);
  });

  test('containers: the application taking all the task but the init container (the template before the fix)', () => {
    const faulty = withFault('prod', (templates) => {
      for (const [, definition] of resourcesOf(templates.services, 'AWS::ECS::TaskDefinition')) {
        for (const container of definition.Properties.ContainerDefinitions) {
          if (container.Essential === false) continue;
          container.Memory = Number(definition.Properties.Memory) - 64;
          delete container.Cpu;
        }
      }
    });
    expect(sidecarRoomViolations(faulty)).toEqual([
      "cs2analytics-prod-api: its containers' limits take 2048 of the task's 2048 MiB, leaving the proxy 0",
      "cs2analytics-prod-parser: its containers' limits take 4096 of the task's 4096 MiB, leaving the proxy 0",
    ]);
  });
});
