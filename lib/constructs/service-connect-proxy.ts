/**
 * What a task leaves to the Service Connect proxy that ECS adds to it. The ECS developer guide
 * ("Service Connect proxy") recommends adding 256 CPU units and at least 64 MiB of memory to the task
 * for it, and gives the proxy whatever the containers' own CPU and memory limits leave unallocated.
 * No import: the config schema checks task sizes against it without loading the CDK.
 */
export const SERVICE_CONNECT_PROXY = { cpu: 256, memoryMiB: 64 } as const;
