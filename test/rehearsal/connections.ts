import { NetworkModel, type NetworkNode, type Verdict } from './network';
import { TemplateModel, type Json, type ModelResource } from './template-model';

/**
 * The connections the system needs, read from what the templates say each part talks to: the
 * load balancer's listeners and target groups, the URLs and host/port pairs in the containers' and
 * functions' environments, Service Connect names, EFS volumes, the proxy's targets, the database a
 * rotation schedule rotates, and the AWS APIs each part calls. Everything else between the
 * application tier and the data tier must be closed.
 */

export interface Connection {
  readonly from: NetworkNode | 'internet';
  readonly to: NetworkNode | { readonly awsService: string } | 'internet';
  readonly port: number;
  readonly because: string;
}

export interface ConnectionVerdict extends Connection {
  readonly verdict: Verdict;
}

export function label(end: Connection['from'] | Connection['to']): string {
  if (end === 'internet') return 'the internet';
  if ('awsService' in end) return `the ${end.awsService} API`;
  return end.name;
}

export class ConnectionTable {
  readonly network: NetworkModel;
  readonly required: Connection[] = [];
  readonly forbidden: Connection[] = [];

  /**
   * @param intended connections the design means to allow beyond what the templates show in use
   *   (e.g. the "API and parser to the proxy, Redis and EFS"): they are required to work,
   *   and exempt from the forbidden list.
   */
  constructor(
    private readonly model: TemplateModel,
    private readonly intended: (from: NetworkNode, to: NetworkNode) => boolean = () => false,
  ) {
    this.network = new NetworkModel(model);
    this.deriveRequired();
    this.deriveForbidden();
  }

  /** Required connections that do not work. */
  missing(): ConnectionVerdict[] {
    return this.required
      .map((connection) => ({ ...connection, verdict: this.evaluate(connection) }))
      .filter((result) => !result.verdict.ok);
  }

  /** Forbidden connections that work. */
  open(): ConnectionVerdict[] {
    return this.forbidden
      .map((connection) => ({ ...connection, verdict: this.evaluate(connection) }))
      .filter((result) => result.verdict.ok);
  }

  evaluate(connection: Connection): Verdict {
    const { from, to, port } = connection;
    if (from === 'internet') {
      if (to === 'internet' || 'awsService' in to) throw new Error('not a connection into the VPC');
      return this.network.internetReaches(to, port);
    }
    if (to === 'internet') return this.network.reachesInternet(from, port);
    if ('awsService' in to) return this.network.reachesAwsService(from, to.awsService);
    return this.network.canConnect(from, to, port);
  }

  private value(resource: ModelResource, property: string): Json {
    return this.model.resolve(resource.stack, resource.properties[property]);
  }

  private nodesOfKind(...kinds: NetworkNode['kind'][]): NetworkNode[] {
    return this.network.nodes.filter((node) => kinds.includes(node.kind));
  }

  private deriveRequired(): void {
    const { model, network } = this;
    const need = (from: Connection['from'], to: Connection['to'], port: number, because: string) =>
      this.required.push({ from, to, port, because });
    const hosts = this.hostDirectory();

    for (const balancer of this.nodesOfKind('load-balancer').filter((node) => node.publiclyAddressable)) {
      for (const port of balancer.ports) need('internet', balancer, port, 'a listener of the internet-facing load balancer');
    }

    // Load balancer to the services behind its target groups.
    const balancerOfTargetGroup = new Map<string, NetworkNode>();
    for (const listener of model.resources('AWS::ElasticLoadBalancingV2::Listener')) {
      const balancer = network.nodeOf(model.referenceOf(listener.stack, listener.properties.LoadBalancerArn)!.target);
      for (const action of this.value(listener, 'DefaultActions') ?? [])
        if (action.TargetGroupArn && balancer) balancerOfTargetGroup.set(action.TargetGroupArn, balancer);
    }
    for (const rule of model.resources('AWS::ElasticLoadBalancingV2::ListenerRule')) {
      const listener = model.referenceOf(rule.stack, rule.properties.ListenerArn)!.target;
      const balancer = network.nodeOf(model.referenceOf(listener.stack, listener.properties.LoadBalancerArn)!.target);
      for (const action of this.value(rule, 'Actions') ?? [])
        if (action.TargetGroupArn && balancer) balancerOfTargetGroup.set(action.TargetGroupArn, balancer);
    }

    for (const service of this.nodesOfKind('service')) {
      const resource = service.resource;
      for (const target of this.value(resource, 'LoadBalancers') ?? []) {
        const balancer = balancerOfTargetGroup.get(target.TargetGroupArn);
        if (balancer) need(balancer, service, Number(target.ContainerPort), 'its target group forwards there');
      }
      const taskDefinition = model.referenceOf(resource.stack, resource.properties.TaskDefinition)!.target;
      const containers = (this.value(taskDefinition, 'ContainerDefinitions') ?? []) as Json[];
      for (const container of containers) {
        for (const variable of container.Environment ?? []) {
          for (const [host, port] of endpointsIn(String(variable.Value))) {
            for (const entry of hosts.get(host) ?? [])
              need(service, entry.node, port ?? entry.port, `${container.Name}'s ${variable.Name}`);
          }
        }
        if ((container.Secrets ?? []).length)
          need(service, { awsService: 'secretsmanager' }, 443, `${container.Name}'s secrets are fetched at start`);
        if (container.LogConfiguration?.LogDriver === 'awslogs')
          need(service, { awsService: 'logs' }, 443, `${container.Name} logs through awslogs`);
        if (/\.dkr\.ecr\./.test(String(container.Image))) {
          for (const api of ['ecr.api', 'ecr.dkr', 's3'])
            need(service, { awsService: api }, 443, `${container.Name}'s image is pulled from ECR`);
        }
      }
      for (const volume of this.value(taskDefinition, 'Volumes') ?? []) {
        const fileSystem = volume.EFSVolumeConfiguration?.FilesystemId;
        const node = this.nodesOfKind('file-system').find((candidate) => candidate.name === `file system ${fileSystem}`);
        if (node) need(service, node, 2049, `volume ${volume.Name} mounts it`);
      }
    }

    for (const fn of this.nodesOfKind('function')) {
      const variables = this.value(fn.resource, 'Environment')?.Variables ?? {};
      for (const [name, value] of Object.entries<string>(variables)) {
        const match = /^(.*)_HOST$/.exec(name);
        if (!match) continue;
        const port = Number(variables[`${match[1]}_PORT`]);
        for (const entry of hosts.get(value) ?? []) need(fn, entry.node, port || entry.port, `its ${name}`);
      }
      for (const service of this.awsServicesCalledBy(fn.resource)) need(fn, { awsService: service }, 443, 'its role calls it');
      const providerOf = model
        .resources()
        .filter((resource) => resource.type.startsWith('Custom::') || resource.type === 'AWS::CloudFormation::CustomResource');
      if (providerOf.some((custom) => model.referenceOf(custom.stack, custom.properties.ServiceToken)?.target === fn.resource)) {
        need(fn, { awsService: 's3' }, 443, 'it answers CloudFormation on a pre-signed S3 URL');
      }
    }

    for (const proxyGroup of model.resources('AWS::RDS::DBProxyTargetGroup')) {
      const proxy = network.nodeOf(model.referenceOf(proxyGroup.stack, proxyGroup.properties.DBProxyName)!.target)!;
      for (const key of ['DBClusterIdentifiers', 'DBInstanceIdentifiers']) {
        for (const reference of proxyGroup.properties[key] ?? []) {
          const target = network.nodeOf(model.referenceOf(proxyGroup.stack, reference)!.target);
          if (target) need(proxy, target, target.ports[0], 'it is a target of the proxy');
        }
      }
    }

    for (const rotation of this.nodesOfKind('rotation')) {
      const secret = this.value(rotation.resource, 'SecretId');
      for (const attachment of model.resources('AWS::SecretsManager::SecretTargetAttachment')) {
        if (this.value(attachment, 'SecretId') !== secret) continue;
        const database = network.nodeOf(model.referenceOf(attachment.stack, attachment.properties.TargetId)!.target);
        if (database) need(rotation, database, database.ports[0], "it rotates that database's credentials");
      }
      need(rotation, { awsService: 'secretsmanager' }, 443, 'rotation reads and writes the secret');
    }

    for (const database of this.nodesOfKind('database')) {
      const roles = this.value(database.resource, 'AssociatedRoles') ?? [];
      if (roles.some((role: Json) => /^s3(Export|Import)$/.test(role.FeatureName)))
        need(database, { awsService: 's3' }, 443, 'aws_s3 exports to S3');
    }

    for (const from of network.nodes) {
      for (const to of network.nodes) {
        if (from !== to && this.intended(from, to)) for (const port of to.ports) need(from, to, port, 'the design intends it');
      }
    }
  }

  private deriveForbidden(): void {
    const required = new Set(this.required.map((connection) => `${label(connection.from)}|${label(connection.to)}`));
    for (const node of this.network.nodes) {
      if (node.kind === 'load-balancer' && node.publiclyAddressable) continue;
      for (const port of new Set([...node.ports, 22])) {
        this.forbidden.push({ from: 'internet', to: node, port, because: 'only the load balancer faces the internet' });
      }
    }
    const dataTier = this.nodesOfKind('database', 'proxy', 'cache', 'file-system');
    // A proxy's endpoints share its security group: a client of the proxy reaches them all.
    const proxyOf = (node: NetworkNode) =>
      node.resource.type === 'AWS::RDS::DBProxyEndpoint'
        ? this.model.referenceOf(node.resource.stack, node.resource.properties.DBProxyName)?.target
        : node.resource;
    const usesSameProxy = (client: NetworkNode, store: NetworkNode) =>
      store.kind === 'proxy' &&
      this.required.some(
        (connection) =>
          connection.from === client &&
          connection.to !== 'internet' &&
          !('awsService' in connection.to) &&
          connection.to.kind === 'proxy' &&
          proxyOf(connection.to) === proxyOf(store),
      );
    for (const client of this.nodesOfKind('service', 'function', 'rotation')) {
      for (const store of dataTier) {
        if (required.has(`${label(client)}|${label(store)}`) || usesSameProxy(client, store)) continue;
        for (const port of store.ports)
          this.forbidden.push({ from: client, to: store, port, because: `${client.name} does not use ${store.name}` });
      }
    }
    for (const store of dataTier)
      this.forbidden.push({ from: store, to: 'internet', port: 443, because: 'the data tier has no way out but its endpoints' });
  }

  /** Where each host name the environments may mention leads: the node and its port. */
  private hostDirectory(): Map<string, { node: NetworkNode; port: number }[]> {
    const { model, network } = this;
    const directory = new Map<string, { node: NetworkNode; port: number }[]>();
    const add = (host: string, node: NetworkNode | undefined, port: number) => {
      if (!node) return;
      directory.set(host, [...(directory.get(host) ?? []), { node, port }]);
    };
    for (const node of network.nodes) {
      const { resource } = node;
      switch (resource.type) {
        case 'AWS::RDS::DBProxy':
        case 'AWS::RDS::DBProxyEndpoint':
          add(model.attribute(resource, 'Endpoint'), node, 5432);
          break;
        case 'AWS::RDS::DBCluster':
          add(model.attribute(resource, 'Endpoint.Address'), node, node.ports[0]);
          add(model.attribute(resource, 'ReadEndpoint.Address'), node, node.ports[0]);
          break;
        case 'AWS::RDS::DBInstance':
          add(model.attribute(resource, 'Endpoint.Address'), node, node.ports[0]);
          break;
        case 'AWS::ElastiCache::ReplicationGroup':
          add(model.attribute(resource, 'PrimaryEndPoint.Address'), node, node.ports[0]);
          break;
      }
    }
    for (const record of model.resources('AWS::Route53::RecordSet')) {
      if (this.value(record, 'Type') !== 'CNAME') continue;
      const name = String(this.value(record, 'Name')).replace(/\.$/, '');
      for (const target of this.value(record, 'ResourceRecords') ?? []) {
        for (const entry of directory.get(String(target)) ?? []) add(name, entry.node, entry.port);
      }
    }
    for (const service of this.nodesOfKind('service')) {
      const connect = this.value(service.resource, 'ServiceConnectConfiguration');
      const taskDefinition = model.referenceOf(service.resource.stack, service.resource.properties.TaskDefinition)!.target;
      const mappings = ((this.value(taskDefinition, 'ContainerDefinitions') ?? []) as Json[]).flatMap(
        (container) => container.PortMappings ?? [],
      );
      for (const published of connect?.Services ?? []) {
        const containerPort = Number(mappings.find((mapping: Json) => mapping.Name === published.PortName)?.ContainerPort);
        for (const alias of published.ClientAliases ?? []) add(alias.DnsName, service, containerPort);
      }
    }
    return directory;
  }

  /** The AWS APIs a function's code calls from its network interface, read from its role's policies. */
  private awsServicesCalledBy(fn: ModelResource): string[] {
    const role = this.model.referenceOf(fn.stack, fn.properties.Role)?.target;
    if (!role) return [];
    const documents: Json[] = [];
    for (const arn of this.value(role, 'ManagedPolicyArns') ?? []) {
      const policy = this.model.resources('AWS::IAM::ManagedPolicy').find((candidate) => this.model.attribute(candidate, 'Ref') === arn);
      if (policy) documents.push(this.value(policy, 'PolicyDocument'));
    }
    for (const inline of this.value(role, 'Policies') ?? []) documents.push(inline.PolicyDocument);
    for (const policy of this.model.resources('AWS::IAM::Policy')) {
      if ((policy.properties.Roles ?? []).some((value: Json) => this.model.referenceOf(policy.stack, value)?.target === role)) {
        documents.push(this.value(policy, 'PolicyDocument'));
      }
    }
    // Lambda itself, not the function's network interface, manages the interfaces, writes logs and
    // traces, sends dead letters; KMS is called by the services that hold the encrypted data.
    const called = new Set<string>();
    for (const statement of documents.flatMap((document) => document.Statement ?? [])) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of [statement.Action].flat()) {
        const prefix = String(action).split(':')[0];
        if (!['ec2', 'logs', 'xray', 'sqs', 'kms'].includes(prefix)) called.add(prefix === 'cloudwatch' ? 'monitoring' : prefix);
      }
    }
    return [...called];
  }
}

/** `host` and optional port of every URL in a value (`scheme://[user@]host[:port]/...`). */
function endpointsIn(value: string): [string, number | undefined][] {
  return [...value.matchAll(/[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s]*@)?([A-Za-z0-9.-]+)(?::(\d+))?/g)].map((match) => [
    match[1],
    match[2] === undefined ? undefined : Number(match[2]),
  ]);
}
