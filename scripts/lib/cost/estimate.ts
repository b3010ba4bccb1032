import { instanceVcpus } from './instance-families';
import type { InstancePrices, Price, PriceTable } from './price-table';
import type { UsageAssumptions } from './usage';

/** A CloudFormation template as synthesized: only what pricing reads. */
export interface Template {
  readonly Resources?: Readonly<Record<string, { readonly Type: string; readonly Properties?: any }>>;
}

export interface StackTemplate {
  readonly stackName: string;
  readonly template: Template;
}

/** One priced item of one resource. */
export interface CostLine {
  readonly stack: string;
  readonly resource: string;
  readonly type: string;
  /** What is charged, e.g. `db.t4g.medium instance` or `data processed (assumed)`. */
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitUsd: number;
  readonly monthlyUsd: number;
  /** The pricing page of `unitUsd`. */
  readonly page: string;
}

export interface Estimate {
  readonly region: string;
  readonly priceDate: string;
  readonly lines: readonly CostLine[];
  readonly stacks: readonly { readonly stack: string; readonly monthlyUsd: number }[];
  readonly totalUsd: number;
}

/**
 * Resource types with no charge of their own, and why: what they cost is priced on another resource,
 * or AWS does not charge for them. A type that is neither here nor priced fails the estimate.
 */
export const FREE_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  'AWS::ApplicationAutoScaling::ScalableTarget': 'Application Auto Scaling has no charge',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'Application Auto Scaling has no charge',
  'AWS::Backup::BackupPlan': 'backup storage is priced on the vault',
  'AWS::Backup::BackupSelection': 'backup storage is priced on the vault',
  'AWS::CertificateManager::Certificate': 'public ACM certificates have no charge',
  'AWS::EC2::FlowLog': 'delivery is priced on its log group (vended logs)',
  'AWS::EC2::InternetGateway': 'no charge (data transfer out is not estimated)',
  'AWS::EC2::LaunchTemplate': 'no charge; the instances it launches are priced',
  'AWS::EC2::Route': 'no charge',
  'AWS::EC2::RouteTable': 'no charge',
  'AWS::EC2::SecurityGroup': 'no charge',
  'AWS::EC2::SecurityGroupEgress': 'no charge',
  'AWS::EC2::SecurityGroupIngress': 'no charge',
  'AWS::EC2::Subnet': 'no charge',
  'AWS::EC2::SubnetRouteTableAssociation': 'no charge',
  'AWS::EC2::VPC': 'no charge',
  'AWS::EC2::VPCGatewayAttachment': 'no charge',
  'AWS::ECS::Cluster': 'no charge; Fargate tasks are priced on their services',
  'AWS::ECS::ClusterCapacityProviderAssociations': 'no charge',
  'AWS::ECS::TaskDefinition': 'priced on the service that runs it',
  'AWS::EFS::AccessPoint': 'no charge',
  'AWS::EFS::MountTarget': 'no charge',
  'AWS::ElastiCache::ParameterGroup': 'no charge',
  'AWS::ElastiCache::SubnetGroup': 'no charge',
  'AWS::ElasticLoadBalancingV2::Listener': 'priced on the load balancer',
  'AWS::ElasticLoadBalancingV2::ListenerRule': 'priced on the load balancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'priced on the load balancer',
  'AWS::Events::Rule': 'scheduled rules and AWS service events on the default bus have no charge',
  'AWS::StepFunctions::StateMachine':
    "the deploy-time task's waiter: a few hundred state transitions per deploy at most (a tenth of a US cent), no standing charge",
  'AWS::IAM::InstanceProfile': 'no charge',
  'AWS::IAM::ManagedPolicy': 'no charge',
  'AWS::IAM::Policy': 'no charge',
  'AWS::IAM::Role': 'no charge',
  'AWS::Lambda::EventInvokeConfig': 'no charge',
  'AWS::Lambda::Permission': 'no charge',
  'AWS::Logs::ResourcePolicy': 'no charge',
  'AWS::RDS::DBClusterParameterGroup': 'no charge',
  'AWS::RDS::DBParameterGroup': 'no charge',
  'AWS::RDS::DBProxyEndpoint': 'priced on the proxy (by the vCPUs of its database)',
  'AWS::RDS::DBProxyTargetGroup': 'priced on the proxy',
  'AWS::RDS::DBSubnetGroup': 'no charge',
  'AWS::RDS::EventSubscription': 'no charge; notifications are SNS requests, priced on the topic',
  'AWS::Route53::RecordSet': 'queries are priced on the hosted zone',
  'AWS::S3::BucketPolicy': 'no charge',
  'AWS::SNS::Subscription': 'deliveries are priced on the topic',
  'AWS::SNS::TopicPolicy': 'no charge',
  'AWS::SQS::QueuePolicy': 'no charge',
  'AWS::SecretsManager::ResourcePolicy': 'no charge',
  'AWS::SecretsManager::RotationSchedule': 'rotation runs the rotation function, priced as a Lambda function',
  'AWS::SecretsManager::SecretTargetAttachment': 'no charge',
  'AWS::ServiceDiscovery::HttpNamespace': 'an HTTP namespace has no charge; its registered services are priced on the ECS services',
  'AWS::WAFv2::LoggingConfiguration': 'delivery is priced on its log group',
  'AWS::WAFv2::WebACLAssociation': 'priced on the web ACL',
  'AWS::CDK::Metadata': 'not deployed as a resource',
};

/** Custom resources run a Lambda function, priced as such; the custom resource itself has no charge. */
const isCustomResource = (type: string) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

/** RDS Proxy charges at least this many vCPUs (provisioned targets) or ACUs (Aurora Serverless v2). */
const PROXY_MINIMUM_VCPUS = 2;
const PROXY_MINIMUM_ACUS = 8;
/** Fargate includes 20 GB of ephemeral storage per task; more is charged. */
const FARGATE_INCLUDED_EPHEMERAL_GB = 20;
/** The metrics EC2 detailed monitoring publishes per instance (CPU, network, disk, status checks), billed as custom metrics. */
const EC2_DETAILED_METRICS = 7;
/** The root volume of an instance whose template leaves it to the AMI (Amazon Linux 2023: 8 GiB). */
const DEFAULT_ROOT_VOLUME_GB = 8;

export class UnpricedResourceError extends Error {}

type Resource = { readonly Type: string; readonly Properties?: any };
interface Context {
  readonly stack: string;
  readonly logicalId: string;
  readonly resource: Resource;
  readonly resources: Readonly<Record<string, Resource>>;
  readonly prices: PriceTable['prices'];
  readonly usage: UsageAssumptions;
}
type Item = { readonly item: string; readonly quantity: number; readonly price: Price };
type Pricer = (context: Context) => Item[];

const PRICERS: Readonly<Record<string, Pricer>> = {
  'AWS::EC2::NatGateway': ({ prices, usage }) => [
    { item: 'NAT gateway', quantity: usage.hoursPerMonth, price: prices.natGatewayHour },
    { item: 'data processed (assumed)', quantity: usage.natGatewayGbPerMonth, price: prices.natGatewayGb },
  ],
  'AWS::EC2::EIP': ({ prices, usage }) => [{ item: 'public IPv4 address', quantity: usage.hoursPerMonth, price: prices.publicIpv4Hour }],
  'AWS::EC2::Instance': (context) => {
    const { resource, prices, usage } = context;
    const type = resource.Properties?.InstanceType;
    const volumes: any[] = resource.Properties?.BlockDeviceMappings ?? [];
    const rootGb = volumes.reduce((sum, mapping) => sum + (mapping.Ebs?.VolumeSize ?? 0), 0) || DEFAULT_ROOT_VOLUME_GB;
    const publicIp = (resource.Properties?.NetworkInterfaces ?? []).some(
      (nic: any) => nic.AssociatePublicIpAddress === true || nic.AssociatePublicIpAddress === 'true',
    );
    return [
      {
        item: `${type} instance`,
        quantity: usage.hoursPerMonth,
        price: instancePrice(prices.ec2InstanceHour, type, 'EC2 instance', context),
      },
      { item: 'EBS gp3 volume', quantity: rootGb, price: prices.ebsGp3GbMonth },
      ...(publicIp ? [{ item: 'public IPv4 address', quantity: usage.hoursPerMonth, price: prices.publicIpv4Hour }] : []),
      // Detailed monitoring bills the instance's metrics as custom metrics.
      ...(resource.Properties?.Monitoring === true
        ? [{ item: `detailed monitoring, ${EC2_DETAILED_METRICS} metrics`, quantity: EC2_DETAILED_METRICS, price: prices.metricMonth }]
        : []),
    ];
  },
  'AWS::EC2::VPCEndpoint': ({ resource, prices, usage }) => {
    if (resource.Properties?.VpcEndpointType !== 'Interface') return []; // gateway endpoints have no charge
    const zones = (resource.Properties?.SubnetIds ?? []).length;
    return [
      { item: `interface endpoint in ${zones} AZs`, quantity: zones * usage.hoursPerMonth, price: prices.interfaceEndpointAzHour },
      { item: 'data processed (assumed)', quantity: usage.interfaceEndpointGbPerMonth, price: prices.interfaceEndpointGb },
    ];
  },
  'AWS::RDS::DBInstance': (context) => {
    const { resource, prices, usage } = context;
    const properties = resource.Properties ?? {};
    const instanceClass: string = properties.DBInstanceClass;
    if (String(properties.Engine ?? '').startsWith('aurora')) {
      if (instanceClass === 'db.serverless') {
        const acus = serverlessMinimumAcus(context, properties.DBClusterIdentifier);
        return [
          {
            item: `Aurora Serverless v2 at its minimum ${acus} ACU`,
            quantity: acus * usage.hoursPerMonth,
            price: prices.auroraServerlessAcuHour,
          },
        ];
      }
      return [
        {
          item: `Aurora ${instanceClass} instance`,
          quantity: usage.hoursPerMonth,
          price: instancePrice(prices.auroraInstanceHour, instanceClass, 'Aurora instance', context),
        },
      ];
    }
    const multiAz = properties.MultiAZ === true || properties.MultiAZ === 'true';
    // A read replica gets its source's storage type and size unless it sets its own.
    const sourceId = referencedIds(properties.SourceDBInstanceIdentifier).find(
      (id) => context.resources[id]?.Type === 'AWS::RDS::DBInstance',
    );
    const source = sourceId ? (context.resources[sourceId]?.Properties ?? {}) : {};
    const storageType = properties.StorageType ?? source.StorageType ?? 'gp2';
    const allocatedGb = Number(properties.AllocatedStorage ?? source.AllocatedStorage);
    if (storageType !== 'gp3')
      throw new UnpricedResourceError(`${context.stack} ${context.logicalId}: no price for RDS storage type ${storageType}`);
    return [
      {
        item: `RDS ${instanceClass} instance, ${multiAz ? 'Multi-AZ' : 'Single-AZ'}`,
        quantity: usage.hoursPerMonth,
        price: instancePrice(
          multiAz ? prices.rdsMultiAzInstanceHour : prices.rdsSingleAzInstanceHour,
          instanceClass,
          `RDS ${multiAz ? 'Multi-AZ' : 'Single-AZ'} instance`,
          context,
        ),
      },
      {
        item: 'gp3 storage (allocated)',
        quantity: allocatedGb,
        price: multiAz ? prices.rdsGp3MultiAzGbMonth : prices.rdsGp3SingleAzGbMonth,
      },
    ];
  },
  'AWS::RDS::DBCluster': ({ prices, usage }) => [
    { item: 'Aurora storage (configured minimum)', quantity: usage.auroraStorageGb, price: prices.auroraStorageGbMonth },
    { item: 'Aurora I/O (assumed)', quantity: usage.auroraIoMillionPerMonth, price: prices.auroraIoMillion },
  ],
  'AWS::RDS::DBProxy': (context) => {
    const { prices, usage } = context;
    const targets = proxyTargets(context);
    const serverless = targets.filter((target) => target.Properties?.DBInstanceClass === 'db.serverless');
    if (serverless.length > 0) {
      const acus = Math.max(
        PROXY_MINIMUM_ACUS,
        serverless.reduce((sum, target) => sum + serverlessMinimumAcus(context, target.Properties?.DBClusterIdentifier), 0),
      );
      return [
        {
          item: `proxy for ${acus} ACUs (minimum ${PROXY_MINIMUM_ACUS})`,
          quantity: acus * usage.hoursPerMonth,
          price: prices.rdsProxyAcuHour,
        },
      ];
    }
    const vcpus = Math.max(
      PROXY_MINIMUM_VCPUS,
      targets.reduce((sum, target) => {
        const instanceClass = String(target.Properties?.DBInstanceClass);
        const count = instanceVcpus(instanceClass);
        if (count === undefined)
          throw new UnpricedResourceError(
            `${context.stack} ${context.logicalId}: unknown vCPU count of ${instanceClass}, which the proxy is priced by`,
          );
        return sum + count;
      }, 0),
    );
    return [
      {
        item: `proxy for ${vcpus} vCPUs (minimum ${PROXY_MINIMUM_VCPUS})`,
        quantity: vcpus * usage.hoursPerMonth,
        price: prices.rdsProxyVcpuHour,
      },
    ];
  },
  'AWS::ElastiCache::ReplicationGroup': (context) => {
    const properties = context.resource.Properties ?? {};
    const nodes = Number(
      properties.NumCacheClusters ?? Number(properties.NumNodeGroups ?? 1) * (Number(properties.ReplicasPerNodeGroup ?? 0) + 1),
    );
    // Valkey nodes cost less than Redis OSS nodes of the same type; CloudFormation's default engine is Redis OSS.
    const engine = String(properties.Engine ?? 'redis').toLowerCase();
    if (engine !== 'redis' && engine !== 'valkey')
      throw new UnpricedResourceError(`${context.stack} ${context.logicalId}: no price for ElastiCache engine ${properties.Engine}`);
    const valkey = engine === 'valkey';
    return [
      {
        item: `${nodes} x ${properties.CacheNodeType}${valkey ? ' Valkey' : ''} node`,
        quantity: nodes * context.usage.hoursPerMonth,
        price: instancePrice(
          valkey ? context.prices.elastiCacheValkeyNodeHour : context.prices.elastiCacheNodeHour,
          properties.CacheNodeType,
          valkey ? 'ElastiCache for Valkey node' : 'ElastiCache node',
          context,
        ),
      },
    ];
  },
  'AWS::ECS::Service': (context) => fargateService(context),
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ({ resource, prices, usage, stack, logicalId }) => {
    if ((resource.Properties?.Type ?? 'application') !== 'application')
      throw new UnpricedResourceError(`${stack} ${logicalId}: only application load balancers are priced`);
    return [
      { item: 'application load balancer', quantity: usage.hoursPerMonth, price: prices.albHour },
      {
        item: `capacity units (assumed ${usage.albAverageLcu} LCU)`,
        quantity: usage.albAverageLcu * usage.hoursPerMonth,
        price: prices.albLcuHour,
      },
    ];
  },
  'AWS::EFS::FileSystem': ({ prices, usage }) => [
    { item: 'Standard storage (assumed)', quantity: usage.efsStandardGb, price: prices.efsStandardGbMonth },
  ],
  'AWS::KMS::Key': ({ prices, usage }) => [
    { item: 'customer managed key', quantity: 1, price: prices.kmsKeyMonth },
    { item: 'requests (assumed)', quantity: usage.kmsRequests10kPerKey, price: prices.kmsRequests10k },
  ],
  'AWS::SecretsManager::Secret': ({ prices, usage }) => [
    { item: 'secret', quantity: 1, price: prices.secretMonth },
    { item: 'API calls (assumed)', quantity: usage.secretsApi10kPerSecret, price: prices.secretsApi10k },
  ],
  'AWS::CloudWatch::Alarm': ({ resource, prices }) => {
    const metrics = resource.Properties?.Metrics ? resource.Properties.Metrics.filter((metric: any) => metric.MetricStat).length : 1;
    return [{ item: `alarm on ${metrics} metric${metrics === 1 ? '' : 's'}`, quantity: metrics, price: prices.alarmMetricMonth }];
  },
  'AWS::CloudWatch::Dashboard': ({ prices }) => [{ item: 'dashboard', quantity: 1, price: prices.dashboardMonth }],
  'AWS::Logs::LogGroup': ({ resource, resources, logicalId, prices, usage }) => {
    const vended = Object.values(resources).some(
      (other) =>
        other.Type === 'AWS::EC2::FlowLog' && JSON.stringify(other.Properties?.LogGroupName ?? '') === JSON.stringify({ Ref: logicalId }),
    );
    const retentionDays = resource.Properties?.RetentionInDays;
    const monthsKept = retentionDays
      ? Math.min(Number(retentionDays) / 30.42, usage.logsMonthsKeptWithoutRetention)
      : usage.logsMonthsKeptWithoutRetention;
    return [
      {
        item: `${vended ? 'flow logs delivered' : 'logs ingested'} (assumed)`,
        quantity: usage.logsIngestedGbPerLogGroup,
        price: vended ? prices.logsVendedGb : prices.logsIngestedGb,
      },
      {
        item: `logs stored (${retentionDays ?? 'no'} days retention)`,
        quantity: round(usage.logsIngestedGbPerLogGroup * monthsKept, 3),
        price: prices.logsStoredGbMonth,
      },
    ];
  },
  'AWS::WAFv2::WebACL': ({ resource, prices, usage }) => {
    const rules = (resource.Properties?.Rules ?? []).length;
    return [
      { item: 'web ACL', quantity: 1, price: prices.wafWebAclMonth },
      { item: `${rules} rules`, quantity: rules, price: prices.wafRuleMonth },
      { item: 'requests (assumed)', quantity: usage.wafRequestsMillionPerMonth, price: prices.wafRequestsMillion },
    ];
  },
  'AWS::Route53::HostedZone': ({ prices, usage }) => [
    { item: 'hosted zone', quantity: 1, price: prices.route53ZoneMonth },
    { item: 'queries (assumed)', quantity: usage.route53QueriesMillionPerMonth, price: prices.route53QueriesMillion },
  ],
  'AWS::S3::Bucket': ({ prices, usage }) => [
    { item: 'Standard storage (assumed)', quantity: usage.s3GbPerBucket, price: prices.s3StandardGbMonth },
  ],
  'AWS::ECR::Repository': ({ prices, usage }) => [
    { item: 'image storage (assumed)', quantity: usage.ecrGbPerRepository, price: prices.ecrStorageGbMonth },
  ],
  'AWS::Backup::BackupVault': ({ resources, prices, usage }) => [
    {
      item: 'database snapshots (assumed)',
      quantity: usage.backupDatabaseGb,
      // Aurora snapshots and RDS snapshots are priced apart; the vault sits with its database.
      price: Object.values(resources).some((resource) => resource.Type === 'AWS::RDS::DBCluster')
        ? prices.backupAuroraSnapshotGbMonth
        : prices.backupRdsSnapshotGbMonth,
    },
    { item: 'file system backups (assumed)', quantity: usage.backupFileSystemGb, price: prices.backupEfsWarmGbMonth },
  ],
  'AWS::SQS::Queue': ({ prices, usage }) => [
    { item: 'requests (assumed)', quantity: usage.sqsRequestsMillionPerQueue, price: prices.sqsRequestsMillion },
  ],
  'AWS::SNS::Topic': ({ prices, usage }) => [
    { item: 'requests (assumed)', quantity: usage.snsRequestsMillionPerTopic, price: prices.snsRequestsMillion },
  ],
  'AWS::Lambda::Function': ({ resource, prices, usage }) => {
    const memoryGb = Number(resource.Properties?.MemorySize ?? 128) / 1024;
    const arm = (resource.Properties?.Architectures ?? []).includes('arm64');
    return [
      { item: 'requests (assumed)', quantity: usage.lambdaInvocationsPerFunction / 1e6, price: prices.lambdaRequestsMillion },
      {
        item: `compute, ${arm ? 'arm64' : 'x86_64'} (assumed)`,
        quantity: usage.lambdaInvocationsPerFunction * usage.lambdaSecondsPerInvocation * memoryGb,
        price: arm ? prices.lambdaArmGbSecond : prices.lambdaX86GbSecond,
      },
    ];
  },
};

/** The resource types the estimate prices (the rest are free, or fail it). */
export const PRICED_RESOURCE_TYPES: readonly string[] = Object.keys(PRICERS);

/**
 * Prices every resource of every template. Throws UnpricedResourceError, naming each, when a
 * resource's type is neither priced nor listed as free, or when the table has no price for what it
 * uses (an instance class, a storage type): nothing is silently free.
 */
export function estimate(stacks: readonly StackTemplate[], table: PriceTable, usage: UsageAssumptions): Estimate {
  const unpriced = stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources ?? {})
      .filter(([, resource]) => !PRICERS[resource.Type] && !FREE_RESOURCE_TYPES[resource.Type] && !isCustomResource(resource.Type))
      .map(([logicalId, resource]) => `${stackName} ${logicalId} (${resource.Type})`),
  );
  if (unpriced.length > 0) {
    throw new UnpricedResourceError(
      `no price and no free listing for: ${unpriced.join(', ')}. Price the type in scripts/lib/cost/estimate.ts, ` +
        'or list it in FREE_RESOURCE_TYPES with the reason it costs nothing',
    );
  }
  const lines: CostLine[] = stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources ?? {}).flatMap(([logicalId, resource]) => {
      const pricer = PRICERS[resource.Type];
      if (!pricer) return [];
      const context: Context = { stack: stackName, logicalId, resource, resources: template.Resources ?? {}, prices: table.prices, usage };
      return pricer(context).map((item) => {
        if (!Number.isFinite(item.quantity)) {
          throw new UnpricedResourceError(`${stackName} ${logicalId}: cannot tell the quantity of ${item.item} from the template`);
        }
        return {
          stack: stackName,
          resource: logicalId,
          type: resource.Type,
          item: item.item,
          quantity: round(item.quantity, 6),
          unit: item.price.unit,
          unitUsd: item.price.usd,
          monthlyUsd: round(item.quantity * item.price.usd, 4),
          page: item.price.page,
        };
      });
    }),
  );
  const stackTotals = stacks.map(({ stackName }) => ({
    stack: stackName,
    monthlyUsd: round(
      lines.filter((line) => line.stack === stackName).reduce((sum, line) => sum + line.monthlyUsd, 0),
      2,
    ),
  }));
  return {
    region: table.region,
    priceDate: table.date,
    lines,
    stacks: stackTotals,
    totalUsd: round(
      lines.reduce((sum, line) => sum + line.monthlyUsd, 0),
      2,
    ),
  };
}

/**
 * The price of an instance class, or an error that says why there is none: the class is not offered (its
 * family comes in other sizes), or the table prices no such family (none offered in the region, or one the
 * table lacks: lib/config/offerings.ts and price-table.ts).
 */
export function instancePrice(
  prices: InstancePrices,
  instanceClass: string,
  kind: string,
  context: { stack: string; logicalId: string },
): Price {
  const price = prices[instanceClass];
  if (price) return price;
  const family = String(instanceClass).replace(/\.[^.]*$/, '');
  const sizes = Object.keys(prices)
    .filter((known) => known.replace(/\.[^.]*$/, '') === family)
    .map((known) => known.slice(family.length + 1));
  const families = [...new Set(Object.keys(prices).map((known) => known.replace(/\.[^.]*$/, '')))];
  const why =
    sizes.length > 0
      ? `not offered in the region (${family} comes in ${sizes.join(', ')})`
      : `no ${family} family is offered in the region (the table prices every one that is: ${families.join(', ')}; ` +
        'lib/config/offerings.ts lists them, price-table.ts prices them)';
  throw new UnpricedResourceError(`${context.stack} ${context.logicalId}: no ${kind} price for ${instanceClass}: ${why}`);
}

/** The instances a proxy's target group points at: those of its clusters, or the instances it names. */
function proxyTargets(context: Context): Resource[] {
  const { resources, logicalId } = context;
  const refersTo = (value: unknown, id: string) => JSON.stringify(value) === JSON.stringify({ Ref: id });
  const groups = Object.values(resources).filter(
    (resource) => resource.Type === 'AWS::RDS::DBProxyTargetGroup' && refersTo(resource.Properties?.DBProxyName, logicalId),
  );
  const targets = groups.flatMap((group) => {
    const clusters: unknown[] = group.Properties?.DBClusterIdentifiers ?? [];
    const instances: unknown[] = group.Properties?.DBInstanceIdentifiers ?? [];
    return Object.entries(resources)
      .filter(
        ([id, resource]) =>
          resource.Type === 'AWS::RDS::DBInstance' &&
          (clusters.some((cluster) => JSON.stringify(resource.Properties?.DBClusterIdentifier) === JSON.stringify(cluster)) ||
            instances.some((instance) => refersTo(instance, id))),
      )
      .map(([, resource]) => resource);
  });
  if (targets.length === 0) {
    throw new UnpricedResourceError(
      `${context.stack} ${logicalId}: cannot find the database instances behind the proxy, which it is priced by`,
    );
  }
  return targets;
}

function serverlessMinimumAcus(context: Context, clusterReference: unknown): number {
  const cluster = Object.entries(context.resources).find(
    ([id, resource]) => resource.Type === 'AWS::RDS::DBCluster' && JSON.stringify({ Ref: id }) === JSON.stringify(clusterReference),
  )?.[1];
  const minimum = cluster?.Properties?.ServerlessV2ScalingConfiguration?.MinCapacity;
  if (minimum === undefined)
    throw new UnpricedResourceError(`${context.stack} ${context.logicalId}: a serverless instance whose cluster sets no minimum capacity`);
  return Number(minimum);
}

/**
 * A Fargate service: its task size, capacity provider (Fargate or Fargate Spot), minimum task count
 * (its scalable target's, else its desired count), and the share of the month it runs when scheduled
 * scaling stops it (e.g. at night).
 */
function fargateService(context: Context): Item[] {
  const { resource, resources, logicalId, prices, usage, stack } = context;
  const properties = resource.Properties ?? {};
  const taskDefinitionId = properties.TaskDefinition?.Ref;
  const taskDefinition = resources[taskDefinitionId]?.Properties;
  if (!taskDefinition) throw new UnpricedResourceError(`${stack} ${logicalId}: cannot find its task definition`);
  const architecture = taskDefinition.RuntimePlatform?.CpuArchitecture ?? 'X86_64';
  if (architecture !== 'X86_64')
    throw new UnpricedResourceError(`${stack} ${logicalId}: the table prices Fargate on X86_64 only, not ${architecture}`);
  const vcpu = Number(taskDefinition.Cpu) / 1024;
  const memoryGb = Number(taskDefinition.Memory) / 1024;
  const ephemeralGb = Math.max(
    0,
    Number(taskDefinition.EphemeralStorage?.SizeInGiB ?? FARGATE_INCLUDED_EPHEMERAL_GB) - FARGATE_INCLUDED_EPHEMERAL_GB,
  );

  const target = Object.values(resources).find(
    (candidate) =>
      candidate.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' &&
      JSON.stringify(candidate.Properties?.ResourceId ?? '').includes(`"${logicalId}"`),
  );
  const tasks = Number(target?.Properties?.MinCapacity ?? properties.DesiredCount ?? 1);
  const runningShare = target ? scheduledRunningShare(target.Properties?.ScheduledActions ?? [], `${stack} ${logicalId}`) : 1;
  const strategy: any[] = properties.CapacityProviderStrategy ?? [{ CapacityProvider: properties.LaunchType ?? 'FARGATE', Weight: 1 }];
  const totalWeight = strategy.reduce((sum, entry) => sum + Number(entry.Weight ?? 0), 0) || 1;
  const taskHours = tasks * usage.hoursPerMonth * runningShare;
  const when = runningShare < 1 ? `, running ${round(runningShare * 100, 1)}% of the time` : '';
  return strategy.flatMap((entry) => {
    const share = Number(entry.Weight ?? 0) / totalWeight;
    if (share === 0) return [];
    const spot = entry.CapacityProvider === 'FARGATE_SPOT';
    if (!spot && entry.CapacityProvider !== 'FARGATE')
      throw new UnpricedResourceError(`${stack} ${logicalId}: no price for capacity provider ${entry.CapacityProvider}`);
    const label = `${spot ? 'Fargate Spot' : 'Fargate'}, ${round(tasks * share, 2)} task(s)${when}`;
    return [
      {
        item: `${label}: ${vcpu} vCPU`,
        quantity: round(taskHours * share * vcpu, 3),
        price: spot ? prices.fargateSpotVcpuHour : prices.fargateVcpuHour,
      },
      {
        item: `${label}: ${memoryGb} GB`,
        quantity: round(taskHours * share * memoryGb, 3),
        price: spot ? prices.fargateSpotGbHour : prices.fargateGbHour,
      },
      ...(ephemeralGb > 0
        ? [
            {
              item: `${label}: ${ephemeralGb} GB ephemeral storage beyond 20`,
              quantity: round(taskHours * share * ephemeralGb, 3),
              price: prices.fargateEphemeralGbHour,
            },
          ]
        : []),
    ];
  });
}

/**
 * The share of a week a service runs under scheduled actions that stop it (max capacity 0) and start it
 * again. Understands the cron(...) schedules scheduled scaling is written with: minute, hour, and an
 * optional day-of-week range, in UTC. Anything else fails rather than guessing.
 */
export function scheduledRunningShare(actions: readonly any[], where: string): number {
  if (actions.length === 0) return 1;
  // Each hour of a week (0 = Monday 00:00 UTC): does the service run then?
  const events: { hourOfWeek: number; running: boolean }[] = [];
  for (const action of actions) {
    const match = /^cron\((\d+) (\d+) \? \* ([A-Z*,-]+) \*\)$|^cron\((\d+) (\d+) \* \* \? \*\)$/.exec(String(action.Schedule ?? ''));
    if (!match)
      throw new UnpricedResourceError(
        `${where}: cannot read the schedule ${action.Schedule} of scheduled action ${action.ScheduledActionName}`,
      );
    const hour = Number(match[2] ?? match[5]);
    const days = match[3] ? daysOfWeek(match[3], where) : [0, 1, 2, 3, 4, 5, 6];
    const running = Number(action.ScalableTargetAction?.MaxCapacity ?? 1) > 0;
    for (const day of days) events.push({ hourOfWeek: day * 24 + hour, running });
  }
  events.sort((a, b) => a.hourOfWeek - b.hourOfWeek);
  let runningHours = 0;
  for (let hourOfWeek = 0; hourOfWeek < 168; hourOfWeek++) {
    // The state set by the last event at or before this hour; before the first, the week's last event.
    const last = [...events].reverse().find((event) => event.hourOfWeek <= hourOfWeek) ?? events[events.length - 1];
    if (last.running) runningHours++;
  }
  return runningHours / 168;
}

function daysOfWeek(field: string, where: string): number[] {
  const names = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
  if (field === '*') return [0, 1, 2, 3, 4, 5, 6];
  return field.split(',').flatMap((part) => {
    const [from, to] = part.split('-');
    const start = names.indexOf(from);
    const end = to === undefined ? start : names.indexOf(to);
    if (start < 0 || end < 0 || end < start)
      throw new UnpricedResourceError(`${where}: cannot read the days ${field} of a scheduled action`);
    return Array.from({ length: end - start + 1 }, (_, index) => start + index);
  });
}

/** The logical ids a value refers to (Ref and Fn::GetAtt), however deep in intrinsic functions. */
function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  if (typeof object.Ref === 'string') return [object.Ref];
  if (Array.isArray(object['Fn::GetAtt'])) return [String(object['Fn::GetAtt'][0])];
  return Object.values(object).flatMap(referencedIds);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
