import { Stage, Tags, type StageProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { stackName, type StackId } from './config/names';
import type { EnvironmentConfig } from './config/schema';
import { DataStack } from './stacks/data-stack';
import { MaintenanceStack } from './stacks/maintenance-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';
import { RegistryStack } from './stacks/registry-stack';
import { ServicesStack } from './stacks/services-stack';

export interface Cs2AnalyticsStageProps extends StageProps {
  readonly config: EnvironmentConfig;
}

export const APP_TAG = 'cs2-analytics';

/** One deployable environment of CS2 Analytics: every stack, wired together with typed props. */
export class Cs2AnalyticsStage extends Stage {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly registry: RegistryStack;
  readonly services: ServicesStack;
  readonly maintenance: MaintenanceStack;
  readonly monitoring: MonitoringStack;

  constructor(scope: Construct, id: string, props: Cs2AnalyticsStageProps) {
    super(scope, id, {
      ...props,
      env: props.env ?? { account: props.config.account, region: props.config.region },
    });
    const { config } = props;
    const nameOf = (id: StackId) => stackName(config.envName, id);
    const tags = { app: APP_TAG, env: config.envName, owner: config.owner };
    // Stack tags reach every resource CloudFormation can tag, including those CDK cannot see.
    const stateful = { terminationProtection: config.terminationProtection, tags };

    this.network = new NetworkStack(this, 'Network', {
      ...stateful,
      stackName: nameOf('Network'),
      description: `CS2 Analytics ${config.envName}: VPC, endpoints, flow logs (stateful)`,
      config,
    });

    this.data = new DataStack(this, 'Data', {
      ...stateful,
      stackName: nameOf('Data'),
      description: `CS2 Analytics ${config.envName}: PostgreSQL + RDS Proxy, Redis, EFS demo files (stateful)`,
      config,
      network: this.network,
    });

    this.registry = new RegistryStack(this, 'Registry', {
      ...stateful,
      stackName: nameOf('Registry'),
      description: `CS2 Analytics ${config.envName}: ECR repositories of web, API and parser (stateful)`,
      config,
    });

    this.services = new ServicesStack(this, 'Services', {
      tags,
      stackName: nameOf('Services'),
      description: `CS2 Analytics ${config.envName}: ECS cluster, load balancer, web, API and parser (stateless)`,
      config,
      network: this.network,
      data: this.data,
      registry: this.registry,
    });

    this.maintenance = new MaintenanceStack(this, 'Maintenance', {
      tags,
      stackName: nameOf('Maintenance'),
      description: `CS2 Analytics ${config.envName}: monthly partition maintenance job (stateless)`,
      config,
      network: this.network,
      data: this.data,
    });

    // The services log in as the app's database roles, which the maintenance stack's deploy-time run
    // sets up: it deploys first.
    this.services.addStackDependency(this.maintenance);

    this.monitoring = new MonitoringStack(this, 'Monitoring', {
      tags,
      stackName: nameOf('Monitoring'),
      description: `CS2 Analytics ${config.envName}: dashboard, alarms and their topic (stateless)`,
      config,
      data: this.data,
      services: this.services,
      maintenance: this.maintenance,
    });

    for (const [key, value] of Object.entries(tags)) Tags.of(this).add(key, value);
  }
}
