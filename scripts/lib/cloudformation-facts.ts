/**
 * What this project knows about CloudFormation resource types, shared by the deploy rehearsal and
 * the impact report: which property names a resource, and which resources hold data.
 */

/** The property that names a resource, where a template may set one (else AWS generates it). */
export const NAME_PROPERTIES: Record<string, string> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Events::Rule': 'Name',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::DBProxy': 'DBProxyName',
  'AWS::RDS::DBProxyEndpoint': 'DBProxyEndpointName',
  'AWS::RDS::EventSubscription': 'SubscriptionName',
  'AWS::ElastiCache::ReplicationGroup': 'ReplicationGroupId',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::ECS::Service': 'ServiceName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::Backup::BackupVault': 'BackupVaultName',
  'AWS::Backup::BackupPlan': 'BackupPlanName',
  'AWS::WAFv2::WebACL': 'Name',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
  'AWS::Logs::ResourcePolicy': 'PolicyName',
  'AWS::ServiceDiscovery::HttpNamespace': 'Name',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
};

/**
 * Resources whose replacement or removal loses data (or the key to it): databases, caches, file
 * systems, buckets, keys, secrets, backup vaults, image repositories, log groups. Aurora instances
 * and read replicas hold nothing their cluster or primary does not (see isStateful).
 */
export const STATEFUL_TYPES = new Set([
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::EFS::FileSystem',
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
  'AWS::Backup::BackupVault',
  'AWS::ECR::Repository',
  'AWS::Logs::LogGroup',
]);

/**
 * Whether an RDS instance's properties make it a read replica: a source instance, without the restore
 * time that makes it a point-in-time restore instead (AWS::RDS::DBInstance, RestoreTime and
 * UseLatestRestorableTime).
 */
export function isReadReplica(properties: Record<string, unknown>): boolean {
  return (
    properties.SourceDBInstanceIdentifier !== undefined &&
    properties.RestoreTime === undefined &&
    properties.UseLatestRestorableTime === undefined
  );
}

/** Whether a resource (as a template holds it) keeps data of its own: an Aurora instance or a read replica does not. */
export function isStateful(type: string, properties: Record<string, unknown> = {}): boolean {
  if (!STATEFUL_TYPES.has(type)) return false;
  if (type === 'AWS::RDS::DBInstance' && (properties.DBClusterIdentifier !== undefined || isReadReplica(properties))) return false;
  return true;
}

/** The fixed physical name a template gives a resource: one that is the same at every creation. */
export function fixedName(type: string, properties: Record<string, unknown> = {}): string | undefined {
  const property = NAME_PROPERTIES[type];
  const raw = property ? properties[property] : undefined;
  // A name built from the stack's id or from another resource's attribute is new with each creation.
  if (raw === undefined || /AWS::StackId|"Fn::GetAtt"|"Ref":"(?!AWS::)/.test(JSON.stringify(raw))) return undefined;
  return typeof raw === 'string' ? raw : JSON.stringify(raw);
}

/**
 * Properties the CDK's specification (the one the diff library reads) still calls replacing, which
 * CloudFormation updates in place now: their resource type's registry schema no longer lists them in
 * `createOnlyProperties`. Why, per property.
 */
export const SPEC_CORRECTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'AWS::ElastiCache::ReplicationGroup': {
    Engine:
      'updated in place since 2024 (the registry schema dropped it from createOnlyProperties): ElastiCache upgrades Redis OSS ' +
      'to Valkey without downtime (ElastiCache user guide, "How to upgrade from Redis OSS to Valkey")',
  },
};

/**
 * Updates in place that interrupt what the resource serves ("Update requires: Some interruptions" in
 * the CloudFormation template reference, or an outage the service's own guide describes), with what
 * the applications notice. CloudFormation applies RDS and ElastiCache changes during the deploy.
 */
export const INTERRUPTING_UPDATES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'AWS::RDS::DBInstance': {
    DBInstanceClass:
      'the instance restarts on its new class during the deploy: minutes without it (a writer: writes wait; a Multi-AZ RDS primary fails over to its standby first, typically 60-120 s)',
    EngineVersion: 'the instance restarts on the new version during the deploy (a Multi-AZ standby with it): minutes down',
    StorageType: 'a brief outage when the change starts',
    DBParameterGroupName: 'the instance restarts when the new group holds static parameters',
  },
  'AWS::RDS::DBCluster': {
    EngineVersion:
      'the whole cluster upgrades at once during the deploy: every instance restarts, writes refused for tens of seconds or more',
  },
  'AWS::ElastiCache::ReplicationGroup': {
    CacheNodeType: 'the nodes are replaced online: a few seconds of interruption at the switch (ElastiCache, "Scaling")',
    EngineVersion: 'writes pause for seconds during a failover and connections are reset; a single node is unavailable during the upgrade',
    Engine:
      'upgraded in place to Valkey: connections are reset, and no downtime when upgrading from Redis OSS 5.0.6 or later (ElastiCache, "How to upgrade from Redis OSS to Valkey")',
  },
  'AWS::EC2::Instance': { InstanceType: 'the instance stops and starts: what it serves (the NAT instance: egress) stops meanwhile' },
};

/**
 * The properties of an ECS service whose update starts a new deployment (UpdateService: "a new
 * deployment is triggered"); others (capacity providers, ECS Exec, deployment settings) apply to
 * tasks started later.
 */
export const ECS_DEPLOYING_PROPERTIES: ReadonlySet<string> = new Set([
  'TaskDefinition',
  'NetworkConfiguration',
  'ServiceConnectConfiguration',
  'LoadBalancers',
  'PlatformVersion',
  'ServiceRegistries',
  'VolumeConfigurations',
]);
