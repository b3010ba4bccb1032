import { TemplateModel, type Json, type ModelResource } from './template-model';

/**
 * The network as the templates build it: subnets and their routes, security groups with every rule
 * (inline and separate, with AWS's default allow-all egress where a group declares none), gateway
 * and interface endpoints, and the things that sit in the VPC. It answers whether one thing can open
 * a TCP connection to another, whether something reaches an AWS API, and whether the internet
 * reaches something.
 */

export interface Subnet {
  readonly id: string;
  readonly cidr: string;
  readonly routeTable?: string;
  readonly mapPublicIp: boolean;
}

export interface NetworkNode {
  /** What it is, for messages: `service web`, `function <name>`, `database <id>`, ... */
  readonly name: string;
  readonly kind: 'service' | 'function' | 'rotation' | 'database' | 'proxy' | 'cache' | 'file-system' | 'load-balancer' | 'endpoint';
  readonly resource: ModelResource;
  readonly subnets: readonly Subnet[];
  readonly groups: readonly string[];
  /** Ports it listens on (databases, caches, file systems, load-balancer listeners, containers). */
  readonly ports: readonly number[];
  /** Gets an address reachable from the internet. */
  readonly publiclyAddressable: boolean;
}

interface Rule {
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidr?: string;
  readonly group?: string;
  readonly prefixList?: string;
}

interface Group {
  readonly id: string;
  readonly ingress: Rule[];
  readonly egress: Rule[];
}

export interface Verdict {
  readonly ok: boolean;
  readonly why: string;
}

const ANYWHERE = '0.0.0.0/0';

export class NetworkModel {
  readonly nodes: NetworkNode[] = [];
  private readonly subnets = new Map<string, Subnet>();
  private readonly groups = new Map<string, Group>();
  /** Route table id -> routes (destination CIDR -> target kind and id). */
  private readonly routes = new Map<string, { destination: string; igw?: string; nat?: string; natInstance?: string }[]>();
  /** NAT instances by id: where they sit, and what lets them forward. */
  private readonly natInstances = new Map<
    string,
    { name: string; subnet?: Subnet; publicIp: boolean; sourceDestCheck: boolean; groups: string[] }
  >();
  private readonly natSubnets = new Map<string, string>();
  private readonly gatewayEndpoints: { service: string; routeTables: string[] }[] = [];
  private readonly interfaceEndpoints: { service: string; node: NetworkNode; privateDns: boolean }[] = [];

  constructor(private readonly model: TemplateModel) {
    this.readSubnetsAndRoutes();
    this.readSecurityGroups();
    this.readNodes();
  }

  // ---------------------------------------------------------------- questions

  /** Whether `source` can open a TCP connection to `target` on `port`. */
  canConnect(source: NetworkNode, target: NetworkNode, port: number): Verdict {
    if (!target.ports.includes(port)) {
      return { ok: false, why: `${target.name} does not listen on ${port} (it listens on ${target.ports.join(', ') || 'nothing'})` };
    }
    const egress = this.allows('egress', source, target, port);
    if (!egress.ok) return egress;
    const ingress = this.allows('ingress', target, source, port);
    if (!ingress.ok) return ingress;
    return { ok: true, why: `${egress.why}; ${ingress.why}` };
  }

  /** Whether `source` reaches the API of an AWS service (`ecr.api`, `s3`, `secretsmanager`, ...). */
  reachesAwsService(source: NetworkNode, service: string): Verdict {
    const endpoint = this.interfaceEndpoints.find((candidate) => candidate.service === service && candidate.privateDns);
    if (endpoint) {
      // Private DNS sends every call to the endpoint, whatever other routes exist.
      const verdict = this.canConnect(source, endpoint.node, 443);
      return { ok: verdict.ok, why: `through the ${service} interface endpoint: ${verdict.why}` };
    }
    const https = this.egressRule(source, 443, { cidr: '52.95.0.0/32', prefixList: service === 's3' ? 's3' : undefined });
    if (!https) return { ok: false, why: `${source.name}'s security groups allow no HTTPS egress towards ${service}` };
    if (service === 's3') {
      const tables = source.subnets.map((subnet) => subnet.routeTable);
      const gateway = this.gatewayEndpoints.find(
        (candidate) => candidate.service === 's3' && tables.every((table) => table && candidate.routeTables.includes(table)),
      );
      if (gateway) return { ok: true, why: 'through the S3 gateway endpoint on its route tables' };
    }
    for (const subnet of source.subnets) {
      const route = this.defaultRoute(subnet);
      if (!route)
        return { ok: false, why: `${source.name}'s subnet ${subnet.cidr} has no route out of the VPC (and no ${service} endpoint)` };
      if (route.nat) {
        const natSubnet = this.subnets.get(this.natSubnets.get(route.nat) ?? '');
        if (!natSubnet || !this.defaultRoute(natSubnet)?.igw)
          return { ok: false, why: `the NAT gateway of ${subnet.cidr} has no route to the internet` };
      } else if (route.natInstance) {
        const forwarded = this.natInstanceForwards(route.natInstance, subnet, 443);
        if (!forwarded.ok) return forwarded;
      } else if (!route.igw || !source.publiclyAddressable) {
        return { ok: false, why: `${source.name} in ${subnet.cidr} has no public address behind the internet gateway, nor a NAT route` };
      }
    }
    return { ok: true, why: 'through NAT or the internet gateway' };
  }

  /** Whether a client on the internet can connect to `target` on `port`. */
  internetReaches(target: NetworkNode, port: number): Verdict {
    if (!target.publiclyAddressable) return { ok: false, why: `${target.name} has no public address` };
    if (!target.subnets.some((subnet) => this.defaultRoute(subnet)?.igw))
      return { ok: false, why: `${target.name} has no route to the internet gateway` };
    const rule = this.ingressRule(target, port, { cidr: '203.0.113.10/32' });
    return rule
      ? { ok: true, why: `open to ${rule.cidr} on ${port}` }
      : { ok: false, why: `${target.name}'s security groups do not admit the internet on ${port}` };
  }

  /** Whether `source` can reach an arbitrary address on the internet on `port`. */
  reachesInternet(source: NetworkNode, port: number): Verdict {
    if (!this.egressRule(source, port, { cidr: '203.0.113.10/32' })) return { ok: false, why: 'no egress rule' };
    const routed = source.subnets.every((subnet) => {
      const route = this.defaultRoute(subnet);
      if (route?.natInstance) return this.natInstanceForwards(route.natInstance, subnet, port).ok;
      return route?.nat || (route?.igw && source.publiclyAddressable);
    });
    return routed ? { ok: true, why: 'egress allowed and routed out' } : { ok: false, why: 'no route out of the VPC' };
  }

  nodeOf(resource: ModelResource): NetworkNode | undefined {
    return this.nodes.find((node) => node.resource === resource);
  }

  /**
   * Whether the instance a subnet's default route points at forwards that subnet's traffic on `port`
   * to the internet: source/destination check off, a public address behind the internet gateway, and
   * security groups that admit the subnet and let the traffic out.
   */
  private natInstanceForwards(instanceId: string, from: Subnet, port: number): Verdict {
    const nat = this.natInstances.get(instanceId);
    if (!nat) return { ok: false, why: `the default route of ${from.cidr} points at ${instanceId}, not an instance in the templates` };
    if (nat.sourceDestCheck) return { ok: false, why: `${nat.name} checks source and destination, so it forwards nothing` };
    if (!nat.publicIp || !nat.subnet || !this.defaultRoute(nat.subnet)?.igw) {
      return { ok: false, why: `${nat.name} has no public address behind the internet gateway` };
    }
    const node = { groups: nat.groups } as unknown as NetworkNode;
    if (!this.ingressRule(node, port, { cidr: from.cidr }))
      return { ok: false, why: `${nat.name}'s security groups do not admit ${from.cidr} on ${port}` };
    if (!this.egressRule(node, port, { cidr: '203.0.113.10/32' }))
      return { ok: false, why: `${nat.name}'s security groups let nothing out on ${port}` };
    return { ok: true, why: `through ${nat.name}` };
  }

  // ---------------------------------------------------------------- rule evaluation

  private allows(direction: 'ingress' | 'egress', self: NetworkNode, peer: NetworkNode, port: number): Verdict {
    const everySubnet = peer.subnets.length ? peer.subnets : [undefined];
    for (const subnet of everySubnet) {
      const rule =
        direction === 'egress'
          ? this.egressRule(self, port, { groups: peer.groups, cidr: subnet?.cidr })
          : this.ingressRule(self, port, { groups: peer.groups, cidr: subnet?.cidr });
      if (!rule) {
        return {
          ok: false,
          why: `${self.name}'s security groups have no ${direction} rule for ${peer.name}${subnet ? ` (${subnet.cidr})` : ''} on ${port}`,
        };
      }
    }
    return { ok: true, why: `${self.name} ${direction} allows ${peer.name} on ${port}` };
  }

  private egressRule(
    node: NetworkNode,
    port: number,
    peer: { groups?: readonly string[]; cidr?: string; prefixList?: string },
  ): Rule | undefined {
    return node.groups.flatMap((id) => this.group(id).egress).find((rule) => matches(rule, port, peer));
  }

  private ingressRule(node: NetworkNode, port: number, peer: { groups?: readonly string[]; cidr?: string }): Rule | undefined {
    return node.groups.flatMap((id) => this.group(id).ingress).find((rule) => matches(rule, port, peer));
  }

  private group(id: string): Group {
    const group = this.groups.get(id);
    if (!group) throw new Error(`security group ${id} is not in the templates`);
    return group;
  }

  private defaultRoute(subnet: Subnet) {
    return this.routes.get(subnet.routeTable ?? '')?.find((route) => route.destination === ANYWHERE);
  }

  // ---------------------------------------------------------------- reading the templates

  private value(resource: ModelResource, property: string): Json {
    return this.model.resolve(resource.stack, resource.properties[property]);
  }

  private readSubnetsAndRoutes(): void {
    const associations = new Map<string, string>();
    for (const association of this.model.resources('AWS::EC2::SubnetRouteTableAssociation')) {
      associations.set(this.value(association, 'SubnetId'), this.value(association, 'RouteTableId'));
    }
    for (const subnet of this.model.resources('AWS::EC2::Subnet')) {
      const id = this.model.attribute(subnet, 'Ref');
      this.subnets.set(id, {
        id,
        cidr: this.value(subnet, 'CidrBlock'),
        routeTable: associations.get(id),
        mapPublicIp: this.value(subnet, 'MapPublicIpOnLaunch') === true,
      });
    }
    for (const route of this.model.resources('AWS::EC2::Route')) {
      const table = this.value(route, 'RouteTableId');
      const gateway = route.properties.GatewayId && this.model.referenceOf(route.stack, route.properties.GatewayId)?.target;
      this.routes.set(table, [
        ...(this.routes.get(table) ?? []),
        {
          destination: this.value(route, 'DestinationCidrBlock'),
          igw: gateway?.type === 'AWS::EC2::InternetGateway' ? this.value(route, 'GatewayId') : undefined,
          nat: route.properties.NatGatewayId ? this.value(route, 'NatGatewayId') : undefined,
          natInstance: route.properties.InstanceId ? this.value(route, 'InstanceId') : undefined,
        },
      ]);
    }
    for (const nat of this.model.resources('AWS::EC2::NatGateway')) {
      this.natSubnets.set(this.model.attribute(nat, 'Ref'), this.value(nat, 'SubnetId'));
    }
    for (const instance of this.model.resources('AWS::EC2::Instance')) {
      const nic = ((this.value(instance, 'NetworkInterfaces') as Json[] | undefined) ?? [])[0] ?? {};
      this.natInstances.set(this.model.attribute(instance, 'Ref'), {
        name: `instance ${instance.logicalId}`,
        subnet: this.subnets.get(nic.SubnetId ?? this.value(instance, 'SubnetId')),
        publicIp: nic.AssociatePublicIpAddress === true,
        sourceDestCheck: this.value(instance, 'SourceDestCheck') !== false,
        groups: this.groupList(nic.GroupSet ?? this.value(instance, 'SecurityGroupIds')),
      });
    }
    if (this.model.resources('AWS::EC2::NetworkAclEntry').length) throw new Error('network ACL entries are not modelled');
  }

  private readSecurityGroups(): void {
    const toRule = (raw: Json, peerKey: 'Source' | 'Destination'): Rule => ({
      protocol: String(raw.IpProtocol),
      fromPort: raw.FromPort === undefined ? -1 : Number(raw.FromPort),
      toPort: raw.ToPort === undefined ? -1 : Number(raw.ToPort),
      cidr: raw.CidrIp ?? raw.CidrIpv6,
      group: raw[`${peerKey}SecurityGroupId`],
      prefixList: raw[`${peerKey}PrefixListId`],
    });
    for (const group of this.model.resources('AWS::EC2::SecurityGroup')) {
      const id = this.model.attribute(group, 'GroupId');
      const inlineEgress = this.value(group, 'SecurityGroupEgress') as Json[] | undefined;
      this.groups.set(id, {
        id,
        ingress: ((this.value(group, 'SecurityGroupIngress') as Json[] | undefined) ?? []).map((raw) => toRule(raw, 'Source')),
        // A group created without egress rules gets AWS's default rule: everything, anywhere.
        egress: inlineEgress?.length
          ? inlineEgress.map((raw) => toRule(raw, 'Destination'))
          : [{ protocol: '-1', fromPort: -1, toPort: -1, cidr: ANYWHERE }],
      });
    }
    for (const [type, direction, peerKey] of [
      ['AWS::EC2::SecurityGroupIngress', 'ingress', 'Source'],
      ['AWS::EC2::SecurityGroupEgress', 'egress', 'Destination'],
    ] as const) {
      for (const rule of this.model.resources(type)) {
        const resolved = this.model.resolve(rule.stack, rule.properties);
        this.group(resolved.GroupId)[direction].push(toRule(resolved, peerKey));
      }
    }
  }

  private subnetList(ids: Json): Subnet[] {
    const list = typeof ids === 'string' ? ids.split(',') : ((ids ?? []) as string[]);
    return list.map((id) => {
      const subnet = this.subnets.get(id);
      if (!subnet) throw new Error(`subnet ${id} is not in the templates`);
      return subnet;
    });
  }

  private groupList(ids: Json): string[] {
    return typeof ids === 'string' ? ids.split(',') : ((ids ?? []) as string[]);
  }

  private readNodes(): void {
    const add = (node: NetworkNode) => this.nodes.push(node);
    const { model } = this;

    for (const service of model.resources('AWS::ECS::Service')) {
      const vpc = this.value(service, 'NetworkConfiguration')?.AwsvpcConfiguration;
      if (!vpc) continue;
      const taskDefinition = model.referenceOf(service.stack, service.properties.TaskDefinition)?.target;
      const containers = (taskDefinition?.properties.ContainerDefinitions ?? []) as Json[];
      const essential = containers.filter((container) => container.Essential !== false);
      add({
        name: `service ${essential.map((container) => container.Name).join('+')}`,
        kind: 'service',
        resource: service,
        subnets: this.subnetList(vpc.Subnets),
        groups: this.groupList(vpc.SecurityGroups),
        ports: essential.flatMap((container) => (container.PortMappings ?? []).map((mapping: Json) => Number(mapping.ContainerPort))),
        publiclyAddressable: vpc.AssignPublicIp === 'ENABLED',
      });
    }
    for (const fn of model.resources('AWS::Lambda::Function')) {
      const vpc = this.value(fn, 'VpcConfig');
      if (!vpc?.SubnetIds) continue;
      add({
        name: `function ${model.physicalName(fn)}`,
        kind: 'function',
        resource: fn,
        subnets: this.subnetList(vpc.SubnetIds),
        groups: this.groupList(vpc.SecurityGroupIds),
        ports: [],
        publiclyAddressable: false,
      });
    }
    for (const schedule of model.resources('AWS::SecretsManager::RotationSchedule')) {
      const hosted = this.value(schedule, 'HostedRotationLambda');
      if (!hosted?.VpcSubnetIds) continue;
      add({
        name: `rotation function ${hosted.RotationLambdaName ?? schedule.logicalId}`,
        kind: 'rotation',
        resource: schedule,
        subnets: this.subnetList(hosted.VpcSubnetIds),
        groups: this.groupList(hosted.VpcSecurityGroupIds),
        ports: [],
        publiclyAddressable: false,
      });
    }
    const dbSubnets = (resource: ModelResource) => {
      const group = model.referenceOf(resource.stack, resource.properties.DBSubnetGroupName)?.target;
      return group ? this.subnetList(this.value(group, 'SubnetIds')) : [];
    };
    for (const cluster of model.resources('AWS::RDS::DBCluster')) {
      add({
        name: `database ${model.physicalName(cluster)}`,
        kind: 'database',
        resource: cluster,
        subnets: dbSubnets(cluster),
        groups: this.groupList(this.value(cluster, 'VpcSecurityGroupIds')),
        ports: [Number(model.attribute(cluster, 'Endpoint.Port'))],
        publiclyAddressable: false,
      });
    }
    for (const instance of model.resources('AWS::RDS::DBInstance')) {
      if (instance.properties.DBClusterIdentifier) continue; // Aurora instances sit behind their cluster's groups
      const source =
        instance.properties.SourceDBInstanceIdentifier &&
        model.referenceOf(instance.stack, instance.properties.SourceDBInstanceIdentifier)?.target;
      add({
        name: `database ${model.physicalName(instance)}`,
        kind: 'database',
        resource: instance,
        subnets: dbSubnets(instance.properties.DBSubnetGroupName ? instance : (source ?? instance)),
        groups: this.groupList(this.value(instance, 'VPCSecurityGroups')),
        ports: [Number(model.attribute(instance, 'Endpoint.Port'))],
        publiclyAddressable: this.value(instance, 'PubliclyAccessible') === true,
      });
    }
    for (const proxy of model.resources('AWS::RDS::DBProxy', 'AWS::RDS::DBProxyEndpoint')) {
      add({
        name: `proxy ${model.physicalName(proxy)}`,
        kind: 'proxy',
        resource: proxy,
        subnets: this.subnetList(this.value(proxy, 'VpcSubnetIds')),
        groups: this.groupList(this.value(proxy, 'VpcSecurityGroupIds')),
        ports: [5432],
        publiclyAddressable: false,
      });
    }
    for (const cache of model.resources('AWS::ElastiCache::ReplicationGroup')) {
      const group = model.referenceOf(cache.stack, cache.properties.CacheSubnetGroupName)?.target;
      add({
        name: `cache ${model.physicalName(cache)}`,
        kind: 'cache',
        resource: cache,
        subnets: group ? this.subnetList(this.value(group, 'SubnetIds')) : [],
        groups: this.groupList(this.value(cache, 'SecurityGroupIds')),
        ports: [Number(this.value(cache, 'Port') ?? 6379)],
        publiclyAddressable: false,
      });
    }
    const mountTargets = new Map<string, ModelResource[]>();
    for (const mount of model.resources('AWS::EFS::MountTarget')) {
      const fileSystem = this.value(mount, 'FileSystemId');
      mountTargets.set(fileSystem, [...(mountTargets.get(fileSystem) ?? []), mount]);
    }
    for (const [fileSystem, mounts] of mountTargets) {
      const owner = model.referenceOf(mounts[0].stack, mounts[0].properties.FileSystemId)?.target ?? mounts[0];
      add({
        name: `file system ${fileSystem}`,
        kind: 'file-system',
        resource: owner,
        subnets: mounts.flatMap((mount) => this.subnetList([this.value(mount, 'SubnetId')])),
        groups: [...new Set(mounts.flatMap((mount) => this.groupList(this.value(mount, 'SecurityGroups'))))],
        ports: [2049],
        publiclyAddressable: false,
      });
    }
    for (const balancer of model.resources('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      const arn = model.attribute(balancer, 'Ref');
      const ports = model
        .resources('AWS::ElasticLoadBalancingV2::Listener')
        .filter((listener) => this.value(listener, 'LoadBalancerArn') === arn)
        .map((listener) => Number(this.value(listener, 'Port')));
      add({
        name: `load balancer ${model.physicalName(balancer)}`,
        kind: 'load-balancer',
        resource: balancer,
        subnets: this.subnetList(this.value(balancer, 'Subnets')),
        groups: this.groupList(this.value(balancer, 'SecurityGroups')),
        ports,
        publiclyAddressable: this.value(balancer, 'Scheme') === 'internet-facing',
      });
    }
    for (const endpoint of model.resources('AWS::EC2::VPCEndpoint')) {
      const serviceName = String(this.value(endpoint, 'ServiceName'));
      const service = serviceName.replace(/^com\.amazonaws\.[a-z0-9-]+\./, '');
      if ((this.value(endpoint, 'VpcEndpointType') ?? 'Gateway') === 'Gateway') {
        this.gatewayEndpoints.push({ service, routeTables: this.value(endpoint, 'RouteTableIds') ?? [] });
        continue;
      }
      const node: NetworkNode = {
        name: `${service} endpoint`,
        kind: 'endpoint',
        resource: endpoint,
        subnets: this.subnetList(this.value(endpoint, 'SubnetIds')),
        groups: this.groupList(this.value(endpoint, 'SecurityGroupIds')),
        ports: [443],
        publiclyAddressable: false,
      };
      add(node);
      this.interfaceEndpoints.push({ service, node, privateDns: this.value(endpoint, 'PrivateDnsEnabled') === true });
    }
  }
}

function matches(rule: Rule, port: number, peer: { groups?: readonly string[]; cidr?: string; prefixList?: string }): boolean {
  const protocolOk = rule.protocol === '-1' || rule.protocol === 'tcp' || rule.protocol === '6';
  const portOk = rule.protocol === '-1' || (rule.fromPort <= port && port <= rule.toPort);
  if (!protocolOk || !portOk) return false;
  if (rule.group) return peer.groups?.includes(rule.group) ?? false;
  if (rule.prefixList) return peer.prefixList !== undefined;
  if (rule.cidr && peer.cidr) return cidrContains(rule.cidr, peer.cidr);
  return false;
}

/** Whether `outer` contains every address of `inner` (IPv4; IPv6 only as ::/0). */
export function cidrContains(outer: string, inner: string): boolean {
  if (outer === '::/0') return inner.includes(':');
  if (outer.includes(':') || inner.includes(':')) return false;
  const [outerBase, outerBits] = outer.split('/');
  const [innerBase, innerBits] = inner.split('/');
  const toNumber = (address: string) => address.split('.').reduce((total, octet) => total * 256 + Number(octet), 0);
  const outerPrefix = Number(outerBits ?? 32);
  if (Number(innerBits ?? 32) < outerPrefix) return false;
  const size = 2 ** (32 - outerPrefix);
  return Math.floor(toNumber(innerBase) / size) === Math.floor(toNumber(outerBase) / size);
}
