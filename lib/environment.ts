import { Tags, type Environment } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { stackName, type StackId } from './config/names';
import type { EnvironmentConfig } from './config/schema';
import { DataStack } from './stacks/data-stack';
import { MaintenanceStack } from './stacks/maintenance-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';
import { RegistryStack } from './stacks/registry-stack';
import { ServicesStack } from './stacks/services-stack';

export interface Cs2AnalyticsEnvironmentProps {
  readonly config: EnvironmentConfig;
  /** Where the stacks deploy. @default - the config's account and region */
  readonly env?: Environment;
}

export const APP_TAG = 'cs2-analytics';

/**
 * One deployable environment of CS2 Analytics: every stack, wired together with typed props. The
 * stacks are in the app's own cloud assembly, not a Stage's, so that the CDK CLI selects them as its
 * users expect (`cdk ls`, `cdk diff`, `cdk deploy --all`, `cdk deploy prod/Data`); an app holds one
 * environment (bin/app.ts chooses it with `-c env=<name>`). The CLI selects stacks by construct path
 * (`<env>/<Tier>`); CloudFormation names them `Cs2Analytics-<env>-<tier>`.
 */
export class Cs2AnalyticsEnvironment {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly registry: RegistryStack;
  readonly services: ServicesStack;
  readonly maintenance: MaintenanceStack;
  readonly monitoring: MonitoringStack;

  constructor(scope: Construct, props: Cs2AnalyticsEnvironmentProps) {
    const { config } = props;
    const env = props.env ?? { account: config.account, region: config.region };
    const nameOf = (id: StackId) => stackName(config.envName, id);
    const tags = { app: APP_TAG, env: config.envName, owner: config.owner };
    // Stack tags reach every resource CloudFormation can tag, including those CDK cannot see.
    const stateful = { env, terminationProtection: config.terminationProtection, tags };
    const stateless = { env, tags };
    // The stacks' construct paths (`<env>/<Tier>`) stay what they were under a Stage: logical ids that
    // CDK derives from another construct's full path (security-group rules, the master secret) keep
    // their values.
    const root = new Construct(scope, config.envName);

    this.network = new NetworkStack(root, 'Network', {
      ...stateful,
      stackName: nameOf('Network'),
      description: `CS2 Analytics ${config.envName}: VPC, endpoints, flow logs (stateful)`,
      config,
    });

    this.data = new DataStack(root, 'Data', {
      ...stateful,
      stackName: nameOf('Data'),
      description: `CS2 Analytics ${config.envName}: PostgreSQL + RDS Proxy, Redis, EFS demo files (stateful)`,
      config,
      network: this.network,
    });

    this.registry = new RegistryStack(root, 'Registry', {
      ...stateful,
      stackName: nameOf('Registry'),
      description: `CS2 Analytics ${config.envName}: ECR repositories of web, API and parser (stateful)`,
      config,
    });

    this.maintenance = new MaintenanceStack(root, 'Maintenance', {
      ...stateless,
      stackName: nameOf('Maintenance'),
      description: `CS2 Analytics ${config.envName}: monthly partition maintenance job (stateless)`,
      config,
      network: this.network,
      data: this.data,
    });

    this.services = new ServicesStack(root, 'Services', {
      ...stateless,
      stackName: nameOf('Services'),
      description: `CS2 Analytics ${config.envName}: ECS cluster, load balancer, web, API and parser (stateless)`,
      config,
      network: this.network,
      data: this.data,
      registry: this.registry,
      maintenance: this.maintenance,
    });

    // The services log in as the app's database roles, which the maintenance stack's deploy-time run
    // sets up: it deploys first.
    this.services.addStackDependency(this.maintenance);

    this.monitoring = new MonitoringStack(root, 'Monitoring', {
      ...stateless,
      stackName: nameOf('Monitoring'),
      description: `CS2 Analytics ${config.envName}: dashboard, alarms and their topic (stateless)`,
      config,
      data: this.data,
      services: this.services,
      maintenance: this.maintenance,
    });

    for (const stack of [this.network, this.data, this.registry, this.services, this.maintenance, this.monitoring]) {
      for (const [key, value] of Object.entries(tags)) Tags.of(stack).add(key, value);
    }
  }
}
