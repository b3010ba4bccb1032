import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { alarmNamePrefix, clusterName, ecsServiceName, OPERATOR_OUTPUTS, STACK_IDS, stackName } from '../../lib/config/names';
import { SCHEDULED_START_MINUTES } from '../../lib/config/schedule';
import type { EnvironmentConfig } from '../../lib/config/schema';
import { DEPLOY_TIME_TASK_RESOURCE_TYPE } from '../../lib/constructs/deploy-time-task';
import { MAINTENANCE_METRICS_NAMESPACE, type MaintenanceMetric } from '../../lib/contract';

/**
 * What a deployed environment must show after a deploy (README, First deploy): every stack deployed
 * (no rollback, so the migrations and the conversion succeeded), the URL answering, both target
 * groups healthy, a maintenance pass succeeded within a day, and no alarm of the environment in
 * ALARM. Outside dev's run hours, the stopped services are expected: no target, a 503.
 */

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface VerifyDependencies {
  readonly cloudformation: Pick<CloudFormationClient, 'send'>;
  readonly ecs: Pick<ECSClient, 'send'>;
  readonly elbv2: Pick<ElasticLoadBalancingV2Client, 'send'>;
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  /** An HTTP GET; its status. */
  readonly get: (url: string) => Promise<number>;
  readonly now?: Date;
}

/**
 * Whether the services should be serving at `now` (always, without run hours): inside the run hours
 * and past the minutes a scheduled start takes (SCHEDULED_START_MINUTES), as the alarms count it.
 */
export function withinRunHours(config: Pick<EnvironmentConfig, 'services'>, now: Date): boolean {
  const hours = config.services.runHours;
  if (!hours) return true;
  const day = now.getUTCDay();
  if (hours.weekdaysOnly && (day === 0 || day === 6)) return false;
  const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
  return minute >= hours.startHourUtc * 60 + SCHEDULED_START_MINUTES && minute < hours.stopHourUtc * 60;
}

const HEALTHY_STACK = /^(CREATE|UPDATE|IMPORT)_COMPLETE$/;

/** CloudFormation's answer for a stack that does not exist; any other error (access, throttling) is not one. */
function notDeployed(error: Error): boolean {
  return error.name === 'ValidationError' && /does not exist/.test(error.message);
}

async function stacksCheck(config: EnvironmentConfig, deps: VerifyDependencies): Promise<{ check: Check; outputs: Map<string, string> }> {
  const outputs = new Map<string, string>();
  const problems: string[] = [];
  for (const id of STACK_IDS) {
    const name = stackName(config.envName, id);
    const stack = await deps.cloudformation
      .send(new DescribeStacksCommand({ StackName: name }))
      .then(({ Stacks }) => Stacks?.[0])
      .catch((error: Error) => (notDeployed(error) ? undefined : Promise.reject(error)));
    if (!stack) {
      problems.push(`${name} is not deployed`);
      continue;
    }
    if (!HEALTHY_STACK.test(stack.StackStatus ?? '')) {
      problems.push(
        /ROLLBACK/.test(stack.StackStatus ?? '')
          ? `${name} is ${stack.StackStatus}: its last deploy failed (a migration, the conversion or a service) and was rolled back; its events say why`
          : `${name} is ${stack.StackStatus}`,
      );
    }
    for (const output of stack.Outputs ?? []) outputs.set(`${id}/${output.OutputKey}`, output.OutputValue ?? '');
  }
  return {
    check: {
      name: 'stacks',
      ok: problems.length === 0,
      detail: problems.join('; ') || `all ${STACK_IDS.length} deployed, none rolled back`,
    },
    outputs,
  };
}

async function migrationsCheck(config: EnvironmentConfig, deps: VerifyDependencies): Promise<Check> {
  if (!config.migrations.enabled) return { name: 'migrations', ok: true, detail: 'off (migrations.enabled): run npm run migrate yourself' };
  const { StackResources = [] } = await deps.cloudformation
    .send(new DescribeStackResourcesCommand({ StackName: stackName(config.envName, 'Services') }))
    .catch((error: Error) => (notDeployed(error) ? { StackResources: [] } : Promise.reject(error)));
  const run = StackResources.find((resource) => resource.ResourceType === DEPLOY_TIME_TASK_RESOURCE_TYPE);
  if (!run) return { name: 'migrations', ok: false, detail: 'the services stack has no migration run: deploy it' };
  const ok = /_COMPLETE$/.test(run.ResourceStatus ?? '') && !/ROLLBACK/.test(run.ResourceStatus ?? '');
  return {
    name: 'migrations',
    ok,
    detail: ok
      ? `last run ${run.ResourceStatus} at ${run.Timestamp?.toISOString() ?? 'an unknown time'}`
      : `last run ${run.ResourceStatus}: ${run.ResourceStatusReason ?? 'see the stack events'}`,
  };
}

async function urlCheck(url: string | undefined, running: boolean, deps: VerifyDependencies): Promise<Check> {
  if (!url) return { name: 'url', ok: false, detail: 'no Url output' };
  let status: number;
  try {
    status = await deps.get(url);
  } catch (error) {
    return { name: 'url', ok: false, detail: `${url} did not answer (${(error as Error).message})` };
  }
  // Stopped by the run hours, the load balancer answers 503 (no target); a 502 or 504 is a service that runs and fails.
  if (!running) {
    const ok = status < 500 || status === 503;
    return { name: 'url', ok, detail: `${url} answered ${status}${ok ? '; the services are stopped or starting by the run hours' : ''}` };
  }
  return { name: 'url', ok: status < 500, detail: `${url} answered ${status}` };
}

async function targetsCheck(config: EnvironmentConfig, running: boolean, deps: VerifyDependencies): Promise<Check> {
  const names = ['web', 'api'].map((service) => ecsServiceName(config.envName, service));
  const { services = [] } = await deps.ecs.send(new DescribeServicesCommand({ cluster: clusterName(config.envName), services: names }));
  const problems: string[] = [];
  const seen: string[] = [];
  for (const service of services) {
    for (const balancer of service.loadBalancers ?? []) {
      const { TargetHealthDescriptions = [] } = await deps.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: balancer.targetGroupArn }),
      );
      const healthy = TargetHealthDescriptions.filter((target) => target.TargetHealth?.State === 'healthy').length;
      const unhealthy = TargetHealthDescriptions.filter((target) => target.TargetHealth?.State === 'unhealthy').length;
      seen.push(`${service.serviceName}: ${healthy} healthy of ${TargetHealthDescriptions.length}`);
      // Stopped or still starting by the run hours: no target to ask for yet.
      if (!running) continue;
      if (healthy === 0 || unhealthy > 0) problems.push(`${service.serviceName}: ${healthy} healthy, ${unhealthy} unhealthy`);
    }
  }
  if (services.length < names.length) problems.push(`the cluster has ${services.length} of ${names.join(', ')}`);
  return {
    name: 'targets',
    ok: problems.length === 0,
    detail: problems.join('; ') || `${seen.join('; ')}${running ? '' : ' (stopped or starting by the run hours)'}`,
  };
}

async function maintenanceCheck(config: EnvironmentConfig, deps: VerifyDependencies, now: Date): Promise<Check> {
  // A pass that ran publishes Succeeded (1 or 0: a failure, or a pass that found another holding the
  // lock, which also says Skipped); one that could not reach the database publishes Skipped only.
  // In two-minute steps over 26 hours, the newest step with a pass that was not skipped decides: a
  // failure that Lambda's retry turned into a success a few minutes later counts as a success.
  const series = (metricName: MaintenanceMetric) =>
    deps.cloudwatch
      .send(
        new GetMetricStatisticsCommand({
          Namespace: MAINTENANCE_METRICS_NAMESPACE,
          MetricName: metricName,
          Dimensions: [{ Name: 'Environment', Value: config.envName }],
          StartTime: new Date(now.getTime() - 26 * 3_600_000),
          EndTime: now,
          Period: 120,
          Statistics: ['Maximum'],
        }),
      )
      .then(({ Datapoints = [] }) => Datapoints);
  const [succeeded, skipped] = await Promise.all([series('Succeeded'), series('Skipped')]);
  const skippedAt = new Set(skipped.filter((point) => point.Maximum === 1).map((point) => point.Timestamp?.getTime()));
  const latest = succeeded
    .filter((point) => point.Maximum === 1 || !skippedAt.has(point.Timestamp?.getTime()))
    .sort((a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0))[0];
  if (!latest) {
    return {
      name: 'maintenance',
      ok: false,
      detail: 'no pass ran in the last 26 hours: see the maintenance function log (docs/operations.md)',
    };
  }
  const at = latest.Timestamp?.toISOString().slice(0, 16) ?? 'an unknown time';
  return latest.Maximum === 1
    ? { name: 'maintenance', ok: true, detail: `the last pass (${at}) succeeded` }
    : { name: 'maintenance', ok: false, detail: `the last pass (${at}) failed: see the maintenance function log (docs/operations.md)` };
}

/** The alarms a stopped service raises by design: outside the run hours, the services' own. */
const SERVICE_ALARM = /-(web|api|parser)-|-load-balancer-5xx$/i;

async function alarmsCheck(config: EnvironmentConfig, running: boolean, deps: VerifyDependencies): Promise<Check> {
  const prefix = alarmNamePrefix(config.envName);
  const { MetricAlarms = [] } = await deps.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, StateValue: 'ALARM' }));
  const names = MetricAlarms.map((alarm) => alarm.AlarmName ?? '');
  const explained = running ? [] : names.filter((name) => SERVICE_ALARM.test(name));
  const unexplained = names.filter((name) => !explained.includes(name));
  return {
    name: 'alarms',
    ok: unexplained.length === 0,
    detail:
      unexplained.length > 0
        ? `in ALARM: ${unexplained.join(', ')}`
        : explained.length > 0
          ? `in ALARM only what the run hours explain (services stopped): ${explained.join(', ')}`
          : `none of ${prefix}* in ALARM`,
  };
}

/** Every check, in order; each says what it found. */
export async function verifyEnvironment(config: EnvironmentConfig, deps: VerifyDependencies): Promise<Check[]> {
  const now = deps.now ?? new Date();
  const running = withinRunHours(config, now);
  const { check: stacks, outputs } = await stacksCheck(config, deps);
  const url = outputs.get(`${OPERATOR_OUTPUTS.url.stack}/${OPERATOR_OUTPUTS.url.name}`);
  return [
    stacks,
    await migrationsCheck(config, deps),
    await urlCheck(url, running, deps),
    await targetsCheck(config, running, deps),
    await maintenanceCheck(config, deps, now),
    await alarmsCheck(config, running, deps),
  ];
}

/** One line per check, then the verdict. */
export function formatChecks(envName: string, checks: readonly Check[]): string {
  const failed = checks.filter((check) => !check.ok);
  return [
    ...checks.map((check) => `${check.ok ? 'ok  ' : 'FAIL'} ${check.name.padEnd(11)} ${check.detail}`),
    failed.length === 0
      ? `verify ${envName}: ok (${checks.length} checks)`
      : `verify ${envName}: ${failed.length} of ${checks.length} checks failed (${failed.map((check) => check.name).join(', ')})`,
  ].join('\n');
}
