import { loadConfig } from '../lib/config/load';
import { TEST_ACCOUNT } from './support/context';
import { synthesized, templateOf, stackOf, templatesForConfig } from './support/synthesized';
import { VARIANTS } from './support/variants';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;

const STACKS = ['Network', 'Data', 'Registry', 'Services', 'Maintenance', 'Monitoring'] as const;
const variantNames = VARIANTS.map((variant) => variant.name);

/**
 * What each variant's monitoring must be, written out from lib/config/environments.ts and the units
 * CloudWatch measures in (bytes; Aurora's replica lag in milliseconds, RDS for PostgreSQL's in
 * seconds): never computed from the config, so a template that converts or chooses wrongly fails.
 */
interface Expected {
  readonly alarmEmails: readonly string[];
  /** Services stopped outside their run hours (services.runHours): no-healthy-target alarms judge only wanted tasks. */
  readonly stoppedAtNight: boolean;
  readonly engine: 'aurora' | 'instance';
  /** The database instances alarmed on, by label. */
  readonly instances: readonly string[];
  readonly redisNodes: readonly string[];
  readonly loadBalancer5xxPercent: number;
  readonly proxyPinnedSessions: number;
  readonly databaseCpuPercent: number;
  readonly freeableMemoryBytes: number;
  readonly freeStorageBytes: number;
  /** Per reader; `undefined` where there is no reader. */
  readonly replicaLagThreshold?: number;
  readonly redisMemoryPercent: number;
  readonly redisEvictions: number;
  /** The vault every recovery point is copied to, if any. */
  readonly backupCopyVault?: string;
}

const PROD: Expected = {
  alarmEmails: ['oncall@example.com'],
  stoppedAtNight: false,
  engine: 'aurora',
  instances: ['writer', 'reader-1', 'reader-2'],
  redisNodes: ['cs2analytics-prod-jobs-001', 'cs2analytics-prod-jobs-002'],
  loadBalancer5xxPercent: 2,
  proxyPinnedSessions: 50,
  databaseCpuPercent: 75,
  freeableMemoryBytes: 1073741824, // 1024 MiB
  freeStorageBytes: 21474836480, // 20 GiB
  replicaLagThreshold: 30000, // 30 s, in Aurora's milliseconds
  redisMemoryPercent: 80,
  redisEvictions: 1,
  backupCopyVault: 'arn:aws:backup:eu-central-1:111111111111:backup-vault:cs2analytics-prod-copy',
};
const PROD_INSTANCE: Expected = { ...PROD, engine: 'instance', replicaLagThreshold: 30 /* s */ };

const EXPECTED: Record<string, Expected> = {
  dev: {
    alarmEmails: [],
    stoppedAtNight: true,
    engine: 'instance',
    instances: ['writer'],
    redisNodes: ['cs2analytics-dev-jobs-001'],
    loadBalancer5xxPercent: 10,
    proxyPinnedSessions: 100,
    databaseCpuPercent: 90,
    freeableMemoryBytes: 268435456, // 256 MiB
    freeStorageBytes: 5368709120, // 5 GiB
    redisMemoryPercent: 90,
    redisEvictions: 1,
  },
  staging: {
    alarmEmails: [],
    stoppedAtNight: false,
    engine: 'aurora',
    instances: ['writer', 'reader-1'],
    redisNodes: ['cs2analytics-staging-jobs-001'],
    loadBalancer5xxPercent: 5,
    proxyPinnedSessions: 50,
    databaseCpuPercent: 80,
    freeableMemoryBytes: 536870912, // 512 MiB
    freeStorageBytes: 10737418240, // 10 GiB
    replicaLagThreshold: 30000, // 30 s, in Aurora's milliseconds
    redisMemoryPercent: 85,
    redisEvictions: 1,
  },
  prod: PROD,
  'prod-instance': PROD_INSTANCE,
  'prod-restored': PROD,
  'prod-restored-to-time': PROD,
  'prod-instance-restored-snapshot': PROD_INSTANCE,
  'prod-instance-restored': PROD_INSTANCE,
};

test('every variant has its expectations written out', () => {
  expect(Object.keys(EXPECTED).sort()).toEqual([...variantNames].sort());
});

/** The subscription CloudFormation must create for one address: e-mail, on the topic, undeliverable mail kept. */
const emailSubscription = (email: string, topicId: string) => ({
  Protocol: 'email',
  Endpoint: email,
  TopicArn: { Ref: topicId },
  RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^UndeliveredNotifications/), 'Arn'] } },
});

test('alarm e-mails: each configured address gets exactly one e-mail subscription to the topic (dev with two addresses)', () => {
  const config = loadConfig({
    envName: 'dev',
    overrides: { 'monitoring.alarmEmails': ['oncall@analytics-esports.net', 'data-team@analytics-esports.net'] },
    defaultAccount: TEST_ACCOUNT,
  });
  const template = templatesForConfig(config).get('Cs2Analytics-dev-monitoring') as { Resources: Resources };
  const [[topicId]] = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic');
  expect(
    Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::SNS::Subscription')
      .map((r) => r.Properties),
  ).toEqual([emailSubscription('oncall@analytics-esports.net', topicId), emailSubscription('data-team@analytics-esports.net', topicId)]);
});

function templateJson(variant: string, stack: string): { Resources: Resources; Outputs?: Record<string, unknown> } {
  return templateOf(variant, stack).toJSON() as never;
}

/**
 * Whether every CloudFormation reference inside a value points at something that exists: a resource
 * of the same template, a pseudo parameter, or an output of the stack it names.
 */
function danglingReferences(variant: string, stack: string, value: unknown): string[] {
  const own = templateJson(variant, stack).Resources;
  const byStackName = new Map(synthesized(variant).stacks.map((s) => [s.stackName, s.id]));
  const problems: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const object = node as Record<string, any>;
    if (typeof object.Ref === 'string' && !object.Ref.startsWith('AWS::') && !own[object.Ref]) problems.push(`Ref ${object.Ref}`);
    if (Array.isArray(object['Fn::GetAtt']) && !own[object['Fn::GetAtt'][0]]) problems.push(`GetAtt ${object['Fn::GetAtt'][0]}`);
    const output = object['Fn::GetStackOutput'];
    if (output) {
      const producer = byStackName.get(output.StackName);
      if (!producer || !(templateJson(variant, producer).Outputs ?? {})[output.OutputName]) problems.push(`output ${output.OutputName}`);
    }
    Object.values(object).forEach(visit);
  };
  visit(value);
  return problems;
}

describe.each(variantNames)('monitoring in %s', (variant) => {
  const { config } = synthesized(variant);
  const template = templateJson(variant, 'Monitoring');
  const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const [topicId, topic] = resources('AWS::SNS::Topic')[0];
  const alarms = resources('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
  const alarm = (suffix: string) => {
    const found = alarms.find((candidate) => candidate.AlarmName === `cs2analytics-${config.envName}-${suffix}`);
    if (!found) throw new Error(`no alarm ${suffix}`);
    return found;
  };
  const expected = EXPECTED[variant];
  const instances = expected.instances;
  const readers = instances.filter((instance) => instance.startsWith('reader-'));

  test('is a stateless stack named after the environment', () => {
    expect(stackOf(variant, 'Monitoring').stackName).toBe(`Cs2Analytics-${config.envName}-monitoring`);
    expect(stackOf(variant, 'Monitoring').terminationProtection).toBe(false);
  });

  test('notifies one KMS-encrypted topic, e-mailing the configured addresses', () => {
    expect(resources('AWS::SNS::Topic')).toHaveLength(1);
    // Named by CloudFormation (nothing outside needs the name); its ARN is an output.
    expect(topic.Properties.TopicName).toBeUndefined();
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    expect((template.Outputs as Record<string, { Value: unknown }>).AlarmTopicArn.Value).toEqual({
      Ref: expect.stringMatching(/^AlarmTopic/),
    });
    expect(resources('AWS::SNS::Subscription').map(([, s]) => s.Properties)).toEqual(
      expected.alarmEmails.map((email) => emailSubscription(email, topicId)),
    );
  });

  test('every alarm notifies the topic and treats missing data on purpose', () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const each of alarms) {
      expect(each.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(['breaching', 'notBreaching']).toContain(each.TreatMissingData);
    }
  });

  test.each<[string, (e: Expected) => number, string, string]>([
    ['load-balancer-5xx', (e) => e.loadBalancer5xxPercent, 'GreaterThanThreshold', 'notBreaching'],
    ['proxy-pinned-sessions', (e) => e.proxyPinnedSessions, 'GreaterThanThreshold', 'notBreaching'],
    ['maintenance-errors', () => 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
    ['maintenance-dead-letters', () => 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
    ['maintenance-months-ahead-public.GameEvent', () => 2, 'LessThanThreshold', 'breaching'],
    ['maintenance-no-success', () => 1, 'LessThanThreshold', 'breaching'],
  ])('%s: configured threshold, comparison and missing-data treatment', (name, threshold, comparison, missing) => {
    expect(alarm(name)).toMatchObject({ Threshold: threshold(expected), ComparisonOperator: comparison, TreatMissingData: missing });
  });

  test('the load balancer: unhealthy targets and no healthy target, per service behind it', () => {
    for (const service of ['web', 'api']) {
      expect(alarm(`${service}-unhealthy-targets`)).toMatchObject({
        MetricName: 'UnHealthyHostCount',
        Threshold: 1,
        TreatMissingData: 'notBreaching',
      });
      const noHealthy = alarm(`${service}-no-healthy-targets`);
      if (expected.stoppedAtNight) {
        // The schedule empties the group every night: only a group whose service is meant to run counts.
        expect(noHealthy).toMatchObject({ Threshold: 1, TreatMissingData: 'notBreaching', EvaluationPeriods: 10 });
        expect(noHealthy.Metrics.find((entry: any) => entry.Expression).Expression).toBe('IF(FILL(desired, 0) >= 1, FILL(healthy, 0), 1)');
        expect(noHealthy.Metrics.find((entry: any) => entry.Id === 'desired').MetricStat.Metric).toMatchObject({
          Namespace: 'ECS/ContainerInsights',
          MetricName: 'DesiredTaskCount',
        });
      } else {
        expect(noHealthy).toMatchObject({
          MetricName: 'HealthyHostCount',
          Threshold: 1,
          TreatMissingData: 'breaching',
          EvaluationPeriods: 2,
        });
      }
      // Named by the load balancer's and the target group's own full names, each a plain reference
      // to the services stack's output of that attribute (no name cut out of a listener's ARN).
      for (const suffix of ['unhealthy-targets', 'no-healthy-targets']) {
        const found = alarm(`${service}-${suffix}`);
        const { Namespace, Dimensions } = found.Metrics
          ? found.Metrics.find((entry: any) => entry.Id === 'healthy').MetricStat.Metric
          : found;
        expect(Namespace).toBe('AWS/ApplicationELB');
        const produced = Object.fromEntries(
          (Dimensions as { Name: string; Value: any }[]).map(({ Name, Value }) => {
            const { StackName, OutputName } = Value['Fn::GetStackOutput'];
            const producer = synthesized(variant).stacks.find((stack) => stack.stackName === StackName)!;
            const outputs = templateJson(variant, producer.id).Outputs as Record<string, { Value: Record<string, unknown> }>;
            return [Name, outputs[OutputName].Value['Fn::GetAtt']];
          }),
        );
        expect(produced).toEqual({
          LoadBalancer: [expect.stringMatching(/^LoadBalancer/), 'LoadBalancerFullName'],
          TargetGroup: [expect.stringMatching(new RegExp(`^${service[0].toUpperCase()}${service.slice(1)}Targets`)), 'TargetGroupFullName'],
        });
      }
    }
  });

  test('each ECS service: running below desired; failed deployments go to the topic', () => {
    for (const service of ['web', 'api', 'parser']) {
      // Stopped by run hours, a service may report nothing, on purpose.
      expect(alarm(`${service}-running-below-desired`)).toMatchObject({
        Threshold: 1,
        TreatMissingData: expected.stoppedAtNight ? 'notBreaching' : 'breaching',
      });
    }
    const [, rule] = resources('AWS::Events::Rule')[0];
    expect(rule.Properties.EventPattern).toMatchObject({
      source: ['aws.ecs'],
      'detail-type': ['ECS Deployment State Change'],
      detail: { eventName: ['SERVICE_DEPLOYMENT_FAILED'] },
    });
    expect(rule.Properties.Targets[0].Arn).toEqual({ Ref: topicId });
  });

  test('the database: CPU, freeable memory and free storage per instance, lag per reader', () => {
    const metricNames = {
      aurora: { freeStorage: 'FreeLocalStorage', replicaLag: 'AuroraReplicaLag' },
      instance: { freeStorage: 'FreeStorageSpace', replicaLag: 'ReplicaLag' },
    }[expected.engine];
    for (const instance of instances) {
      expect(alarm(`database-${instance}-cpu`)).toMatchObject({ MetricName: 'CPUUtilization', Threshold: expected.databaseCpuPercent });
      expect(alarm(`database-${instance}-freeable-memory`)).toMatchObject({
        MetricName: 'FreeableMemory',
        Threshold: expected.freeableMemoryBytes,
      });
      expect(alarm(`database-${instance}-free-storage`)).toMatchObject({
        MetricName: metricNames.freeStorage,
        Threshold: expected.freeStorageBytes,
      });
    }
    for (const reader of readers) {
      expect(alarm(`database-${reader}-replica-lag`)).toMatchObject({
        MetricName: metricNames.replicaLag,
        Threshold: expected.replicaLagThreshold,
      });
    }
    expect(alarms.filter((a) => a.AlarmName.includes('replica-lag'))).toHaveLength(readers.length);
  });

  test('RDS events (failover, failure, low storage) are subscribed to the topic', () => {
    const subscriptions = resources('AWS::RDS::EventSubscription').map(([, s]) => s.Properties);
    const instanceSubscription = subscriptions.find((s) => s.SourceType === 'db-instance')!;
    expect(instanceSubscription.EventCategories).toEqual(expect.arrayContaining(['failover', 'failure', 'low storage']));
    expect(instanceSubscription.SourceIds).toHaveLength(instances.length);
    for (const subscription of subscriptions) expect(subscription.SnsTopicArn).toEqual({ Ref: topicId });
    expect(subscriptions.map((s) => s.SourceType).sort()).toEqual(
      { aurora: ['db-cluster', 'db-instance'], instance: ['db-instance'] }[expected.engine],
    );
  });

  test('Redis: memory and evictions for every node', () => {
    expected.redisNodes.forEach((cacheClusterId, index) => {
      expect(alarm(`redis-${index + 1}-memory`)).toMatchObject({
        MetricName: 'DatabaseMemoryUsagePercentage',
        Threshold: expected.redisMemoryPercent,
        Dimensions: [{ Name: 'CacheClusterId', Value: cacheClusterId }],
      });
      expect(alarm(`redis-${index + 1}-evictions`)).toMatchObject({
        MetricName: 'Evictions',
        Threshold: expected.redisEvictions,
        Dimensions: [{ Name: 'CacheClusterId', Value: cacheClusterId }],
      });
    });
    expect(alarms.filter((a) => /-redis-\d+-memory$/.test(a.AlarmName))).toHaveLength(expected.redisNodes.length);
  });

  test('credentials: an error of any rotation or refresh function, and a refresh that failed every retry', () => {
    const functionNameOf = (name: string) => JSON.stringify(alarm(name).Dimensions);
    expect(alarm('master-rotation-errors')).toMatchObject({
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: `cs2analytics-${config.envName}-db-rotation` }],
      TreatMissingData: 'notBreaching',
    });
    expect(functionNameOf('app-rotation-errors')).toMatch(/AppCredentialsRotationFunction/);
    expect(functionNameOf('redis-token-rotation-errors')).toMatch(/RedisTokenRotationFunction/);
    expect(functionNameOf('connection-refresh-errors')).toMatch(/ConnectionsRefreshFunction/);
    expect(JSON.stringify(alarm('connection-refresh-dead-letters').Dimensions)).toMatch(/ConnectionsDeadLetterQueue/);
  });

  test('every alarm and dashboard metric refers to a resource deployed in this app', () => {
    expect(danglingReferences(variant, 'Monitoring', template.Resources)).toEqual([]);
    const [, dashboard] = resources('AWS::CloudWatch::Dashboard')[0];
    // Literal dimension values must name what the app deploys too.
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    const literalCacheIds = [...body.matchAll(/CacheClusterId\\",\\"([\w-]+)/g)].map((match) => match[1]);
    expect(new Set(literalCacheIds)).toEqual(new Set(expected.redisNodes));
    expect(body).toContain(`\\"Environment\\",\\"${config.envName}\\"`);
    expect(body).toContain('\\"Table\\",\\"public.GameEvent\\"');
  });

  test('the dashboard is laid out by tier and every graph names its unit', () => {
    const [, dashboard] = resources('AWS::CloudWatch::Dashboard')[0];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const tier of [
      'Load balancer',
      'Services (ECS)',
      'Database',
      'RDS Proxy',
      'Redis job queue',
      'Demo files (EFS)',
      'Partition maintenance',
    ]) {
      expect(body).toContain(tier);
    }
    const graphs = body.split('\\"type\\":\\"metric\\"').length - 1;
    const labelled = body.split('\\"left\\":{\\"label\\":').length - 1;
    expect(graphs).toBeGreaterThan(20);
    expect(labelled).toBe(graphs);
  });
});

describe.each(variantNames)('logs in %s', (variant) => {
  test('every log group of every stack is KMS-encrypted and has a retention', () => {
    let count = 0;
    for (const stack of STACKS) {
      for (const [id, group] of Object.entries(templateJson(variant, stack).Resources).filter(
        ([, r]) => r.Type === 'AWS::Logs::LogGroup',
      )) {
        count++;
        expect({ stack, id, kms: Boolean(group.Properties.KmsKeyId), retention: group.Properties.RetentionInDays }).toEqual({
          stack,
          id,
          kms: true,
          retention: expect.any(Number),
        });
      }
    }
    expect(count).toBeGreaterThan(10);
  });

  test('every Lambda function logs to one of those groups, never to an implicit one', () => {
    for (const stack of STACKS) {
      for (const [id, fn] of Object.entries(templateJson(variant, stack).Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function')) {
        expect({ stack, id, logGroup: fn.Properties.LoggingConfig?.LogGroup }).toEqual({ stack, id, logGroup: expect.anything() });
      }
    }
  });

  test('the logs services create by name are created first: ECS Exec, Container Insights, database exports, rotation', () => {
    const names = STACKS.flatMap((stack) =>
      Object.values(templateJson(variant, stack).Resources)
        .filter((r) => r.Type === 'AWS::Logs::LogGroup')
        .map((r) => JSON.stringify(r.Properties.LogGroupName ?? '')),
    ).join(' ');
    const env = synthesized(variant).config.envName;
    expect(names).toContain(`/aws/ecs/containerinsights/cs2analytics-${env}/performance`);
    expect(names).toContain(`/aws/lambda/cs2analytics-${env}-db-rotation`);
    expect(names).toContain(`/aws/rds/`);
    const services = templateJson(variant, 'Services').Resources;
    const [, cluster] = Object.entries(services).find(([, r]) => r.Type === 'AWS::ECS::Cluster')!;
    expect(cluster.Properties.Configuration.ExecuteCommandConfiguration.LogConfiguration.CloudWatchLogGroupName).toEqual({
      Ref: expect.stringMatching(/^ExecSessionLogs/),
    });
  });
});

test.each(variantNames)('the backup plan of %s copies every recovery point to the second region where configured (prod)', (variant) => {
  const plan = Object.values(templateJson(variant, 'Data').Resources).find((r) => r.Type === 'AWS::Backup::BackupPlan')!;
  const rules = plan.Properties.BackupPlan.BackupPlanRule as any[];
  const vault = EXPECTED[variant].backupCopyVault;
  expect(rules.length).toBeGreaterThan(0);
  expect(rules.map((rule) => (rule.CopyActions ?? []).map((copy: any) => copy.DestinationBackupVaultArn))).toEqual(
    rules.map(() => (vault ? [vault] : [])),
  );
});
