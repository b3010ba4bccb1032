/**
 * What a deployed environment does by itself, week after week, read from its templates: scheduled
 * scaling (run hours), scheduled functions (partition maintenance), rotations and the refresh that
 * follows each, and the windows in which AWS backs up or maintains the database and the cache. Two
 * checks come out of it:
 *
 * - every scheduled job stays out of the windows in which what it needs is unavailable (a
 *   maintenance restart of the database it connects to; a snapshot or maintenance of the replication
 *   group it modifies), since its failure would page through its error alarm;
 * - no alarm goes to ALARM because the environment scales itself down or up on schedule.
 *
 * Times are minutes from Monday 00:00 UTC. A rotation's day moves through the week (rate(N days)), so
 * its window is taken on every day.
 */
import { parseExpression, type Value } from './metric-math';
import { TemplateModel, type Json, type ModelResource } from './template-model';

const DAY = 1440;
const WEEK = 7 * DAY;
const DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

/** A span of minutes within the week; `end` may pass the week's end (it wraps). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * The times a cron expression fires within a week. EventBridge, AWS Backup and Application Auto
 * Scaling all read `cron(minutes hours day-of-month month day-of-week year)`; a day of the month
 * other than `*` or `?` (the 1st) may fall on any day of the week, so it counts as every day.
 */
export function cronTimes(expression: string): number[] {
  const fields = /^cron\((.*)\)$/.exec(expression.trim())?.[1].split(/\s+/);
  if (!fields || fields.length !== 6) throw new Error(`not a cron expression: ${expression}`);
  const [minutes, hours, , , dayOfWeek] = fields;
  const list = (field: string, max: number): number[] =>
    field === '*' ? Array.from({ length: max }, (_, index) => index) : field.split(',').map(Number);
  const days = (() => {
    if (dayOfWeek === '?' || dayOfWeek === '*') return [0, 1, 2, 3, 4, 5, 6];
    return dayOfWeek.split(',').flatMap((part) => {
      const [from, to] = part.split('-').map((day) => {
        const index = DAYS.indexOf(day.toUpperCase());
        if (index < 0) throw new Error(`day of week ${day} is not modelled (${expression})`);
        return index;
      });
      if (to === undefined) return [from];
      return Array.from({ length: to - from + 1 }, (_, offset) => from + offset);
    });
  })();
  return days.flatMap((day) => list(hours, 24).flatMap((hour) => list(minutes, 60).map((minute) => day * DAY + hour * 60 + minute)));
}

/** A daily `hh:mm-hh:mm` window on each day of the week, or a weekly `ddd:hh:mm-ddd:hh:mm` one. */
export function windowSpans(window: string): Span[] {
  const weekly = /^(\w{3}):(\d\d):(\d\d)-(\w{3}):(\d\d):(\d\d)$/.exec(window);
  if (weekly) {
    const at = (day: string, hour: string, minute: string) => DAYS.indexOf(day.toUpperCase()) * DAY + Number(hour) * 60 + Number(minute);
    const start = at(weekly[1], weekly[2], weekly[3]);
    let end = at(weekly[4], weekly[5], weekly[6]);
    if (end <= start) end += WEEK;
    return [{ start, end }];
  }
  const daily = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(window);
  if (!daily) throw new Error(`window ${window} is not modelled`);
  const start = Number(daily[1]) * 60 + Number(daily[2]);
  let end = Number(daily[3]) * 60 + Number(daily[4]);
  if (end <= start) end += DAY;
  return Array.from({ length: 7 }, (_, day) => ({ start: day * DAY + start, end: day * DAY + end }));
}

function overlaps(a: Span, b: Span): boolean {
  // Both may wrap past the week's end: compare them also one week apart.
  return [-WEEK, 0, WEEK].some((shift) => a.start < b.end + shift && b.start + shift < a.end);
}

const clock = (minute: number) => {
  const inWeek = ((minute % WEEK) + WEEK) % WEEK;
  return `${DAYS[Math.floor(inWeek / DAY)]} ${String(Math.floor((inWeek % DAY) / 60)).padStart(2, '0')}:${String(inWeek % 60).padStart(2, '0')}`;
};

// ------------------------------------------------------------------------------------------ jobs

/** A function that runs by itself at known times, and what it needs to succeed. */
export interface Job {
  readonly what: string;
  /** The function's name, as its error alarm names it. */
  readonly functionName: string;
  readonly spans: readonly Span[];
}

/** A time in which something a job may need is unavailable. */
export interface Unavailability {
  readonly what: string;
  readonly spans: readonly Span[];
  /** Whom it stops: jobs that connect to this database, or that modify this replication group. */
  readonly stops: { readonly connectsTo?: ModelResource; readonly modifies?: ModelResource };
}

function functionOf(model: TemplateModel, stackResource: ModelResource, value: Json): ModelResource | undefined {
  return model.referencesIn(stackResource.stack, value).find((reference) => reference.target.type === 'AWS::Lambda::Function')?.target;
}

function timeoutMinutes(fn: ModelResource): number {
  return Math.ceil(Number(fn.properties.Timeout ?? 3) / 60);
}

/** The scheduled functions: EventBridge schedules, and rotations with the refresh that follows each. */
export function scheduledJobs(model: TemplateModel): Job[] {
  const jobs: Job[] = [];
  for (const rule of model.resources('AWS::Events::Rule')) {
    const expression = rule.properties.ScheduleExpression;
    if (typeof expression !== 'string' || !expression.startsWith('cron(')) continue;
    for (const target of rule.properties.Targets ?? []) {
      const fn = functionOf(model, rule, target.Arn);
      if (!fn) continue;
      const minutes = timeoutMinutes(fn);
      jobs.push({
        what: `${TemplateModel.describe(fn)} on ${expression}`,
        functionName: model.physicalName(fn),
        spans: cronTimes(expression).map((start) => ({ start, end: start + minutes })),
      });
    }
  }
  // The refresh that follows a rotation: the functions that the rules on Secrets Manager's events invoke.
  const refreshFunctions = new Set(
    model
      .resources('AWS::Events::Rule')
      .filter((rule) => JSON.stringify(rule.properties.EventPattern ?? {}).includes('aws.secretsmanager'))
      .flatMap((rule) => (rule.properties.Targets ?? []).map((target: Json) => functionOf(model, rule, target.Arn)))
      .filter((fn): fn is ModelResource => fn !== undefined),
  );
  for (const schedule of model.resources('AWS::SecretsManager::RotationSchedule')) {
    const rules = model.resolve(schedule.stack, schedule.properties.RotationRules ?? {});
    const expression = String(rules.ScheduleExpression ?? `rate(${rules.AutomaticallyAfterDays} days)`);
    if (!/^rate\(\d+ days?\)$/.test(expression)) throw new Error(`rotation schedule ${expression} is not modelled`);
    // A rate() window starts at midnight UTC and, without a Duration, lasts the whole day.
    const hours = rules.Duration ? Number(/^(\d+)h$/.exec(String(rules.Duration))![1]) : 24;
    const window = (extra: number) => Array.from({ length: 7 }, (_, day) => ({ start: day * DAY, end: day * DAY + hours * 60 + extra }));
    const hosted = schedule.properties.HostedRotationLambda;
    const fn = hosted ? undefined : functionOf(model, schedule, schedule.properties.RotationLambdaARN);
    const functionName = hosted ? String(model.resolve(schedule.stack, hosted.RotationLambdaName)) : model.physicalName(fn!);
    // A rotation runs its four steps within minutes of its start; the refresh follows it.
    jobs.push({
      what: `rotation by ${functionName} (${expression}, ${hours} h window)`,
      functionName,
      spans: window(fn ? timeoutMinutes(fn) : 15),
    });
    for (const refresh of refreshFunctions) {
      jobs.push({
        what: `${TemplateModel.describe(refresh)} after the rotation by ${functionName}`,
        functionName: model.physicalName(refresh),
        spans: window(30 + timeoutMinutes(refresh)),
      });
    }
  }
  return jobs;
}

/** The security groups a function runs with, or a hosted rotation's. */
function functionGroups(model: TemplateModel, job: Job): string[] {
  for (const fn of model.resources('AWS::Lambda::Function')) {
    if (model.physicalName(fn) === job.functionName)
      return [model.resolve(fn.stack, fn.properties.VpcConfig?.SecurityGroupIds ?? [])].flat();
  }
  for (const schedule of model.resources('AWS::SecretsManager::RotationSchedule')) {
    const hosted = schedule.properties.HostedRotationLambda;
    if (hosted && model.resolve(schedule.stack, hosted.RotationLambdaName) === job.functionName)
      return String(model.resolve(schedule.stack, hosted.VpcSecurityGroupIds ?? ''))
        .split(',')
        .filter(Boolean);
  }
  return [];
}

/** Whether a job's function connects to a database: the database's security group admits the function's. */
function connects(model: TemplateModel, job: Job, database: ModelResource): boolean {
  const own = new Set(functionGroups(model, job));
  const databaseGroups = new Set<string>(
    [model.resolve(database.stack, database.properties.VpcSecurityGroupIds ?? database.properties.VPCSecurityGroups ?? [])].flat(),
  );
  const admitted = model.resources('AWS::EC2::SecurityGroupIngress').some((rule) => {
    const to = model.resolve(rule.stack, rule.properties.GroupId);
    const from = model.resolve(rule.stack, rule.properties.SourceSecurityGroupId ?? null);
    return databaseGroups.has(to) && own.has(from);
  });
  const inline = model
    .resources('AWS::EC2::SecurityGroup')
    .some(
      (group) =>
        databaseGroups.has(model.attribute(group, 'GroupId')) &&
        (group.properties.SecurityGroupIngress ?? []).some((rule: Json) =>
          own.has(model.resolve(group.stack, rule.SourceSecurityGroupId ?? null)),
        ),
    );
  return admitted || inline;
}

/** Whether a job's function may modify a replication group: its role allows ModifyReplicationGroup on it. */
function modifies(model: TemplateModel, job: Job, group: ModelResource): boolean {
  const fn = model.resources('AWS::Lambda::Function').find((candidate) => model.physicalName(candidate) === job.functionName);
  if (!fn) return false;
  const role = model.referenceOf(fn.stack, fn.properties.Role)?.target;
  if (!role) return false;
  const groupArn = `arn:${model.partition}:elasticache:${model.region}:${model.account}:replicationgroup:${model.physicalName(group)}`;
  const documents = [
    ...(role.properties.Policies ?? []).map((policy: Json) => policy.PolicyDocument),
    ...model
      .resources('AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy')
      .filter((policy) =>
        [...(policy.properties.Roles ?? []), ...(role.properties.ManagedPolicyArns ?? [])].some(
          (entry: Json) =>
            model.referenceOf(policy.stack, entry)?.target === role || model.referenceOf(role.stack, entry)?.target === policy,
        ),
      )
      .map((policy) => policy.properties.PolicyDocument),
  ];
  return documents.some((document) =>
    [document?.Statement ?? []].flat().some((statement: Json) => {
      const actions = [statement.Action].flat();
      const resources = [model.resolve(role.stack, statement.Resource)].flat();
      return statement.Effect === 'Allow' && actions.includes('elasticache:ModifyReplicationGroup') && resources.includes(groupArn);
    }),
  );
}

/** When the database may restart (maintenance) and the replication group refuses changes (snapshot, maintenance). */
export function unavailabilities(model: TemplateModel): Unavailability[] {
  const found: Unavailability[] = [];
  for (const database of model.resources('AWS::RDS::DBCluster', 'AWS::RDS::DBInstance')) {
    // An Aurora instance is reached through its cluster's security groups.
    const cluster = database.properties.DBClusterIdentifier
      ? model
          .resources('AWS::RDS::DBCluster')
          .find((candidate) => model.referenceOf(database.stack, database.properties.DBClusterIdentifier)?.target === candidate)
      : undefined;
    const window = database.properties.PreferredMaintenanceWindow;
    found.push({
      what: window
        ? `the maintenance window of ${TemplateModel.describe(database)} (${window}: RDS may restart it)`
        : `the maintenance window of ${TemplateModel.describe(database)}, which RDS picks at random (none in the template)`,
      spans: window ? windowSpans(window) : [{ start: 0, end: WEEK }],
      stops: { connectsTo: cluster ?? database },
    });
  }
  for (const group of model.resources('AWS::ElastiCache::ReplicationGroup')) {
    for (const [property, meaning] of [
      ['SnapshotWindow', 'a snapshot: ElastiCache accepts no change of the group meanwhile'],
      ['PreferredMaintenanceWindow', 'maintenance: the group may be modifying'],
    ] as const) {
      const window = group.properties[property];
      if (window)
        found.push({
          what: `the ${property} of ${TemplateModel.describe(group)} (${window}, ${meaning})`,
          spans: windowSpans(window),
          stops: { modifies: group },
        });
    }
  }
  return found;
}

/** Jobs that may run while something they need is unavailable: each such run fails and pages. */
export function jobWindowViolations(model: TemplateModel): string[] {
  const violations: string[] = [];
  const blocked = unavailabilities(model);
  for (const job of scheduledJobs(model)) {
    for (const unavailable of blocked) {
      const needs =
        (unavailable.stops.connectsTo && connects(model, job, unavailable.stops.connectsTo)) ||
        (unavailable.stops.modifies && modifies(model, job, unavailable.stops.modifies));
      if (!needs) continue;
      const clash = job.spans.find((span) => unavailable.spans.some((other) => overlaps(span, other)));
      if (clash)
        violations.push(
          `${job.what} may run at ${clash.start === clash.end ? clock(clash.start) : `${clock(clash.start)}-${clock(clash.end)}`}, in ${unavailable.what}`,
        );
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------- scaling and alarms

/** Assumptions about what AWS takes time for, where no template says it. */
export const TASK_START = {
  /** Placing a Fargate task and pulling its image, before its containers run. */
  placementMinutes: 2,
} as const;

interface ScheduledService {
  readonly service: ModelResource;
  readonly name: string;
  readonly cluster: string;
  readonly targetGroups: readonly ModelResource[];
  /** When a started task runs, and when it is healthy behind the load balancer (minutes after the start). */
  readonly runsAfter: number;
  readonly healthyAfter: number;
  /** Desired tasks, minute by minute over two weeks (the second is the one evaluated). */
  readonly desired: readonly number[];
}

/** The services whose scalable target has scheduled actions, with their desired count over two weeks. */
function scheduledServices(model: TemplateModel): ScheduledService[] {
  const services: ScheduledService[] = [];
  for (const target of model.resources('AWS::ApplicationAutoScaling::ScalableTarget')) {
    const actions: Json[] = target.properties.ScheduledActions ?? [];
    if (actions.length === 0) continue;
    const resourceId = String(model.resolve(target.stack, target.properties.ResourceId));
    const [, cluster, serviceName] = resourceId.split('/');
    const service = model.resources('AWS::ECS::Service').find((candidate) => model.physicalName(candidate) === serviceName);
    if (!service) continue;
    const events = actions
      .flatMap((action) =>
        cronTimes(action.Schedule).map((time) => ({
          time,
          min: action.ScalableTargetAction.MinCapacity,
          max: action.ScalableTargetAction.MaxCapacity,
        })),
      )
      .sort((a, b) => a.time - b.time);
    const desired: number[] = [];
    // What a deploy registers, until the first action: the template's range, at its minimum.
    let count = Number(target.properties.MinCapacity);
    for (let minute = 0; minute < 2 * WEEK; minute++) {
      for (const event of events) if (event.time === minute % WEEK) count = Math.min(Math.max(count, event.min ?? 0), event.max ?? count);
      desired.push(count);
    }
    const targetGroups: ModelResource[] = (service.properties.LoadBalancers ?? [])
      .map((entry: Json) => model.referenceOf(service.stack, entry.TargetGroupArn)?.target)
      .filter((group: ModelResource | undefined): group is ModelResource => group !== undefined);
    const definition = model.referenceOf(service.stack, service.properties.TaskDefinition)?.target;
    const startPeriod = Math.max(
      0,
      ...((definition?.properties.ContainerDefinitions ?? []) as Json[]).map((container) =>
        Number(container.HealthCheck?.StartPeriod ?? 0),
      ),
    );
    const registration = Math.max(
      0,
      ...targetGroups.map(
        (group: ModelResource) =>
          Number(group.properties.HealthCheckIntervalSeconds ?? 30) * Number(group.properties.HealthyThresholdCount ?? 5),
      ),
    );
    services.push({
      service,
      name: serviceName,
      cluster,
      targetGroups,
      runsAfter: TASK_START.placementMinutes,
      healthyAfter: TASK_START.placementMinutes + Math.ceil((startPeriod + registration) / 60),
      desired,
    });
  }
  return services;
}

/** Which unknown of AWS's behaviour the metrics follow: each alarm must hold under every one. */
export interface Hypothesis {
  /** Container Insights reports 0 for a service without tasks (else nothing). */
  readonly insightsReportsZero: boolean;
  /** FILL yields its value when every metric of the expression is missing (else no datapoint). */
  readonly fillsAll: boolean;
}
export const HYPOTHESES: readonly Hypothesis[] = [
  { insightsReportsZero: true, fillsAll: true },
  { insightsReportsZero: true, fillsAll: false },
  { insightsReportsZero: false, fillsAll: true },
  { insightsReportsZero: false, fillsAll: false },
];

/** Requests a minute that reach the load balancer whatever the hour (crawlers, monitors). */
const BACKGROUND_REQUESTS_PER_MINUTE = 20;

/** A metric's value in one minute, or undefined (no datapoint); `null` for a metric the schedule does not touch. */
type MinuteMetric = (minute: number) => Value;

function metricsOfSchedules(model: TemplateModel, services: readonly ScheduledService[], hypothesis: Hypothesis) {
  const state = (service: ScheduledService, minute: number) => {
    // Tasks follow the desired count: a start runs, then turns healthy, after its delays; a stop is at once.
    const desired = service.desired[minute];
    let running = desired;
    let healthy = desired;
    for (let back = 1; back <= service.healthyAfter && minute - back >= 0; back++) {
      const before = service.desired[minute - back];
      if (before < desired) {
        if (back < service.runsAfter) running = Math.min(running, before);
        healthy = Math.min(healthy, before);
      }
    }
    return { desired, running, healthy };
  };
  const byKey = new Map<string, MinuteMetric>();
  for (const service of services) {
    const dimensions = `ClusterName=${service.cluster},ServiceName=${service.name}`;
    const insight =
      (pick: (s: ReturnType<typeof state>) => number): MinuteMetric =>
      (minute) => {
        const now = state(service, minute);
        return now.desired === 0 && now.running === 0 && !hypothesis.insightsReportsZero ? undefined : pick(now);
      };
    byKey.set(
      `ECS/ContainerInsights DesiredTaskCount ${dimensions}`,
      insight((s) => s.desired),
    );
    byKey.set(
      `ECS/ContainerInsights RunningTaskCount ${dimensions}`,
      insight((s) => s.running),
    );
    for (const group of service.targetGroups) {
      const loadBalancers = model
        .resources('AWS::ElasticLoadBalancingV2::LoadBalancer')
        .map((balancer: ModelResource) => model.attribute(balancer, 'LoadBalancerFullName'));
      for (const balancer of loadBalancers) {
        const key = `LoadBalancer=${balancer},TargetGroup=${model.attribute(group, 'TargetGroupFullName')}`;
        // No target registered: the target group reports nothing.
        byKey.set(`AWS/ApplicationELB HealthyHostCount ${key}`, (minute) =>
          state(service, minute).running === 0 ? undefined : state(service, minute).healthy,
        );
        byKey.set(`AWS/ApplicationELB UnHealthyHostCount ${key}`, (minute) => (state(service, minute).running === 0 ? undefined : 0));
      }
    }
  }
  for (const balancer of model.resources('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const key = `LoadBalancer=${model.attribute(balancer, 'LoadBalancerFullName')}`;
    const behind = services.filter((service) => service.targetGroups.length > 0);
    // A request whose target group has no healthy target gets a 503 from the load balancer itself.
    const failing = (minute: number) => behind.some((service) => state(service, minute).healthy === 0);
    byKey.set(`AWS/ApplicationELB RequestCount ${key}`, () => BACKGROUND_REQUESTS_PER_MINUTE);
    byKey.set(`AWS/ApplicationELB HTTPCode_ELB_5XX_Count ${key}`, (minute) => (failing(minute) ? BACKGROUND_REQUESTS_PER_MINUTE : 0));
    byKey.set(`AWS/ApplicationELB HTTPCode_Target_5XX_Count ${key}`, () => 0);
  }
  return byKey;
}

function metricKey(model: TemplateModel, stack: ModelResource['stack'], metric: Json): string {
  const dimensions = (metric.Dimensions ?? [])
    .map((dimension: Json) => `${dimension.Name}=${model.resolve(stack, dimension.Value)}`)
    .sort()
    .join(',');
  return `${metric.Namespace} ${metric.MetricName} ${dimensions}`;
}

function aggregate(values: Value[], statistic: string): Value {
  const present = values.filter((value): value is number => value !== undefined);
  if (present.length === 0) return undefined;
  switch (statistic) {
    case 'Minimum':
      return Math.min(...present);
    case 'Maximum':
      return Math.max(...present);
    case 'Sum':
      return present.reduce((sum, value) => sum + value, 0);
    case 'Average':
      return present.reduce((sum, value) => sum + value, 0) / present.length;
  }
  throw new Error(`statistic ${statistic} is not modelled`);
}

/**
 * Alarms that a scheduled stop or start drives to ALARM, under any hypothesis: each with the first
 * time it would fire. Only alarms on metrics the schedules move are evaluated (the rest see nothing
 * of the schedules).
 */
export function scheduleAlarmViolations(model: TemplateModel, hypotheses: readonly Hypothesis[] = HYPOTHESES): string[] {
  const services = scheduledServices(model);
  if (services.length === 0) return [];
  const violations: string[] = [];
  for (const hypothesis of hypotheses) {
    const metrics = metricsOfSchedules(model, services, hypothesis);
    for (const alarm of model.resources('AWS::CloudWatch::Alarm')) {
      const properties = alarm.properties;
      const queries: { id: string; key?: string; statistic?: string; period?: number; expression?: string; returns: boolean }[] =
        properties.Metrics
          ? properties.Metrics.map((query: Json) => ({
              id: query.Id,
              key: query.MetricStat ? metricKey(model, alarm.stack, query.MetricStat.Metric) : undefined,
              statistic: query.MetricStat?.Stat,
              period: Number(query.MetricStat?.Period ?? query.Period ?? 60),
              expression: query.Expression,
              returns: query.ReturnData !== false && query.Expression !== undefined,
            }))
          : [
              {
                id: 'm',
                key: metricKey(model, alarm.stack, properties),
                statistic: properties.Statistic,
                period: Number(properties.Period),
                returns: true,
              },
            ];
      const read = queries.filter((query) => query.key !== undefined);
      if (!read.some((query) => metrics.has(query.key!))) continue;
      if (read.some((query) => !metrics.has(query.key!))) {
        // Partly moved by the schedules: the rest of its metrics would need a model too.
        violations.push(`${TemplateModel.describe(alarm)} reads metrics the rehearsal does not model together with scheduled ones`);
        continue;
      }
      const period = Math.max(...read.map((query) => query.period ?? 60)) / 60;
      const result = queries.find((query) => query.returns) ?? queries[0];
      const expression = result.expression ? parseExpression(result.expression) : undefined;
      const datapoint = (end: number): Value => {
        const values = new Map<string, Value>();
        for (const query of read) {
          const minutes = Array.from({ length: (query.period ?? 60) / 60 }, (_, index) => end - (query.period ?? 60) / 60 + index);
          values.set(
            query.id,
            aggregate(
              minutes.map((minute) => metrics.get(query.key!)!(minute)),
              query.statistic!,
            ),
          );
        }
        return expression ? expression.evaluate((id) => values.get(id), hypothesis) : values.get(result.id);
      };
      const threshold = Number(properties.Threshold);
      const breaches = (value: number) =>
        ({
          GreaterThanThreshold: value > threshold,
          GreaterThanOrEqualToThreshold: value >= threshold,
          LessThanThreshold: value < threshold,
          LessThanOrEqualToThreshold: value <= threshold,
        })[properties.ComparisonOperator as string] ?? false;
      const evaluationPeriods = Number(properties.EvaluationPeriods);
      const toAlarm = Number(properties.DatapointsToAlarm ?? evaluationPeriods);
      const missing = properties.TreatMissingData ?? 'missing';
      const recent: ('breach' | 'ok' | 'missing')[] = [];
      // The second week: the first settles whatever state the week started in.
      for (let end = WEEK + period; end <= 2 * WEEK; end += period) {
        const value = datapoint(end);
        recent.push(value === undefined ? 'missing' : breaches(value) ? 'breach' : 'ok');
        if (recent.length > evaluationPeriods) recent.shift();
        if (recent.length < evaluationPeriods) continue;
        const breaching = recent.filter((entry) => entry === 'breach' || (entry === 'missing' && missing === 'breaching')).length;
        if (breaching >= toAlarm && !(missing === 'missing' && recent.every((entry) => entry === 'missing'))) {
          violations.push(
            `${model.physicalName(alarm)} goes to ALARM at ${clock(end)}, after the run-hours schedule ` +
              `(Container Insights ${hypothesis.insightsReportsZero ? 'reports 0' : 'reports nothing'} without tasks; FILL ${hypothesis.fillsAll ? 'fills' : 'yields nothing'} when all is missing)`,
          );
          break;
        }
      }
    }
  }
  return [...new Set(violations)];
}
