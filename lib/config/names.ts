/**
 * Names fixed by this project that people and tools outside the CDK app use: the deploy preflight,
 * operators pushing images. No CDK import, so that scripts can use it without loading the CDK.
 */

export const SERVICE_NAMES = ['web', 'api', 'parser'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The ECR repository of a service's images. */
export function repositoryName(envName: string, service: ServiceName): string {
  return `cs2analytics-${envName}/${service}`;
}

/** The stage of an environment (its construct id) and the stacks' construct ids inside it. */
export const STACK_IDS = ['Network', 'Data', 'Registry', 'Services', 'Maintenance', 'Monitoring'] as const;
export type StackId = (typeof STACK_IDS)[number];

export function stackName(envName: string, id: StackId): string {
  return `Cs2Analytics-${envName}-${id.toLowerCase()}`;
}

/** The maintenance stack's output naming the partition-maintenance function. */
export const PARTITION_MAINTENANCE_FUNCTION_OUTPUT = 'PartitionMaintenanceFunctionName';
