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

/** Whether a resource (as a template holds it) keeps data of its own. */
export function isStateful(type: string, properties: Record<string, unknown> = {}): boolean {
  if (!STATEFUL_TYPES.has(type)) return false;
  if (
    type === 'AWS::RDS::DBInstance' &&
    (properties.DBClusterIdentifier !== undefined || properties.SourceDBInstanceIdentifier !== undefined)
  )
    return false;
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
