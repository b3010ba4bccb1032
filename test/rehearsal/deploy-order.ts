/**
 * The order a deployment brings the schema up in: the app's roles (the maintenance stack's
 * deploy-time run), then the migrations (a task of the migration task definition, the API's image,
 * once the connection values it reads are written), then the conversion of the tables they created,
 * and only then the services that run that image: no new API task serves before the schema it expects.
 * Read from the templates: CloudFormation creates and updates a resource after what it depends on.
 */
import { TemplateModel, type ModelResource } from './template-model';

export function deployOrderViolations(model: TemplateModel): string[] {
  const violations: string[] = [];
  const describe = TemplateModel.describe;
  const roles = model.resources('Custom::PartitionMaintenance');
  const written = model.resources('Custom::ConnectionSecret');
  for (const migrations of model.resources('Custom::DeployTimeTask')) {
    const definition = model.referenceOf(migrations.stack, migrations.properties.TaskDefinition)?.target;
    if (!definition) {
      violations.push(`${describe(migrations)} names no task definition of its stack`);
      continue;
    }
    for (const before of [...roles, ...written]) {
      if (!model.isCreatedAfter(migrations, before)) violations.push(`${describe(migrations)} may run before ${describe(before)}`);
    }
    const conversions = model.resources('Custom::TableConversion').filter((conversion) => conversion.stack === migrations.stack);
    for (const conversion of conversions) {
      if (!model.isCreatedAfter(conversion, migrations)) violations.push(`${describe(conversion)} may run before ${describe(migrations)}`);
    }
    // The services that run the migrated image (its repository and tag, as the templates write them).
    const images = (taskDefinition: ModelResource) =>
      ((taskDefinition.properties.ContainerDefinitions ?? []) as { Image: unknown }[]).map((container) => JSON.stringify(container.Image));
    const migrated = new Set(images(definition));
    const services = model.resources('AWS::ECS::Service').filter((service) => {
      const served = model.referenceOf(service.stack, service.properties.TaskDefinition)?.target;
      return served !== undefined && images(served).some((image) => migrated.has(image));
    });
    if (services.length === 0) violations.push(`${describe(migrations)} runs an image no service runs`);
    for (const service of services) {
      for (const schema of [migrations, ...conversions] as ModelResource[]) {
        if (!model.isCreatedAfter(service, schema)) violations.push(`${describe(service)} may start new tasks before ${describe(schema)}`);
      }
    }
  }
  return violations;
}
