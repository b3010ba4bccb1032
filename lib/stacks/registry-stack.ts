import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type { Construct } from 'constructs';
import { repositoryName, SERVICE_NAMES, type ServiceName } from '../config/names';
import type { EnvironmentConfig } from '../config/schema';
import { retainOrDestroy } from '../constructs/retention';

export interface RegistryStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * The container images: one ECR repository per service, kept when the stack is deleted where the
 * environment keeps its data (the images are the deployable history), scanned on push, tags
 * immutable so a tag always means one image.
 */
export class RegistryStack extends Stack {
  readonly repositories: Record<ServiceName, ecr.IRepository>;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    const entries = SERVICE_NAMES.map((name) => {
      const repository = new ecr.Repository(this, `${name[0].toUpperCase()}${name.slice(1)}Repository`, {
        repositoryName: repositoryName(props.config.envName, name),
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        encryption: ecr.RepositoryEncryption.KMS,
        // Where data is kept, the images are the deployable history and outlive the stack. A disposable
        // environment deletes them with it: a retained repository keeps its fixed name taken, and the
        // next deploy of the environment would fail with "already exists".
        removalPolicy: retainOrDestroy(props.config.retainData),
        emptyOnDelete: props.config.retainData ? undefined : true,
        lifecycleRules: [
          { description: 'Untagged layers from failed pushes', tagStatus: ecr.TagStatus.UNTAGGED, maxImageCount: 1, rulePriority: 1 },
          { description: 'Keep the 50 most recent images', tagStatus: ecr.TagStatus.ANY, maxImageCount: 50, rulePriority: 2 },
        ],
      });
      new CfnOutput(this, `${name[0].toUpperCase()}${name.slice(1)}RepositoryUri`, {
        value: repository.repositoryUri,
        description: `ECR repository of the ${name} image`,
      });
      return [name, repository] as const;
    });
    this.repositories = Object.fromEntries(entries) as unknown as Record<ServiceName, ecr.IRepository>;
  }
}
