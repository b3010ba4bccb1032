import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { alarmNamePrefix, dashboardName } from '../config/names';
import { SCHEDULED_START_MINUTES } from '../config/schedule';
import type { EnvironmentConfig } from '../config/schema';
import { AlarmTopic } from '../constructs/alarm-topic';
import { deadLetterQueue } from '../constructs/dead-letter-queue';
import { EncryptionKey } from '../constructs/encryption-key';
import { MonitoringDashboard, targetGroupHostCount } from '../constructs/monitoring-dashboard';
import type { DataStack } from './data-stack';
import type { MaintenanceStack } from './maintenance-stack';
import type { ServicesStack } from './services-stack';
import { retainOrDestroy } from '../constructs/retention';

export interface MonitoringStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** Only what this stack uses of it. */
  readonly data: Pick<DataStack, 'appCredentials' | 'database' | 'redisTokenRotation' | 'jobQueue' | 'demoFiles'>;
  /** Only what this stack uses of it. */
  readonly services: Pick<ServicesStack, 'api' | 'cluster' | 'connections' | 'loadBalancer' | 'parser' | 'targetGroups' | 'web'>;
  /** Only what this stack uses of it. */
  readonly maintenance: Pick<MaintenanceStack, 'job'>;
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/** What the alarms watch, shared by the methods that build them per tier. */
interface Watched {
  readonly config: EnvironmentConfig;
  readonly thresholds: EnvironmentConfig['monitoring'];
  readonly services: MonitoringStackProps['services'];
  readonly data: MonitoringStackProps['data'];
  readonly maintenance: MonitoringStackProps['maintenance'];
  readonly alb: MonitoringStackProps['services']['loadBalancer']['loadBalancer'];
  readonly database: MonitoringStackProps['data']['database'];
  readonly jobQueue: MonitoringStackProps['data']['jobQueue'];
  readonly aurora: boolean;
  readonly instances: readonly { readonly label: string; readonly id: string }[];
  readonly appServices: readonly {
    readonly name: string;
    readonly app: MonitoringStackProps['services']['web'];
    readonly service: MonitoringStackProps['services']['web']['service'];
  }[];
  readonly freeStorageMetric: string;
  readonly undelivered: sqs.Queue;
}

/**
 * Stateless: what an on-call engineer sees and is told. One dashboard laid out by tier (the HAProxy
 * stats page, and more: MonitoringDashboard), the alarms with their per-environment thresholds, ECS
 * deployment failures and RDS events, all notifying one KMS-encrypted topic (AlarmTopic). The
 * metrics come from the constructs that own the resources.
 *
 * The alarms are built per tier by this stack's methods, as the stack's own children, rather than by
 * a construct per tier: each has a fixed name (on-call tools and runbooks use it), and under a new
 * parent it would get a new logical id, which CloudFormation creates before it deletes the old one:
 * a second alarm of the same name, and the deployment fails. The topic and the dashboard, one
 * resource each, moved into constructs under the id 'Default', which keeps their logical ids.
 */
export class MonitoringStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  private readonly action: cloudwatchActions.SnsAction;
  private readonly alarmTopicTarget: AlarmTopic;
  private readonly envName: string;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config, data, services, maintenance } = props;
    this.envName = config.envName;
    const thresholds = config.monitoring;

    const key = new EncryptionKey(this, 'Key', {
      purpose: `CS2 Analytics ${config.envName} alarm notifications`,
      removalPolicy: retainOrDestroy(config.retainData),
    }).key;
    this.allowNotificationSources(key, config.envName);
    // Notifications that cannot be delivered (to e-mail, or from EventBridge) wait here.
    const undelivered = this.undeliveredNotifications(key);
    const alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      envName: config.envName,
      encryptionKey: key,
      emails: thresholds.alarmEmails,
      undeliveredNotifications: undelivered,
    });
    this.alarmTopic = alarmTopic.topic;
    this.alarmTopicTarget = alarmTopic;
    this.action = alarmTopic.action;
    // Nothing outside needs the topic's name (subscriptions take its ARN), so CloudFormation names it.
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'The alarm topic: subscribe on-call tools here' });

    const alb = services.loadBalancer.loadBalancer;
    const { database, jobQueue, demoFiles } = data;
    const aurora = config.database.engine === 'aurora';
    const instances = [
      { label: 'writer', id: database.instanceIdentifiers.writer },
      ...database.instanceIdentifiers.readers.map((id, index) => ({ label: `reader ${index + 1}`, id })),
    ];
    const appServices = [
      { name: 'web', app: services.web, service: services.web.service },
      { name: 'api', app: services.api, service: services.api.service },
      { name: 'parser', app: services.parser, service: services.parser.service },
    ];
    const freeStorageMetric = database.freeStorageMetricName;

    const watched: Watched = {
      config,
      thresholds,
      services,
      data,
      maintenance,
      alb,
      database,
      jobQueue,
      aurora,
      instances,
      appServices,
      freeStorageMetric,
      undelivered,
    };
    this.loadBalancerAlarms(watched);
    this.serviceAlarms(watched);
    this.databaseAlarms(watched);
    this.redisAlarms(watched);
    this.maintenanceAlarms(watched);
    this.credentialAlarms(watched);
    this.dashboard = new MonitoringDashboard(this, 'Dashboard', {
      dashboardName: dashboardName(config.envName),
      alb,
      targetGroups: services.targetGroups,
      ports: { web: config.services.web.port, api: config.services.api.port },
      appServices,
      database,
      aurora,
      instances,
      jobQueue,
      demoFiles,
      job: maintenance.job,
    }).dashboard;
  }

  /** The load balancer: the share of 5xx, and unhealthy or missing targets per target group. */
  private loadBalancerAlarms(watched: Watched): void {
    const { config, thresholds, services, alb } = watched;
    const requests = alb.metrics.requestCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const share = 'IF(requests > 0, 100 * (elb5xx + target5xx) / requests, 0)';
    const scheduled = config.services.runHours !== undefined;
    // Stopped by its run hours, the site answers 503 to whoever calls (crawlers included): counted
    // only in the five minutes during which every service behind the load balancer was meant to run.
    const desired = Object.fromEntries(
      watched.appServices
        .filter(({ name }) => name in services.targetGroups)
        .map(({ name, app }) => [
          `desired${name}`,
          app.metricContainerInsights('DesiredTaskCount', 'Minimum').with({ period: FIVE_MINUTES }),
        ]),
    );
    const error5xx = new cloudwatch.MathExpression({
      label: '5xx %',
      expression: scheduled
        ? `IF(${Object.keys(desired)
            .map((id) => `FILL(${id}, 0) >= 1`)
            .join(' AND ')}, ${share}, 0)`
        : share,
      usingMetrics: {
        requests,
        elb5xx: alb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: FIVE_MINUTES, statistic: 'Sum' }),
        target5xx: alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: FIVE_MINUTES, statistic: 'Sum' }),
        ...(scheduled ? desired : {}),
      },
      period: FIVE_MINUTES,
    });
    this.alarm('LoadBalancer5xx', 'load-balancer-5xx', {
      description: 'More than the configured share of requests got a 5xx, from the load balancer or a target.',
      metric: error5xx,
      threshold: thresholds.loadBalancer5xxPercent,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // No request, no error: a silent site is caught by the healthy-target alarms.
      missing: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const [name, targetGroup] of Object.entries(services.targetGroups)) {
      // The port is what replaces a target group: naming it here changes these alarms with it, so
      // that they re-read the new group's name (a cross-stack reference is resolved only when the
      // alarm itself is updated).
      const port = config.services[name as 'web' | 'api'].port;
      this.alarm(`${name}UnhealthyTargets`, `${name}-unhealthy-targets`, {
        description: `A ${name} task (port ${port}) fails its load-balancer health check.`,
        metric: targetGroupHostCount(alb, targetGroup, 'UnHealthyHostCount', { period: ONE_MINUTE, statistic: 'Maximum' }),
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const healthy = targetGroupHostCount(alb, targetGroup, 'HealthyHostCount', { period: ONE_MINUTE, statistic: 'Minimum' });
      const app = watched.appServices.find((candidate) => candidate.name === name)!.app;
      this.alarm(`${name}NoHealthyTargets`, `${name}-no-healthy-targets`, {
        description: scheduled
          ? `No healthy ${name} task (port ${port}) behind the load balancer for ${SCHEDULED_START_MINUTES} minutes while tasks are desired: the ${name} is down (outside its run hours it has no task, on purpose).`
          : `No healthy ${name} task (port ${port}) behind the load balancer: the ${name} is down.`,
        // Where run hours empty the target group, only a group whose service is meant to run counts.
        metric: scheduled
          ? new cloudwatch.MathExpression({
              label: 'healthy targets while tasks are desired',
              expression: 'IF(FILL(desired, 0) >= 1, FILL(healthy, 0), 1)',
              usingMetrics: { healthy, desired: app.metricContainerInsights('DesiredTaskCount', 'Minimum') },
              period: ONE_MINUTE,
            })
          : healthy,
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: scheduled ? SCHEDULED_START_MINUTES : 2,
        // Always running, a group without data has no healthy target to speak of: the outage itself.
        // Stopped by the schedule, it reports nothing, on purpose.
        missing: scheduled ? cloudwatch.TreatMissingData.NOT_BREACHING : cloudwatch.TreatMissingData.BREACHING,
      });
    }
  }

  /** The ECS services: fewer tasks running than desired, and failed deployments. */
  private serviceAlarms(watched: Watched): void {
    const { config, appServices, undelivered } = watched;
    const scheduled = config.services.runHours !== undefined;
    for (const { name, app } of appServices) {
      this.alarm(`${name}RunningBelowDesired`, `${name}-running-below-desired`, {
        description: `Fewer ${name} tasks run than desired for ${scheduled ? SCHEDULED_START_MINUTES : 5} minutes (crash loop, capacity, image pull).`,
        metric: new cloudwatch.MathExpression({
          label: 'desired - running',
          expression: 'desired - running',
          usingMetrics: {
            desired: app.metricContainerInsights('DesiredTaskCount', 'Maximum'),
            running: app.metricContainerInsights('RunningTaskCount', 'Minimum'),
          },
          period: ONE_MINUTE,
        }),
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // A scheduled start takes its tasks from none to the minimum: they get the same time to run.
        evaluationPeriods: scheduled ? SCHEDULED_START_MINUTES : 5,
        // Container Insights reports every minute; silence means we cannot see the service, unless the
        // run hours stopped it (a service without tasks may report nothing).
        missing: scheduled ? cloudwatch.TreatMissingData.NOT_BREACHING : cloudwatch.TreatMissingData.BREACHING,
      });
    }
    new events.Rule(this, 'FailedDeployments', {
      description: `CS2 Analytics ${config.envName}: an ECS deployment failed (and was rolled back)`,
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Deployment State Change'],
        detail: { eventName: ['SERVICE_DEPLOYMENT_FAILED'] },
        resources: appServices.map(({ service }) => service.serviceArn),
      },
      targets: [this.alarmTopicTarget.eventTarget({ deadLetterQueue: undelivered, retryAttempts: 10 })],
    });
  }

  /** The database: CPU, memory and storage per instance, replica lag, proxy pinning, and RDS events. */
  private databaseAlarms(watched: Watched): void {
    const { thresholds, database, aurora, instances, freeStorageMetric } = watched;
    const instanceMetric = (metricName: string, id: string, label?: string, statistic = 'Average') =>
      database.metricInstance(metricName, id, { label, statistic });
    const proxyMetric = (metricName: string, statistic = 'Average') => database.metricProxy(metricName, statistic);
    // Each names the database, which a restore replaces under a new identifier: the alarms then change
    // with it and read the new instances' names (a cross-stack reference is resolved only when the
    // alarm itself is updated).
    const of = database.identifier;
    for (const instance of instances) {
      const id = instance.label.replace(/\W/g, '');
      this.alarm(`Database${id}Cpu`, `database-${instance.label.replace(' ', '-')}-cpu`, {
        description: `Database ${instance.label} (${of}) CPU above the threshold for 10 minutes.`,
        metric: instanceMetric('CPUUtilization', instance.id),
        threshold: thresholds.databaseCpuPercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 10,
        // RDS reports every minute; a silent instance is down or gone.
        missing: cloudwatch.TreatMissingData.BREACHING,
      });
      this.alarm(`Database${id}Memory`, `database-${instance.label.replace(' ', '-')}-freeable-memory`, {
        description: `Database ${instance.label} (${of}) is running out of memory.`,
        metric: instanceMetric('FreeableMemory', instance.id),
        threshold: thresholds.databaseFreeableMemoryMiB * 1024 * 1024,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 5,
        missing: cloudwatch.TreatMissingData.BREACHING,
      });
      this.alarm(`Database${id}Storage`, `database-${instance.label.replace(' ', '-')}-free-storage`, {
        description: aurora
          ? `Database ${instance.label} (${of}) is running out of local storage (temporary tables, sorts).`
          : `Database ${instance.label} (${of}) is running out of storage (autoscaling at its ceiling?).`,
        metric: instanceMetric(freeStorageMetric, instance.id),
        threshold: thresholds.databaseFreeStorageGiB * 1024 ** 3,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 5,
        missing: cloudwatch.TreatMissingData.BREACHING,
      });
    }
    database.instanceIdentifiers.readers.forEach((reader, index) => {
      this.alarm(`Reader${index + 1}Lag`, `database-reader-${index + 1}-replica-lag`, {
        description: `Reader ${index + 1} (${of}) lags the writer: analytics read stale data.`,
        metric: instanceMetric(database.replicaLag.metricName, reader),
        // AuroraReplicaLag is in milliseconds, ReplicaLag in seconds.
        threshold: thresholds.replicaLagSeconds * database.replicaLag.perSecond,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        missing: cloudwatch.TreatMissingData.BREACHING,
      });
    });
    this.alarm('ProxyPinnedSessions', 'proxy-pinned-sessions', {
      description: 'Client sessions pinned to database connections stop the proxy from multiplexing.',
      metric: proxyMetric('DatabaseConnectionsCurrentlySessionPinned', 'Maximum'),
      threshold: thresholds.proxyPinnedSessions,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // The proxy publishes only while it has connections.
      missing: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // The issue's failover, failure and low storage, plus what Control Tower expects on-call to hear
    // of (CT.RDS.PR.12/17): maintenance and configuration changes.
    const clusterSources = aurora
      ? [{ type: 'db-cluster', ids: [database.identifier], categories: ['failover', 'failure', 'maintenance'] }]
      : [];
    for (const [index, source] of [
      ...clusterSources,
      {
        type: 'db-instance',
        ids: instances.map((instance) => instance.id),
        categories: ['failover', 'failure', 'low storage', 'maintenance', 'configuration change'],
      },
    ].entries()) {
      new rds.CfnEventSubscription(this, `DatabaseEvents${index + 1}`, {
        snsTopicArn: this.alarmTopic.topicArn,
        sourceType: source.type,
        sourceIds: source.ids,
        eventCategories: source.categories,
        enabled: true,
        // Names the database, as the alarms' descriptions do: a restore then updates the subscription.
        tags: [{ key: 'database', value: database.identifier }],
      });
    }
  }

  /** The Redis job queue: memory and evictions per node. */
  private redisAlarms(watched: Watched): void {
    const { thresholds, jobQueue } = watched;
    const cacheMetric = (metricName: string, member: string, statistic = 'Average', label?: string) =>
      jobQueue.metricNode(metricName, member, { statistic, label });
    jobQueue.memberClusterIds.forEach((member, index) => {
      this.alarm(`RedisMemory${index + 1}`, `redis-${index + 1}-memory`, {
        description: `Redis node ${member} is near its memory limit: at 100 % it refuses writes (noeviction), and new parse jobs fail to queue.`,
        metric: cacheMetric('DatabaseMemoryUsagePercentage', member, 'Maximum'),
        threshold: thresholds.redisMemoryPercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        missing: cloudwatch.TreatMissingData.BREACHING,
      });
      this.alarm(`RedisEvictions${index + 1}`, `redis-${index + 1}-evictions`, {
        description: `Redis node ${member} evicted keys, which its noeviction policy forbids: parse jobs may have been lost; check the parameter group.`,
        metric: jobQueue.metricNode('Evictions', member, { statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: thresholds.redisEvictions,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    });
  }

  /** Partition maintenance: failures, dead letters, months ahead per table, and passes that stop succeeding. */
  private maintenanceAlarms(watched: Watched): void {
    const { maintenance } = watched;
    const { job } = maintenance;
    this.alarm('MaintenanceErrors', 'maintenance-errors', {
      description: 'The partition-maintenance function failed (it is retried, then dead-lettered).',
      metric: job.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No invocation means no error; silence is caught by the no-success alarm.
      missing: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm('MaintenanceDeadLetters', 'maintenance-dead-letters', {
      description: 'A maintenance run failed all its retries and waits in the dead-letter queue.',
      metric: job.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // SQS stops reporting an idle, empty queue: missing means empty.
      missing: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    job.tables.forEach((table, index) => {
      this.alarm(`MaintenanceMonthsAhead${index + 1}`, `maintenance-months-ahead-${table}`, {
        description: `Fewer than 2 future monthly partitions exist for ${table}: inserts will soon fail.`,
        metric: job.metric('MonthsAhead', { table, statistic: 'Minimum', period: Duration.days(1) }),
        threshold: 2,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No report for a day means nobody checked: that must not look healthy.
        missing: cloudwatch.TreatMissingData.BREACHING,
      });
    });
    this.alarm('MaintenanceNoSuccess', 'maintenance-no-success', {
      description: 'No maintenance pass succeeded in 2 days.',
      metric: job.metric('Succeeded', { statistic: 'Sum', period: Duration.days(1) }),
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      missing: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  /** Credentials: failed rotations and refreshes. */
  private credentialAlarms(watched: Watched): void {
    const { services, data } = watched;
    // Credentials: a rotation or a refresh that fails leaves the previous credentials working (nothing
    // breaks at once), but the next rotation would then change a login still in use.
    const credentialFunctions = [
      {
        id: 'Master',
        name: 'master-rotation',
        what: "The master user's password rotation (hosted function)",
        functionName: data.database.masterRotationFunctionName,
      },
      {
        id: 'App',
        name: 'app-rotation',
        what: 'The app login rotation',
        functionName: data.appCredentials.rotationFunction.function.functionName,
      },
      {
        id: 'RedisToken',
        name: 'redis-token-rotation',
        what: 'The Redis AUTH token rotation',
        functionName: data.redisTokenRotation.rotationFunction.function.functionName,
      },
      {
        id: 'Refresh',
        name: 'connection-refresh',
        what: 'The connection values refresh (rewrite and rolling restart after a rotation)',
        functionName: services.connections.refreshFunction.function.functionName,
      },
    ];
    for (const { id, name, what, functionName } of credentialFunctions) {
      this.alarm(`Credentials${id}Errors`, `${name}-errors`, {
        description: `${what} failed. Secrets Manager retries a rotation; see the function's logs before the next scheduled rotation.`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          dimensionsMap: { FunctionName: functionName },
          statistic: 'Sum',
          period: Duration.hours(1),
        }),
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // Rotations run monthly: no invocation is no error.
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.alarm('ConnectionRefreshDeadLetters', 'connection-refresh-dead-letters', {
      description:
        'A refresh after a rotation failed all its retries: the services still run on the previous credentials, which the next rotation changes. Rerun it (docs/architecture.md, Credentials and rotation).',
      metric: services.connections.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      missing: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * What the key of the topic and of its dead-letter queue admits, per service, each held to this
   * account by what that service's KMS calls carry:
   * - CloudWatch alarms and RDS event subscriptions publish with their source (aws:SourceAccount,
   *   aws:SourceArn): the environment's alarms, this account's event subscriptions.
   * - SNS redrives undeliverable e-mail notifications into the queue as the topic (aws:SourceArn: a
   *   topic of this account and region; the topic's own ARN would make the key depend on the topic,
   *   which depends on the key).
   * - EventBridge's KMS calls carry no source context (as the rehearsal models them, and as AWS's
   *   MDAA constructs note for EventBridge delivery to an encrypted topic), so its statements are held
   *   by the encryption context SNS and SQS always pass: the topic's ARN (aws:sns:topicArn) and the
   *   queue's (aws:sqs:arn), of this account and region (SNS and SQS developer guides, encryption at rest).
   */
  private allowNotificationSources(key: kms.IKey, envName: string): void {
    const arn = (service: string, resource: string) => `arn:${this.partition}:${service}:${this.region}:${this.account}:${resource}`;
    const actions = ['kms:Decrypt', 'kms:GenerateDataKey*'];
    const fromSource = (sid: string, service: string, sourceArn: string | string[]) =>
      new iam.PolicyStatement({
        sid,
        principals: [new iam.ServicePrincipal(service)],
        actions,
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account }, ArnLike: { 'aws:SourceArn': sourceArn } },
      });
    const withContext = (sid: string, contextKey: string, pattern: string) =>
      new iam.PolicyStatement({
        sid,
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions,
        resources: ['*'],
        conditions: { ArnLike: { [`kms:EncryptionContext:${contextKey}`]: pattern } },
      });
    for (const statement of [
      fromSource('AllowAlarmsToNotify', 'cloudwatch.amazonaws.com', arn('cloudwatch', `alarm:${alarmNamePrefix(envName)}*`)),
      // RDS sends the ARN of the instance or cluster an event is about.
      fromSource('AllowRdsEventsToNotify', 'events.rds.amazonaws.com', [arn('rds', 'db:*'), arn('rds', 'cluster:*')]),
      fromSource('AllowSnsToRedriveUndelivered', 'sns.amazonaws.com', arn('sns', '*')),
      withContext('AllowEventBridgeToNotify', 'aws:sns:topicArn', arn('sns', '*')),
      withContext('AllowEventBridgeDeadLetters', 'aws:sqs:arn', arn('sqs', '*')),
    ]) {
      key.addToResourcePolicy(statement);
    }
  }

  /** The dead-letter queue of the notifications: e-mail deliveries and EventBridge events that failed. */
  private undeliveredNotifications(key: kms.IKey): sqs.Queue {
    return deadLetterQueue(this, 'UndeliveredNotifications', { encryptionKey: key, deadLettersOf: 'the alarm notifications' });
  }

  private alarm(
    id: string,
    name: string,
    options: {
      description: string;
      metric: cloudwatch.IMetric;
      threshold: number;
      comparison: cloudwatch.ComparisonOperator;
      evaluationPeriods: number;
      missing: cloudwatch.TreatMissingData;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${alarmNamePrefix(this.envName)}${name}`,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: options.comparison,
      evaluationPeriods: options.evaluationPeriods,
      treatMissingData: options.missing,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
