/**
 * Deploys over a scaled environment: CloudFormation sets an ECS service's DesiredCount on every update
 * of the service, a new image included, undoing what autoscaling and the run-hours schedule set
 * (aws/aws-cdk#3919, cloudformation-coverage-roadmap#187); without it, an update keeps the running
 * count (AWS::ECS::Service, DesiredCount). A scalable target that the deploy itself changes is
 * registered again, which brings the count into its new range (RegisterScalableTarget).
 */
import { cronTimes } from './schedules';
import { TemplateModel, type Json, type ModelResource } from './template-model';

export interface DeployedCount {
  readonly service: ModelResource;
  /** The moment: at peak (the scalable target's maximum), or stopped by a scheduled action. */
  readonly when: string;
  readonly running: number;
}

/** The counts each service may run at between deploys: its maximum, and zero where a schedule stops it. */
export function countsBetweenDeploys(model: TemplateModel): DeployedCount[] {
  const counts: DeployedCount[] = [];
  for (const service of model.resources('AWS::ECS::Service')) {
    const name = model.physicalName(service);
    const target = model
      .resources('AWS::ApplicationAutoScaling::ScalableTarget')
      .find((candidate) => String(model.resolve(candidate.stack, candidate.properties.ResourceId)).endsWith(`/${name}`));
    if (!target) continue;
    counts.push({ service, when: 'at peak', running: Number(target.properties.MaxCapacity) });
    const stop = (target.properties.ScheduledActions ?? []).find((action: Json) => action.ScalableTargetAction?.MaxCapacity === 0);
    if (stop)
      counts.push({
        service,
        when: `stopped by ${stop.ScheduledActionName} (${cronTimes(stop.Schedule).length} times a week)`,
        running: 0,
      });
  }
  return counts;
}

/**
 * What a deploy that updates every service (a new image for each, say) and changes none of their
 * scalable targets leaves running, against what ran before: a violation for every count it changes.
 */
export function deployCountViolations(model: TemplateModel): string[] {
  return countsBetweenDeploys(model).flatMap(({ service, when, running }) => {
    const desired = service.properties.DesiredCount;
    const after = desired === undefined ? running : Number(model.resolve(service.stack, desired));
    if (after === running) return [];
    return [`${TemplateModel.describe(service)}: a deploy ${when} (${running} tasks) sets ${after} (its DesiredCount)`];
  });
}
