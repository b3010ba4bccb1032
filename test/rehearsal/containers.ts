import { TemplateModel, type Json } from './template-model';

/**
 * What a container needs at run time that no validator checks:
 * - a non-root user on a read-only root can write its scratch volumes: Fargate creates a bind-mount
 *   volume owned by root, mode 0755, so a root container that does not essential work must prepare
 *   it, and the application must start only once that succeeded;
 * - ECS Exec works where it is on: its agent writes to the root file system, which AWS does not
 *   support read-only;
 * - a health check runs a tool the image surely has: exec form (no shell), with the executable the
 *   service's config names.
 */
export interface ContainerExpectations {
  /** The executables each container's health check may run, by container name; absent: no health check allowed. */
  readonly healthCheckTools: (containerName: string) => readonly string[];
}

const isRoot = (user: unknown) => user === undefined || /^(0|root)(:|$)/.test(String(user));

export function containerViolations(model: TemplateModel, expectations: ContainerExpectations): string[] {
  const violations: string[] = [];
  const execServices = model
    .resources('AWS::ECS::Service')
    .filter((service) => model.resolve(service.stack, service.properties.EnableExecuteCommand) === true)
    .map((service) => model.referenceOf(service.stack, service.properties.TaskDefinition)?.target);

  for (const definition of model.resources('AWS::ECS::TaskDefinition')) {
    const family = model.resolve(definition.stack, definition.properties.Family) ?? definition.logicalId;
    const volumes = (model.resolve(definition.stack, definition.properties.Volumes) ?? []) as Json[];
    const bindVolumes = new Set(
      volumes
        .filter(
          (volume) =>
            !volume.EFSVolumeConfiguration &&
            !volume.DockerVolumeConfiguration &&
            !volume.Host?.SourcePath &&
            !volume.FSxWindowsFileServerVolumeConfiguration,
        )
        .map((volume) => volume.Name),
    );
    const containers = (model.resolve(definition.stack, definition.properties.ContainerDefinitions) ?? []) as Json[];
    for (const container of containers) {
      if (isRoot(container.User)) continue;
      for (const mount of container.MountPoints ?? []) {
        if (!bindVolumes.has(mount.SourceVolume) || mount.ReadOnly) continue;
        const preparer = containers.find(
          (candidate) =>
            candidate !== container &&
            isRoot(candidate.User) &&
            candidate.Essential === false &&
            (candidate.MountPoints ?? []).some((other: Json) => other.SourceVolume === mount.SourceVolume && !other.ReadOnly) &&
            (container.DependsOn ?? []).some(
              (dependency: Json) => dependency.ContainerName === candidate.Name && ['SUCCESS', 'COMPLETE'].includes(dependency.Condition),
            ),
        );
        if (!preparer) {
          violations.push(
            `${family}/${container.Name} runs as ${container.User} and writes volume ${mount.SourceVolume} at ${mount.ContainerPath}, which Fargate ` +
              'creates root-owned (0755), and no root container it waits for prepares it',
          );
        }
      }
      if (execServices.includes(definition) && container.Essential !== false && container.ReadonlyRootFilesystem === true) {
        violations.push(
          `${family}/${container.Name} has ECS Exec on but a read-only root file system, which Exec's agent cannot work with`,
        );
      }
    }
    for (const container of containers) {
      const command = container.HealthCheck?.Command as string[] | undefined;
      if (!command) continue;
      const tools = expectations.healthCheckTools(container.Name);
      if (command[0] !== 'CMD') {
        violations.push(
          `${family}/${container.Name}'s health check runs through a shell (${command[0]}: ${command.slice(1).join(' ')}), which the image may lack`,
        );
      } else if (!tools.includes(command[1])) {
        violations.push(
          `${family}/${container.Name}'s health check runs ${command[1]}, not a tool its config says the image has (${tools.join(', ') || 'none'})`,
        );
      }
    }
  }
  return violations;
}
