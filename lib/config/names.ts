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

/**
 * The database: the Aurora cluster's identifier, or the RDS primary's (its replicas add `-replica-<n>`);
 * a restored one (database.restore) adds `-r<generation>`, so that CloudFormation can create it
 * while the one it replaces still holds the name before it.
 */
export function databaseIdentifier(envName: string, restoreGeneration?: number): string {
  return restoreGeneration === undefined || restoreGeneration === 1
    ? `cs2analytics-${envName}`
    : `cs2analytics-${envName}-r${restoreGeneration}`;
}

/** RDS Proxy: its name and endpoints stay through restores, so the services' connection values do too. */
export function databaseProxyName(envName: string): string {
  return `cs2analytics-${envName}`;
}

/** The environment's CloudWatch alarms: `cs2analytics-<env>-<what it watches>` (npm run verify lists them by this prefix). */
export function alarmNamePrefix(envName: string): string {
  return `cs2analytics-${envName}-`;
}

/** The ECS cluster of an environment, and a service's name in it. */
export function clusterName(envName: string): string {
  return `cs2analytics-${envName}`;
}

export function ecsServiceName(envName: string, service: string): string {
  return `cs2analytics-${envName}-${service}`;
}

/** The task definition family of the schema migrations (the API's image, the migration login). */
export function migrationTaskFamily(envName: string): string {
  return `cs2analytics-${envName}-migrations`;
}

/**
 * The connection values one kind of client gets (services stack): ECS reads a whole secret, so each
 * kind has its own. Named, because the rotation functions (data stack, deployed before it) look up
 * when the values of their credential were last written before they rotate again.
 */
export function connectionValuesSecretName(envName: string, kind: 'database' | 'redis' | 'migrations'): string {
  return `cs2analytics/${envName}/services/connections/${kind}`;
}

/**
 * Each service's part in Service Connect: the API calls the parser by name (http://parser:8001); web
 * calls nothing inside (the browser reaches the API through the load balancer), so it has no proxy.
 */
export const SERVICE_CONNECT: Readonly<Record<ServiceName, 'client' | 'server' | undefined>> = {
  web: undefined,
  api: 'client',
  parser: 'server',
};

/** Which services use which credential: they are restarted after its rotation. */
export const SERVICES_USING: Readonly<Record<'database' | 'redis', readonly ServiceName[]>> = { database: ['api'], redis: ['parser'] };

/** The stage of an environment (its construct id) and the stacks' construct ids inside it. */
export const STACK_IDS = ['Network', 'Data', 'Registry', 'Services', 'Maintenance', 'Monitoring'] as const;
export type StackId = (typeof STACK_IDS)[number];

export function stackName(envName: string, id: StackId): string {
  return `Cs2Analytics-${envName}-${id.toLowerCase()}`;
}

/**
 * The outputs operators and the commands read (docs/operations.md, Operator outputs): what
 * `aws ecs run-task` needs, where the logs are, and the public URL. Each in the stack that holds it
 * (an output cannot pass on another stack's value: a weak reference is not resolved there).
 */
export const OPERATOR_OUTPUTS = {
  url: { stack: 'Services', name: 'Url' },
  cluster: { stack: 'Services', name: 'ClusterName' },
  migrationTaskDefinitionFamily: { stack: 'Services', name: 'MigrationTaskDefinitionFamily' },
  migrationContainer: { stack: 'Services', name: 'MigrationContainerName' },
  apiSecurityGroup: { stack: 'Services', name: 'ApiSecurityGroupId' },
  apiCapacityProvider: { stack: 'Services', name: 'ApiCapacityProvider' },
  webLogGroup: { stack: 'Services', name: 'WebLogGroupName' },
  apiLogGroup: { stack: 'Services', name: 'ApiLogGroupName' },
  parserLogGroup: { stack: 'Services', name: 'ParserLogGroupName' },
  webService: { stack: 'Services', name: 'WebServiceName' },
  apiService: { stack: 'Services', name: 'ApiServiceName' },
  parserService: { stack: 'Services', name: 'ParserServiceName' },
  maintenanceFunction: { stack: 'Maintenance', name: 'PartitionMaintenanceFunctionName' },
  privateSubnets: { stack: 'Network', name: 'PrivateSubnetIds' },
  migrationClientSecurityGroup: { stack: 'Data', name: 'MigrationClientSecurityGroupId' },
  webImage: { stack: 'Services', name: 'WebImage' },
  apiImage: { stack: 'Services', name: 'ApiImage' },
  parserImage: { stack: 'Services', name: 'ParserImage' },
} as const satisfies Record<string, { readonly stack: StackId; readonly name: string }>;

/** The maintenance stack's output naming the partition-maintenance function. */
export const PARTITION_MAINTENANCE_FUNCTION_OUTPUT = OPERATOR_OUTPUTS.maintenanceFunction.name;

/** An image digest as ECR and Docker write it: `sha256:` and 64 lower-case hex digits. */
export const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Whether `images.<service>.tag` holds a digest (the services then run the image by digest) rather than a tag. */
export function isImageDigest(tagOrDigest: string): boolean {
  return IMAGE_DIGEST.test(tagOrDigest);
}

/** The image reference a service runs: `<repository uri>@sha256:...` for a digest, `<repository uri>:<tag>` for a tag. */
export function imageReference(repositoryUri: string, tagOrDigest: string): string {
  return `${repositoryUri}${isImageDigest(tagOrDigest) ? '@' : ':'}${tagOrDigest}`;
}

/**
 * The delivery stack: one per account (not per environment), with the OIDC provider and the roles
 * the deploy workflows assume (`npx cdk deploy -c delivery=true`, docs/delivery.md).
 */
export function deliveryStackName(account: string): string {
  return `Cs2Analytics-${account}-delivery`;
}

/** The role a deploy workflow of one environment assumes: `arn:<partition>:iam::<account>:role/<this name>`. */
export function deliveryRoleName(envName: string): string {
  return `cs2analytics-${envName}-delivery`;
}

/** The CDK bootstrap qualifier this app deploys with (the default one, `cdk bootstrap` without --qualifier). */
export const CDK_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** GitHub Actions' OIDC issuer (without https://) and the audience its tokens carry for AWS. */
export const GITHUB_OIDC = { host: 'token.actions.githubusercontent.com', audience: 'sts.amazonaws.com' } as const;

/** The `sub` claim of a GitHub Actions job that runs in a GitHub environment of a repository (`owner/name`). */
export function githubEnvironmentSubject(repository: string, envName: string): string {
  return `repo:${repository}:environment:${envName}`;
}

/** What the names of an environment's stacks start with (stackName): `Cs2Analytics-<env>-`. */
export function environmentStackNamePrefix(envName: string): string {
  return `Cs2Analytics-${envName}-`;
}
