/**
 * Room for what ECS adds to a task: Service Connect runs its proxy as one more essential container,
 * with no limits of its own; it gets what the containers' limits leave of the task, and the ECS
 * developer guide asks for 256 CPU units and at least 64 MiB of it ("Service Connect proxy": "you must
 * set the task memory limit to a number greater than the sum of the container memory limits").
 */
import type { Json, TemplateModel } from './template-model';

export const SERVICE_CONNECT_PROXY_ROOM = { cpu: 256, memoryMiB: 64 } as const;

export function sidecarRoomViolations(model: TemplateModel): string[] {
  const violations: string[] = [];
  for (const service of model.resources('AWS::ECS::Service')) {
    const connect = service.properties.ServiceConnectConfiguration;
    if (!connect || model.resolve(service.stack, connect.Enabled) === false) continue;
    const definition = model.referenceOf(service.stack, service.properties.TaskDefinition)?.target;
    if (!definition) continue;
    const containers: Json[] = definition.properties.ContainerDefinitions ?? [];
    const memory = containers.reduce((sum, container) => sum + Number(container.Memory ?? container.MemoryReservation ?? 0), 0);
    const cpu = containers.reduce((sum, container) => sum + Number(container.Cpu ?? 0), 0);
    const task = { cpu: Number(definition.properties.Cpu), memoryMiB: Number(definition.properties.Memory) };
    const name = model.physicalName(service);
    if (task.memoryMiB - memory < SERVICE_CONNECT_PROXY_ROOM.memoryMiB)
      violations.push(
        `${name}: its containers' limits take ${memory} of the task's ${task.memoryMiB} MiB, leaving the proxy ${task.memoryMiB - memory}`,
      );
    if (task.cpu - cpu < SERVICE_CONNECT_PROXY_ROOM.cpu)
      violations.push(`${name}: its containers take ${cpu} of the task's ${task.cpu} CPU units, leaving the proxy ${task.cpu - cpu}`);
  }
  return violations;
}
