/**
 * The order a deployment brings the schema up in: the app's roles (the maintenance stack's
 * deploy-time run), then the migrations (a task of the API's task definition, once the connection
 * values it reads are written), then the conversion of the tables they created, and only then the
 * services that run that task definition: no new API task serves before the schema it expects.
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
    const services = model
      .resources('AWS::ECS::Service')
      .filter((service) => model.referenceOf(service.stack, service.properties.TaskDefinition)?.target === definition);
    if (services.length === 0) violations.push(`${describe(migrations)} runs a task definition no service uses`);
    for (const service of services) {
      for (const schema of [migrations, ...conversions] as ModelResource[]) {
        if (!model.isCreatedAfter(service, schema)) violations.push(`${describe(service)} may start new tasks before ${describe(schema)}`);
      }
    }
  }
  return violations;
}
