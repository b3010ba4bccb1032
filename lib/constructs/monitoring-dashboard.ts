import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { DemoFileSystem } from './demo-file-system';
import type { FargateAppService } from './fargate-app-service';
import type { PartitionMaintenanceJob } from './partition-maintenance-job';
import type { PostgresDatabase } from './postgres-database';
import type { RedisJobQueue } from './redis-job-queue';

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/**
 * A target group's healthy or unhealthy host count, named by the load balancer's own full name. The
 * target group's `metrics.healthyHostCount()` derives that name from its listener's ARN with
 * Fn::Split; in another stack than the load balancer's, that is an Fn::Split over an
 * Fn::GetStackOutput, a nesting that CloudFormation does not accept in every position (cfn-lint
 * rejects it, E1022). `loadBalancerFullName` is the load balancer's own attribute: a plain reference.
 */
export function targetGroupHostCount(
  alb: Pick<elbv2.ApplicationLoadBalancer, 'loadBalancerFullName'>,
  targetGroup: Pick<elbv2.ApplicationTargetGroup, 'targetGroupFullName'>,
  metricName: 'HealthyHostCount' | 'UnHealthyHostCount',
  options: cloudwatch.MetricOptions,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/ApplicationELB',
    metricName,
    dimensionsMap: { LoadBalancer: alb.loadBalancerFullName, TargetGroup: targetGroup.targetGroupFullName },
    ...options,
  });
}

export interface MonitoringDashboardProps {
  readonly dashboardName: string;
  readonly alb: elbv2.ApplicationLoadBalancer;
  /** The load balancer's target groups, by service. */
  readonly targetGroups: { readonly web: elbv2.ApplicationTargetGroup; readonly api: elbv2.ApplicationTargetGroup };
  /** The port of each service behind the load balancer, in the healthy-target labels. */
  readonly ports: { readonly web: number; readonly api: number };
  readonly appServices: readonly { readonly name: string; readonly app: FargateAppService }[];
  readonly database: PostgresDatabase;
  /** Whether the database is Aurora (its metrics and units differ from RDS for PostgreSQL's). */
  readonly aurora: boolean;
  /** The database instances, writer first, with their labels. */
  readonly instances: readonly { readonly label: string; readonly id: string }[];
  readonly jobQueue: RedisJobQueue;
  readonly demoFiles: DemoFileSystem;
  readonly job: PartitionMaintenanceJob;
}

/**
 * The on-call dashboard, laid out by tier as the original HAProxy and PgBouncer stats pages were:
 * load balancer, services, database and proxy, Redis, demo files, partition maintenance. Every graph
 * says its unit.
 */
export class MonitoringDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringDashboardProps) {
    super(scope, id);
    // 'Default': the dashboard keeps the logical id it had as the stack's child (its name is fixed,
    // and a dashboard under a new id would be created before the old one is deleted).
    this.dashboard = new cloudwatch.Dashboard(this, 'Default', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(6),
    });
    this.addLoadBalancerRows(props);
    this.addServiceRows(props);
    this.addDatabaseRows(props);
    this.addRedisRows(props);
    this.addDemoFilesRows(props);
    this.addMaintenanceRows(props);
  }

  private addLoadBalancerRows(props: MonitoringDashboardProps): void {
    const { alb, targetGroups, ports } = props;
    const requests = alb.metrics.requestCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    this.dashboard.addWidgets(header('Load balancer'));
    this.dashboard.addWidgets(
      graph('Requests', 'requests / 5 min', [requests], 6),
      graph(
        '4xx and 5xx',
        'responses / 5 min',
        [
          alb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_4XX_COUNT, { period: FIVE_MINUTES, statistic: 'Sum', label: 'ELB 4xx' }),
          alb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: FIVE_MINUTES, statistic: 'Sum', label: 'ELB 5xx' }),
          alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, {
            period: FIVE_MINUTES,
            statistic: 'Sum',
            label: 'target 4xx',
          }),
          alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
            period: FIVE_MINUTES,
            statistic: 'Sum',
            label: 'target 5xx',
          }),
        ],
        6,
      ),
      graph(
        'Target response time',
        'seconds',
        [
          alb.metrics.targetResponseTime({ statistic: 'p50', label: 'p50' }),
          alb.metrics.targetResponseTime({ statistic: 'p99', label: 'p99' }),
        ],
        6,
      ),
      // Labelled with the port, which replaces a target group: the dashboard changes with it (see the alarms).
      graph(
        'Healthy targets',
        'tasks',
        Object.entries(targetGroups).map(([name, group]) =>
          targetGroupHostCount(alb, group, 'HealthyHostCount', {
            statistic: 'Minimum',
            label: `${name} (port ${ports[name as 'web' | 'api']})`,
          }),
        ),
        6,
      ),
    );
  }

  private addServiceRows(props: MonitoringDashboardProps): void {
    const { appServices } = props;
    this.dashboard.addWidgets(header('Services (ECS)'));
    this.dashboard.addWidgets(
      ...appServices.map(({ name, app }) =>
        graph(`${name}: CPU and memory`, 'percent', [
          app.service.metricCpuUtilization({ label: 'CPU' }),
          app.service.metricMemoryUtilization({ label: 'memory' }),
        ]),
      ),
    );
    this.dashboard.addWidgets(
      ...appServices.map(({ name, app }) =>
        graph(`${name}: running vs desired`, 'tasks', [
          app.metricContainerInsights('RunningTaskCount'),
          app.metricContainerInsights('DesiredTaskCount'),
        ]),
      ),
    );
  }

  private addDatabaseRows(props: MonitoringDashboardProps): void {
    const { database, aurora, instances } = props;
    const instanceMetric = (metricName: string, instanceId: string, label?: string, statistic = 'Average') =>
      database.metricInstance(metricName, instanceId, { label, statistic });
    const proxyMetric = (metricName: string, statistic = 'Average') => database.metricProxy(metricName, statistic);
    /** One line per database instance, a quarter of the row wide. */
    const perInstance = (title: string, unit: string, metricName: string) =>
      graph(
        title,
        unit,
        instances.map((i) => instanceMetric(metricName, i.id, i.label)),
        6,
      );
    // Naming the database changes the dashboard when a restore replaces it, so that its graphs read the
    // new instances' names (a cross-stack reference is resolved only when the dashboard is updated).
    this.dashboard.addWidgets(header(`Database ${database.identifier} (${aurora ? 'Aurora' : 'RDS'} PostgreSQL) and RDS Proxy`));
    this.dashboard.addWidgets(
      perInstance('CPU', 'percent', 'CPUUtilization'),
      perInstance('Freeable memory', 'bytes', 'FreeableMemory'),
      perInstance('Connections', 'connections', 'DatabaseConnections'),
      perInstance(aurora ? 'Free local storage' : 'Free storage', 'bytes', database.freeStorageMetricName),
    );
    this.dashboard.addWidgets(
      perInstance('Read latency', 'seconds', 'ReadLatency'),
      perInstance('Write latency', 'seconds', 'WriteLatency'),
      graph(
        'Replica lag',
        aurora ? 'milliseconds' : 'seconds',
        instances.slice(1).map((i) => instanceMetric(aurora ? 'AuroraReplicaLag' : 'ReplicaLag', i.id, i.label)),
        6,
      ),
      graph(
        'Proxy connections',
        'connections',
        [
          proxyMetric('ClientConnections'),
          proxyMetric('DatabaseConnections'),
          proxyMetric('DatabaseConnectionsCurrentlySessionPinned', 'Maximum'),
        ],
        6,
      ),
    );
    this.dashboard.addWidgets(graph('Proxy query latency', 'seconds', [proxyMetric('QueryDatabaseResponseLatency')], 6));
  }

  private addRedisRows(props: MonitoringDashboardProps): void {
    const { jobQueue } = props;
    const cacheMetric = (metricName: string, member: string, statistic = 'Average', label?: string) =>
      jobQueue.metricNode(metricName, member, { statistic, label });
    this.dashboard.addWidgets(header('Redis job queue'));
    this.dashboard.addWidgets(
      graph(
        'Engine CPU',
        'percent',
        jobQueue.memberClusterIds.map((m) => cacheMetric('EngineCPUUtilization', m, 'Average', m)),
        6,
      ),
      graph(
        'Memory used',
        'percent',
        jobQueue.memberClusterIds.map((m) => cacheMetric('DatabaseMemoryUsagePercentage', m, 'Average', m)),
        6,
      ),
      graph(
        'Evictions and connections',
        'count',
        jobQueue.memberClusterIds.flatMap((m) => [
          cacheMetric('Evictions', m, 'Sum', `${m} evictions`),
          cacheMetric('CurrConnections', m, 'Average', `${m} connections`),
        ]),
        6,
      ),
      graph(
        'Replication lag',
        'seconds',
        jobQueue.memberClusterIds.slice(1).map((m) => cacheMetric('ReplicationLag', m, 'Average', m)),
        6,
      ),
    );
  }

  private addDemoFilesRows(props: MonitoringDashboardProps): void {
    const { demoFiles } = props;
    this.dashboard.addWidgets(header('Demo files (EFS)'));
    const efsMetric = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/EFS',
        metricName,
        dimensionsMap: { FileSystemId: demoFiles.fileSystem.fileSystemId },
        statistic,
        period: ONE_MINUTE,
        label,
      });
    this.dashboard.addWidgets(
      graph(
        'Throughput',
        'bytes / minute',
        [efsMetric('DataReadIOBytes', 'Sum', 'read'), efsMetric('DataWriteIOBytes', 'Sum', 'write')],
        12,
      ),
      graph('Client connections', 'connections', [efsMetric('ClientConnections', 'Sum', 'clients')], 12),
    );
  }

  private addMaintenanceRows(props: MonitoringDashboardProps): void {
    const { job } = props;
    this.dashboard.addWidgets(header('Partition maintenance'));
    const daily = { period: Duration.days(1) };
    this.dashboard.addWidgets(
      graph(
        'Months ahead',
        'months',
        job.tables.map((table) => job.metric('MonthsAhead', { table, statistic: 'Minimum', ...daily })),
      ),
      graph('Successful passes', 'passes / day', [job.metric('Succeeded', { statistic: 'Sum', ...daily })]),
      graph('Duration', 'milliseconds', [job.metric('DurationMs', { statistic: 'Maximum', ...daily })]),
    );
    this.dashboard.addWidgets(
      graph(
        'Lock retries',
        'retries / day',
        job.tables.map((table) => job.metric('LockRetries', { table, statistic: 'Sum', ...daily })),
      ),
      graph(
        'Errors',
        'errors / day',
        job.tables.map((table) => job.metric('Errors', { table, statistic: 'Sum', ...daily })),
      ),
      graph(
        'Created and retired',
        'partitions / day',
        job.tables.flatMap((table) => [
          job.metric('PartitionsCreated', { table, statistic: 'Sum', ...daily }),
          job.metric('PartitionsRetired', { table, statistic: 'Sum', ...daily }),
        ]),
      ),
    );
  }
}

/** A graph that says its unit on its axis. */
function graph(title: string, unit: string, metrics: cloudwatch.IMetric[], width = 8): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left: metrics, leftYAxis: { label: unit, showUnits: false }, width, height: 6 });
}

/** A tier's heading, the full width of the dashboard. */
function header(text: string): cloudwatch.TextWidget {
  return new cloudwatch.TextWidget({ markdown: `## ${text}`, width: 24, height: 1 });
}
