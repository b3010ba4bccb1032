import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { imageReference, isImageDigest, repositoryName, SERVICE_NAMES } from '../../lib/config/names';
import { findPlaceholders } from '../../lib/config/placeholders';
import type { EnvironmentConfig } from '../../lib/config/schema';

/**
 * The checks a deploy makes before anything changes in AWS. Each returns the problems it found, one
 * line each, naming the environment and the field or resource; an empty list means go ahead.
 */

export interface PreflightClients {
  readonly sts: Pick<STSClient, 'send'>;
  readonly ecr: Pick<ECRClient, 'send'>;
}

/**
 * Every problem the preflight can find, in one round (each round costs the user a synth): example
 * values (deploy), the credentials' account, and the images (a deploy that includes the services
 * stack). The images are looked up only in the environment's own account, so only once the account
 * checks out: in any other, every image would look missing.
 */
export async function preflightProblems(
  request: { readonly command: 'deploy' | 'diff' | 'destroy'; readonly stacks?: readonly string[] },
  config: EnvironmentConfig,
  clients: PreflightClients,
): Promise<string[]> {
  const deploy = request.command === 'deploy';
  const problems = deploy ? placeholderProblems(config) : [];
  const account = await accountProblems(config, clients.sts);
  problems.push(...account);
  // Only the services stack runs images: the registry can (and on a first deploy must) go first.
  const deploysServices = request.stacks === undefined || request.stacks.includes('Services');
  if (deploy && deploysServices && account.length === 0) problems.push(...(await imageProblems(config, clients.ecr)));
  return problems;
}

/** Example values left in the config (a certificate for cs2.example.com would wait forever). */
export function placeholderProblems(config: EnvironmentConfig): string[] {
  return findPlaceholders(config).map(
    ({ field, value, reason }) => `${config.envName}: ${field} is ${reason} (${value}): set the real value in lib/config/environments.ts`,
  );
}

/**
 * The credentials must belong to the account the environment is pinned to. Outside dev the account
 * must be pinned: a deploy must never land wherever the current credentials happen to point.
 */
export async function accountProblems(config: EnvironmentConfig, sts: Pick<STSClient, 'send'>): Promise<string[]> {
  let account: string | undefined;
  try {
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch (error) {
    return [
      `${config.envName}: no usable AWS credentials (${(error as Error).name}: ${(error as Error).message}); log in to the account first`,
    ];
  }
  if (config.account === undefined) {
    return config.envName === 'dev'
      ? []
      : [`${config.envName}: account is not pinned; set account in lib/config/environments.ts (your credentials are for ${account})`];
  }
  return account === config.account
    ? []
    : [`${config.envName}: your credentials are for account ${account}, but ${config.envName} is pinned to ${config.account}`];
}

/**
 * Every configured image must already be in its repository, by tag or by digest (images.<service>.tag
 * holds either): ECS would otherwise wait for tasks that cannot pull, the circuit breaker would fail
 * the deployment and the stack would roll back.
 */
export async function imageProblems(config: EnvironmentConfig, ecr: Pick<ECRClient, 'send'>): Promise<string[]> {
  const problems: string[] = [];
  const registry = `<account>.dkr.ecr.${config.region}.amazonaws.com`;
  let missingRepositories = 0;
  for (const service of SERVICE_NAMES) {
    const repository = repositoryName(config.envName, service);
    const tagOrDigest = config.images[service].tag;
    const digest = isImageDigest(tagOrDigest);
    const image = imageReference(repository, tagOrDigest);
    try {
      await ecr.send(
        new DescribeImagesCommand({
          repositoryName: repository,
          imageIds: [digest ? { imageDigest: tagOrDigest } : { imageTag: tagOrDigest }],
        }),
      );
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'RepositoryNotFoundException') {
        missingRepositories++;
        problems.push(`${config.envName}: ECR repository ${repository} does not exist yet`);
      } else if (name === 'ImageNotFoundException') {
        problems.push(
          digest
            ? `${config.envName}: image ${image} (images.${service}.tag) is not in ECR; copy that image there under a tag, ` +
                `which keeps its digest (untagged images expire): docker buildx imagetools create --prefer-index=false ` +
                `--tag ${registry}/${repository}:<tag> <repository it ran from>@${tagOrDigest}`
            : `${config.envName}: image ${image} (images.${service}.tag) is not in ECR; push it: ` +
                `docker push ${registry}/${repository}:${tagOrDigest}`,
        );
      } else {
        problems.push(`${config.envName}: cannot check image ${image}: ${name}: ${(error as Error).message}`);
      }
    }
  }
  if (missingRepositories > 0) {
    problems.push(
      `${config.envName}: first deploy: create the repositories, push the images, then deploy the rest: ` +
        `npm run deploy -- --env ${config.envName} --stacks registry, then docker push each image (README, First deploy), ` +
        `then npm run deploy -- --env ${config.envName}`,
    );
  }
  return problems;
}
