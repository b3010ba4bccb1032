import { RegionInfo } from 'aws-cdk-lib/region-info';
import { evaluate, type AccessRequest, type Evaluation } from './iam-evaluator';
import { TemplateModel, type Json, type ModelResource } from './template-model';

/**
 * Every write an AWS service makes on the system's behalf, derived from the templates: alarms and
 * RDS events publishing to SNS, EventBridge delivering to its targets and dead-letter queues, Lambda
 * sending failed events to its dead-letter queue, SNS redriving to SQS, CloudWatch Logs (and
 * everything else) using KMS keys, ALB/S3/WAF log delivery, the database exporting partitions to S3,
 * rotation writing its secret, ECS pulling images and injecting secrets, RDS Proxy reading its
 * secrets, flow logs and functions writing their log groups. Each becomes one IAM request evaluated
 * against the synthesized identity, resource and key policies.
 */

export interface Delivery extends AccessRequest {
  /** What would break if it were denied. */
  readonly description: string;
}

export interface DeliveryResult extends Delivery {
  readonly evaluation: Evaluation;
}

/**
 * The rotation function's permissions as Secrets Manager documents them for a rotation function
 * ("Permissions for rotation", rotating-secrets-required-permissions), which the hosted rotation
 * application gives its role (on every secret of the account it may rotate: `secretArn` a pattern).
 * The role itself lives in the application's own nested stack.
 */
export function documentedRotationPolicy(secretArn: string, functionArn: string, keyArn: string | undefined): Json {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        Resource: secretArn,
        Condition: { StringEquals: { 'secretsmanager:resource/AllowRotationLambdaArn': functionArn } },
      },
      { Effect: 'Allow', Action: 'secretsmanager:GetRandomPassword', Resource: '*' },
      ...(keyArn ? [{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], Resource: keyArn }] : []),
    ],
  };
}

/**
 * What AWS Backup's service role needs of a vault's key (AWS Backup developer guide, "Encryption for
 * backups"): grants for the AWS resources it copies, which AWSBackupServiceRolePolicyForBackup allows.
 */
const DOCUMENTED_BACKUP_KEY_USE = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    { Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext'], Resource: '*' },
  ],
};

/**
 * The AWS-managed policies the templates attach, as AWS publishes them (only the statements that
 * matter here). A role with an AWS-managed policy not listed is evaluated without it.
 */
const AWS_MANAGED_POLICIES: Record<string, Json> = {
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
};

/** The policy SNS gives a topic nobody wrote a policy for: the owner account's principals and services. */
export function defaultTopicPolicy(topicArn: string, account: string): Json {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'SNS:GetTopicAttributes',
          'SNS:SetTopicAttributes',
          'SNS:AddPermission',
          'SNS:RemovePermission',
          'SNS:DeleteTopic',
          'SNS:Subscribe',
          'SNS:ListSubscriptionsByTopic',
          'SNS:Publish',
        ],
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': account } },
      },
    ],
  };
}

export class DeliveryRehearsal {
  readonly deliveries: Delivery[] = [];
  private readonly byArn = new Map<string, ModelResource>();

  constructor(private readonly model: TemplateModel) {
    for (const resource of model.resources()) {
      for (const attribute of ['Ref', 'Arn', 'TopicArn', 'DBClusterArn', 'DBInstanceArn', 'BackupVaultArn', 'GroupId']) {
        const value = model.attribute(resource, attribute);
        if (typeof value === 'string' && !this.byArn.has(value)) this.byArn.set(value, resource);
      }
    }
    this.alarmsAndEvents();
    this.eventBridge();
    this.lambdaFailures();
    this.subscriptionRedrives();
    this.logGroupEncryption();
    this.backupVaults();
    this.databaseExports();
    this.loadBalancerLogs();
    this.serverAccessLogs();
    this.wafLogs();
    this.rotation();
    this.containers();
    this.proxies();
    this.flowLogs();
    this.functionLogs();
  }

  /** Evaluates every delivery; the denied ones come back with the reason. */
  async denied(): Promise<DeliveryResult[]> {
    const results: DeliveryResult[] = [];
    for (const delivery of this.deliveries) {
      const evaluation = await evaluate(delivery);
      if (evaluation.decision !== 'Allowed') results.push({ ...delivery, evaluation });
    }
    return results;
  }

  // ---------------------------------------------------------------- helpers

  private get account(): string {
    return this.model.account;
  }

  private get region(): string {
    return this.model.region;
  }

  private value(resource: ModelResource, property: string): Json {
    return this.model.resolve(resource.stack, resource.properties[property]);
  }

  private find(arnOrId: unknown): ModelResource | undefined {
    if (typeof arnOrId !== 'string') return undefined;
    return this.byArn.get(arnOrId) ?? this.byArn.get(arnOrId.replace(/:\*$/, ''));
  }

  private arn(resource: ModelResource): string {
    const attributes: Record<string, string> = {
      'AWS::SNS::Topic': 'TopicArn',
      'AWS::RDS::DBCluster': 'DBClusterArn',
      'AWS::RDS::DBInstance': 'DBInstanceArn',
      'AWS::Backup::BackupVault': 'BackupVaultArn',
      'AWS::SecretsManager::Secret': 'Ref',
      'AWS::RDS::EventSubscription': 'Arn',
    };
    return this.model.attribute(resource, attributes[resource.type] ?? 'Arn');
  }

  /** The customer-managed key that encrypts a resource, if any. */
  private keyOf(resource: ModelResource): ModelResource | undefined {
    const property: Record<string, (r: ModelResource) => Json> = {
      'AWS::SNS::Topic': (r) => this.value(r, 'KmsMasterKeyId'),
      'AWS::SQS::Queue': (r) => this.value(r, 'KmsMasterKeyId'),
      'AWS::Logs::LogGroup': (r) => this.value(r, 'KmsKeyId'),
      'AWS::SecretsManager::Secret': (r) => this.value(r, 'KmsKeyId'),
      'AWS::Backup::BackupVault': (r) => this.value(r, 'EncryptionKeyArn'),
      'AWS::S3::Bucket': (r) =>
        this.value(r, 'BucketEncryption')?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID,
    };
    const key = this.find(property[resource.type]?.(resource));
    return key?.type === 'AWS::KMS::Key' ? key : undefined;
  }

  /** The secret behind an ARN: a secret, or the target attachment CDK hands out in its place. */
  private secretOf(arn: string): ModelResource | undefined {
    const found = this.find(arn);
    if (found?.type === 'AWS::SecretsManager::SecretTargetAttachment') return this.find(this.value(found, 'SecretId'));
    return found?.type === 'AWS::SecretsManager::Secret' ? found : undefined;
  }

  /** The policy a resource carries (topic, queue, bucket, key, function, secret, log delivery). */
  private resourcePolicyOf(resource: ModelResource): Json {
    const arn = this.arn(resource);
    const statements = (type: string, property: string, matchesTarget: (value: Json) => boolean) => {
      const policies = this.model.resources(type).filter((policy) => [this.value(policy, property)].flat().some(matchesTarget));
      return policies.map((policy) => this.value(policy, 'PolicyDocument'));
    };
    switch (resource.type) {
      case 'AWS::SNS::Topic': {
        const documents = statements('AWS::SNS::TopicPolicy', 'Topics', (topic) => topic === arn);
        // A topic has one policy: a second AWS::SNS::TopicPolicy overwrites the first.
        if (documents.length > 1)
          throw new Error(`${TemplateModel.describe(resource)} has ${documents.length} topic policies; the last one applied wins`);
        return documents[0] ?? defaultTopicPolicy(arn, this.account);
      }
      case 'AWS::SQS::Queue':
        return merge(statements('AWS::SQS::QueuePolicy', 'Queues', (queue) => queue === this.model.attribute(resource, 'Ref')));
      case 'AWS::S3::Bucket':
        return merge(statements('AWS::S3::BucketPolicy', 'Bucket', (bucket) => bucket === this.model.attribute(resource, 'Ref')));
      case 'AWS::KMS::Key':
        return this.value(resource, 'KeyPolicy');
      case 'AWS::SecretsManager::Secret':
        return merge(
          this.model
            .resources('AWS::SecretsManager::ResourcePolicy')
            .filter((policy) => this.secretOf(this.value(policy, 'SecretId')) === resource)
            .map((policy) => this.value(policy, 'ResourcePolicy')),
        );
      case 'AWS::Lambda::Function': {
        const name = this.model.attribute(resource, 'Ref');
        const permissions = this.model
          .resources('AWS::Lambda::Permission')
          .filter((permission) => [name, arn].includes(this.value(permission, 'FunctionName')));
        return {
          Version: '2012-10-17',
          Statement: permissions.map((permission) => {
            const properties = this.model.resolve(permission.stack, permission.properties);
            const condition: Json = {};
            if (properties.SourceArn) condition.ArnLike = { 'AWS:SourceArn': properties.SourceArn };
            if (properties.SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': properties.SourceAccount };
            const principal = /amazonaws\.com$/.test(properties.Principal)
              ? { Service: properties.Principal }
              : { AWS: properties.Principal };
            return {
              Effect: 'Allow',
              Principal: principal,
              Action: properties.Action,
              Resource: arn,
              ...(Object.keys(condition).length ? { Condition: condition } : {}),
            };
          }),
        };
      }
      case 'AWS::EFS::FileSystem':
        return this.value(resource, 'FileSystemPolicy');
      default:
        return undefined;
    }
  }

  /** Every policy a role's principal carries: its managed policies, inline ones, and those that attach themselves. */
  private identityPoliciesOf(role: ModelResource): Json[] {
    const documents: Json[] = [];
    for (const arn of this.value(role, 'ManagedPolicyArns') ?? []) {
      const policy = this.find(arn);
      if (policy) documents.push(this.value(policy, 'PolicyDocument'));
      const awsManaged = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(String(arn));
      if (awsManaged && AWS_MANAGED_POLICIES[awsManaged[1]]) documents.push(AWS_MANAGED_POLICIES[awsManaged[1]]);
    }
    for (const inline of this.value(role, 'Policies') ?? []) documents.push(inline.PolicyDocument);
    for (const policy of this.model.resources('AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy')) {
      if ((policy.properties.Roles ?? []).some((value: Json) => this.model.referenceOf(policy.stack, value)?.target === role)) {
        documents.push(this.value(policy, 'PolicyDocument'));
      }
    }
    return documents;
  }

  private roleArnOf(owner: ModelResource, property: string): { arn: string; role: ModelResource } | undefined {
    const arn = this.model.resolve(owner.stack, owner.properties[property]);
    const role = this.find(arn);
    return role?.type === 'AWS::IAM::Role' ? { arn, role } : undefined;
  }

  private add(
    delivery: Omit<Delivery, 'resourceAccount' | 'identityPolicies'> & { resourceAccount?: string; identityPolicies?: Json[] },
  ): void {
    this.deliveries.push({ resourceAccount: this.account, identityPolicies: [], ...delivery });
  }

  /** A service principal publishing to a topic (and using its key). */
  private servicePublishes(
    service: string,
    topicArn: string,
    sourceArn: string,
    why: string,
    keyContext: Record<string, string> = { 'aws:SourceAccount': this.account, 'aws:SourceArn': sourceArn },
  ): void {
    const topic = this.find(topicArn);
    if (topic?.type !== 'AWS::SNS::Topic') return;
    this.add({
      description: `${why}: ${service} publishes to ${TemplateModel.describe(topic)}`,
      principal: service,
      action: 'sns:Publish',
      resource: topicArn,
      context: {
        'aws:SourceAccount': this.account,
        'aws:SourceArn': sourceArn,
        'aws:SecureTransport': 'true',
        'aws:SourceOwner': this.account,
      },
      resourcePolicy: this.resourcePolicyOf(topic),
    });
    this.serviceUsesKey(service, topic, why, keyContext);
  }

  /** A service principal sending to a queue (and using its key). */
  private serviceSends(service: string, queueArn: string, sourceArn: string, why: string, keyContext: Record<string, string>): void {
    const queue = this.find(queueArn);
    if (queue?.type !== 'AWS::SQS::Queue') return;
    this.add({
      description: `${why}: ${service} sends to ${TemplateModel.describe(queue)}`,
      principal: service,
      action: 'sqs:SendMessage',
      resource: this.arn(queue),
      context: { 'aws:SourceAccount': this.account, 'aws:SourceArn': sourceArn, 'aws:SecureTransport': 'true' },
      resourcePolicy: this.resourcePolicyOf(queue),
    });
    this.serviceUsesKey(service, queue, why, keyContext);
  }

  private serviceUsesKey(service: string, encrypted: ModelResource, why: string, context: Record<string, string>): void {
    const key = this.keyOf(encrypted);
    if (!key) return;
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      this.add({
        description: `${why}: ${service} uses ${TemplateModel.describe(key)}, the key of ${TemplateModel.describe(encrypted)}`,
        principal: service,
        action,
        resource: this.arn(key),
        context,
        resourcePolicy: this.resourcePolicyOf(key),
      });
    }
  }

  /** A role acting on a resource: its identity policies and the resource's policy. */
  private roleActs(
    role: { arn: string; role: ModelResource },
    action: string,
    target: ModelResource,
    resource: string,
    why: string,
    context: Record<string, string | string[]> = {},
  ): void {
    this.add({
      description: `${why}: ${TemplateModel.describe(role.role)} ${action} on ${TemplateModel.describe(target)}`,
      principal: role.arn,
      action,
      resource,
      context: { 'aws:SecureTransport': 'true', 'aws:PrincipalIsAWSService': 'false', ...context },
      identityPolicies: this.identityPoliciesOf(role.role),
      resourcePolicy: this.resourcePolicyOf(target),
    });
  }

  /** A role using the key of an encrypted resource through the service that holds it. */
  private roleUsesKeyVia(
    role: { arn: string; role: ModelResource },
    encrypted: ModelResource,
    service: string,
    actions: string[],
    why: string,
  ): void {
    const key = this.keyOf(encrypted);
    if (!key) return;
    for (const action of actions) {
      this.roleActs(role, action, key, this.arn(key), why, {
        'kms:ViaService': `${service}.${this.region}.amazonaws.com`,
        'kms:CallerAccount': this.account,
      });
    }
  }

  // ---------------------------------------------------------------- the deliveries

  private alarmsAndEvents(): void {
    for (const alarm of this.model.resources('AWS::CloudWatch::Alarm')) {
      const actions = ['AlarmActions', 'OKActions', 'InsufficientDataActions'].flatMap((property) => this.value(alarm, property) ?? []);
      for (const topicArn of new Set(actions))
        this.servicePublishes('cloudwatch.amazonaws.com', topicArn as string, this.arn(alarm), `alarm ${this.model.physicalName(alarm)}`);
    }
    // RDS publishes as the instance or cluster an event is about (its ARN is the source), not as the subscription.
    for (const subscription of this.model.resources('AWS::RDS::EventSubscription')) {
      const resource = this.value(subscription, 'SourceType') === 'db-cluster' ? 'cluster' : 'db';
      for (const id of this.value(subscription, 'SourceIds') ?? []) {
        this.servicePublishes(
          'events.rds.amazonaws.com',
          this.value(subscription, 'SnsTopicArn'),
          `arn:${this.model.partition}:rds:${this.region}:${this.account}:${resource}:${id}`,
          `RDS event subscription ${subscription.logicalId} (${resource} ${id})`,
        );
      }
    }
  }

  private eventBridge(): void {
    for (const rule of this.model.resources('AWS::Events::Rule')) {
      const ruleArn = this.arn(rule);
      // EventBridge's KMS calls carry no source context; they carry what SNS and SQS put in the
      // encryption context of every call they make for a message: the topic's or the queue's ARN.
      const keyContext = (arn: string): Record<string, string> => {
        const destination = this.find(arn);
        if (destination?.type === 'AWS::SNS::Topic') return { 'kms:EncryptionContext:aws:sns:topicArn': arn };
        return { 'kms:EncryptionContext:aws:sqs:arn': destination ? this.arn(destination) : arn };
      };
      for (const target of this.value(rule, 'Targets') ?? []) {
        const why = `rule ${this.model.physicalName(rule)} target ${target.Id}`;
        const destination = this.find(target.Arn);
        if (destination?.type === 'AWS::SNS::Topic')
          this.servicePublishes('events.amazonaws.com', target.Arn, ruleArn, why, keyContext(target.Arn));
        if (destination?.type === 'AWS::SQS::Queue')
          this.serviceSends('events.amazonaws.com', target.Arn, ruleArn, why, keyContext(target.Arn));
        if (destination?.type === 'AWS::Lambda::Function') {
          this.add({
            description: `${why}: EventBridge invokes ${TemplateModel.describe(destination)}`,
            principal: 'events.amazonaws.com',
            action: 'lambda:InvokeFunction',
            resource: this.arn(destination),
            context: { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': this.account },
            resourcePolicy: this.resourcePolicyOf(destination),
          });
        }
        if (target.DeadLetterConfig?.Arn)
          this.serviceSends(
            'events.amazonaws.com',
            target.DeadLetterConfig.Arn,
            ruleArn,
            `${why} dead letters`,
            keyContext(target.DeadLetterConfig.Arn),
          );
      }
    }
  }

  private lambdaFailures(): void {
    const destinations = (fn: ModelResource): string[] => {
      const configured = [this.value(fn, 'DeadLetterConfig')?.TargetArn];
      const name = this.model.attribute(fn, 'Ref');
      for (const config of this.model.resources('AWS::Lambda::EventInvokeConfig')) {
        if (this.value(config, 'FunctionName') === name) configured.push(this.value(config, 'DestinationConfig')?.OnFailure?.Destination);
      }
      return configured.filter((arn): arn is string => typeof arn === 'string');
    };
    for (const fn of this.model.resources('AWS::Lambda::Function')) {
      const role = this.roleArnOf(fn, 'Role');
      if (!role) continue;
      for (const arn of destinations(fn)) {
        const queue = this.find(arn);
        if (queue?.type !== 'AWS::SQS::Queue') continue;
        const why = `failed events of ${TemplateModel.describe(fn)}`;
        this.roleActs(role, 'sqs:SendMessage', queue, this.arn(queue), why);
        this.roleUsesKeyVia(role, queue, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt'], why);
      }
    }
  }

  private subscriptionRedrives(): void {
    for (const subscription of this.model.resources('AWS::SNS::Subscription')) {
      const target = this.value(subscription, 'RedrivePolicy')?.deadLetterTargetArn;
      if (target)
        this.serviceSends(
          'sns.amazonaws.com',
          target,
          this.value(subscription, 'TopicArn'),
          `undeliverable ${this.value(subscription, 'Protocol')} notifications`,
          { 'aws:SourceAccount': this.account, 'aws:SourceArn': this.value(subscription, 'TopicArn') },
        );
    }
  }

  private logGroupEncryption(): void {
    for (const logGroup of this.model.resources('AWS::Logs::LogGroup')) {
      const key = this.keyOf(logGroup);
      if (!key) continue;
      const name = this.model.physicalName(logGroup);
      for (const action of ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt']) {
        this.add({
          description: `log group ${name}: CloudWatch Logs uses ${TemplateModel.describe(key)}`,
          principal: `logs.${this.region}.amazonaws.com`,
          action,
          resource: this.arn(key),
          context: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.model.partition}:logs:${this.region}:${this.account}:log-group:${name}`,
          },
          resourcePolicy: this.resourcePolicyOf(key),
        });
      }
    }
  }

  private backupVaults(): void {
    for (const selection of this.model.resources('AWS::Backup::BackupSelection')) {
      const role = this.find(this.value(selection, 'BackupSelection')?.IamRoleArn);
      const plan = this.find(this.value(selection, 'BackupPlanId'));
      if (role?.type !== 'AWS::IAM::Role' || !plan) continue;
      const vaults = (this.value(plan, 'BackupPlan')?.BackupPlanRule ?? []).map((rule: Json) => rule.TargetBackupVault);
      for (const vault of vaults.map((name: string) =>
        this.model.resources('AWS::Backup::BackupVault').find((candidate) => this.model.physicalName(candidate) === name),
      )) {
        const key = vault && this.keyOf(vault);
        if (!key) continue;
        this.add({
          description: `backups into ${TemplateModel.describe(vault)}: the backup role creates grants on its key`,
          principal: this.model.attribute(role, 'Arn'),
          action: 'kms:CreateGrant',
          resource: this.arn(key),
          context: { 'kms:GrantIsForAWSResource': 'true', 'aws:PrincipalIsAWSService': 'false' },
          identityPolicies: [...this.identityPoliciesOf(role), DOCUMENTED_BACKUP_KEY_USE],
          resourcePolicy: this.resourcePolicyOf(key),
        });
      }
    }
  }

  private databaseExports(): void {
    for (const database of this.model.resources('AWS::RDS::DBCluster', 'AWS::RDS::DBInstance')) {
      for (const association of this.value(database, 'AssociatedRoles') ?? []) {
        if (association.FeatureName !== 's3Export') continue;
        const role = this.find(association.RoleArn);
        if (role?.type !== 'AWS::IAM::Role') continue;
        const principal = { arn: association.RoleArn, role };
        // The objects it may write: every s3:PutObject resource of its policies.
        const targets = this.identityPoliciesOf(role)
          .flatMap((document) => document.Statement ?? [])
          .filter((statement: Json) => [statement.Action].flat().includes('s3:PutObject'))
          .flatMap((statement: Json) => [statement.Resource].flat());
        for (const objectPattern of targets) {
          const bucket = this.find(String(objectPattern).replace(/\/.*$/, ''));
          if (bucket?.type !== 'AWS::S3::Bucket') continue;
          const why = `partition exports of ${TemplateModel.describe(database)}`;
          this.roleActs(
            principal,
            's3:PutObject',
            bucket,
            String(objectPattern).replace(/\*$/, 'public/GameEvent/GameEvent_p2025_01.csv'),
            why,
          );
          this.roleUsesKeyVia(principal, bucket, 's3', ['kms:GenerateDataKey'], why);
        }
      }
    }
  }

  private loadBalancerLogs(): void {
    const elbAccount = RegionInfo.get(this.region).elbv2Account;
    for (const balancer of this.model.resources('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      const attributes = Object.fromEntries(
        (this.value(balancer, 'LoadBalancerAttributes') ?? []).map((entry: Json) => [entry.Key, entry.Value]),
      );
      if (attributes['access_logs.s3.enabled'] !== 'true') continue;
      const bucket = this.model
        .resources('AWS::S3::Bucket')
        .find((candidate) => this.model.attribute(candidate, 'Ref') === attributes['access_logs.s3.bucket']);
      if (!bucket) continue;
      const prefix = attributes['access_logs.s3.prefix'] ? `${attributes['access_logs.s3.prefix']}/` : '';
      this.add({
        description: `access logs of ${TemplateModel.describe(balancer)}`,
        principal: elbAccount ? `arn:${this.model.partition}:iam::${elbAccount}:root` : 'logdelivery.elasticloadbalancing.amazonaws.com',
        action: 's3:PutObject',
        resource: `${this.arn(bucket)}/${prefix}AWSLogs/${this.account}/elasticloadbalancing/${this.region}/2026/11/28/log.gz`,
        context: { 'aws:SecureTransport': 'true', 'aws:SourceAccount': this.account },
        identityPolicies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }] }],
        resourcePolicy: this.resourcePolicyOf(bucket),
      });
    }
  }

  private serverAccessLogs(): void {
    for (const source of this.model.resources('AWS::S3::Bucket')) {
      const logging = this.value(source, 'LoggingConfiguration');
      if (!logging?.DestinationBucketName) continue;
      const destination = this.model
        .resources('AWS::S3::Bucket')
        .find((candidate) => this.model.attribute(candidate, 'Ref') === logging.DestinationBucketName);
      if (!destination) continue;
      this.add({
        description: `server access logs of ${TemplateModel.describe(source)}`,
        principal: 'logging.s3.amazonaws.com',
        action: 's3:PutObject',
        resource: `${this.arn(destination)}/${logging.LogFilePrefix ?? ''}2026-11-28-00-00-00-0123456789ABCDEF`,
        context: { 'aws:SecureTransport': 'true', 'aws:SourceAccount': this.account, 'aws:SourceArn': this.arn(source) },
        resourcePolicy: this.resourcePolicyOf(destination),
      });
    }
  }

  private wafLogs(): void {
    const deliveryPolicy = merge(
      this.model.resources('AWS::Logs::ResourcePolicy').map((policy) => JSON.parse(this.value(policy, 'PolicyDocument'))),
    );
    for (const logging of this.model.resources('AWS::WAFv2::LoggingConfiguration')) {
      for (const destination of this.value(logging, 'LogDestinationConfigs') ?? []) {
        if (!String(destination).includes(':logs:')) continue;
        for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
          this.add({
            description: `WAF logs of ${TemplateModel.describe(logging)} delivered to ${destination}`,
            principal: 'delivery.logs.amazonaws.com',
            action,
            resource: `${destination}:log-stream:eu-west-1_cs2analytics_0`,
            context: {
              'aws:SourceAccount': this.account,
              'aws:SourceArn': `arn:${this.model.partition}:logs:${this.region}:${this.account}:delivery-source:waf`,
            },
            resourcePolicy: deliveryPolicy,
          });
        }
      }
    }
  }

  private rotation(): void {
    for (const schedule of this.model.resources('AWS::SecretsManager::RotationSchedule')) {
      const secret = this.secretOf(this.value(schedule, 'SecretId'));
      const hosted = this.value(schedule, 'HostedRotationLambda');
      const functionArn = hosted
        ? `arn:${this.model.partition}:lambda:${this.region}:${this.account}:function:${hosted.RotationLambdaName ?? 'rotation'}`
        : this.value(schedule, 'RotationLambdaARN');
      if (!secret || !functionArn) continue;
      const key = this.keyOf(secret);
      // A hosted rotation's function and role live in the application's own stack: its documented
      // permissions stand in. A function of these templates is evaluated with its own role.
      const fn = hosted ? undefined : this.find(functionArn);
      const role = fn && this.roleArnOf(fn, 'Role');
      if (!hosted && !role)
        throw new Error(`rotation function ${functionArn} of ${TemplateModel.describe(schedule)} is not in the templates`);
      const roleArn = role?.arn ?? `arn:${this.model.partition}:iam::${this.account}:role/${String(functionArn).split(':').pop()}-role`;
      const identity = role
        ? this.identityPoliciesOf(role.role)
        : [documentedRotationPolicy(this.arn(secret), functionArn, key && this.arn(key))];
      const why = `rotation of ${TemplateModel.describe(secret)}`;
      if (fn) {
        this.add({
          description: `${why}: Secrets Manager invokes ${TemplateModel.describe(fn)}`,
          principal: 'secretsmanager.amazonaws.com',
          action: 'lambda:InvokeFunction',
          resource: this.arn(fn),
          context: { 'aws:SourceArn': this.arn(secret), 'aws:SourceAccount': this.account },
          resourcePolicy: this.resourcePolicyOf(fn),
        });
      }
      for (const action of ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']) {
        this.add({
          description: `${why}: ${action}`,
          principal: roleArn,
          action,
          resource: this.arn(secret),
          context: {
            'secretsmanager:resource/AllowRotationLambdaArn': functionArn,
            'aws:SecureTransport': 'true',
            'aws:PrincipalIsAWSService': 'false',
          },
          identityPolicies: identity,
          resourcePolicy: this.resourcePolicyOf(secret),
        });
      }
      if (key) {
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          this.add({
            description: `${why}: ${action} on its key`,
            principal: roleArn,
            action,
            resource: this.arn(key),
            context: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com`, 'aws:PrincipalIsAWSService': 'false' },
            identityPolicies: identity,
            resourcePolicy: this.resourcePolicyOf(key),
          });
        }
      }
    }
  }

  private containers(): void {
    for (const definition of this.model.resources('AWS::ECS::TaskDefinition')) {
      const execution = this.roleArnOf(definition, 'ExecutionRoleArn');
      const task = this.roleArnOf(definition, 'TaskRoleArn');
      for (const container of this.value(definition, 'ContainerDefinitions') ?? []) {
        const why = `task ${this.value(definition, 'Family')} container ${container.Name}`;
        const repository = this.model
          .resources('AWS::ECR::Repository')
          .find((candidate) => String(container.Image).includes(`/${this.model.physicalName(candidate)}:`));
        if (execution && repository) {
          for (const action of ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'])
            this.roleActs(execution, action, repository, this.arn(repository), `${why} image`);
          this.add({
            description: `${why} image: registry login`,
            principal: execution.arn,
            action: 'ecr:GetAuthorizationToken',
            resource: '*',
            context: {},
            identityPolicies: this.identityPoliciesOf(execution.role),
          });
        }
        const logGroupName = container.LogConfiguration?.Options?.['awslogs-group'];
        const logGroup = this.model
          .resources('AWS::Logs::LogGroup')
          .find((candidate) => this.model.physicalName(candidate) === logGroupName);
        if (execution && logGroup) {
          for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
            this.roleActs(
              execution,
              action,
              logGroup,
              `arn:${this.model.partition}:logs:${this.region}:${this.account}:log-group:${logGroupName}:log-stream:${container.Name}/x`,
              `${why} logs`,
            );
          }
        }
        for (const injected of container.Secrets ?? []) {
          const secretArn = String(injected.ValueFrom).replace(/(:secret:[^:]+)(:.*)$/, '$1');
          const secret = this.secretOf(secretArn);
          if (!execution || !secret) continue;
          this.roleActs(execution, 'secretsmanager:GetSecretValue', secret, this.arn(secret), `${why} secret ${injected.Name}`);
          this.roleUsesKeyVia(execution, secret, 'secretsmanager', ['kms:Decrypt'], `${why} secret ${injected.Name}`);
        }
      }
      for (const volume of this.value(definition, 'Volumes') ?? []) {
        const efs = volume.EFSVolumeConfiguration;
        const fileSystem = efs && this.find(efs.FilesystemId);
        if (!task || !fileSystem) continue;
        const accessPoint = this.find(efs.AuthorizationConfig?.AccessPointId);
        for (const action of ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite']) {
          this.roleActs(task, action, fileSystem, this.arn(fileSystem), `task ${this.value(definition, 'Family')} volume ${volume.Name}`, {
            'aws:SecureTransport': efs.TransitEncryption === 'ENABLED' ? 'true' : 'false',
            'elasticfilesystem:AccessedViaMountTarget': 'true',
            ...(accessPoint ? { 'elasticfilesystem:AccessPointArn': this.arn(accessPoint) } : {}),
          });
        }
      }
    }
  }

  private proxies(): void {
    for (const proxy of this.model.resources('AWS::RDS::DBProxy')) {
      const role = this.roleArnOf(proxy, 'RoleArn');
      for (const auth of this.value(proxy, 'Auth') ?? []) {
        const secret = this.secretOf(auth.SecretArn);
        if (!role || !secret) continue;
        const why = `${TemplateModel.describe(proxy)} authenticates clients`;
        this.roleActs(role, 'secretsmanager:GetSecretValue', secret, this.arn(secret), why);
        this.roleUsesKeyVia(role, secret, 'secretsmanager', ['kms:Decrypt'], why);
      }
    }
  }

  private flowLogs(): void {
    for (const flowLog of this.model.resources('AWS::EC2::FlowLog')) {
      const role = this.roleArnOf(flowLog, 'DeliverLogsPermissionArn');
      const name = this.value(flowLog, 'LogGroupName');
      const logGroup = this.model.resources('AWS::Logs::LogGroup').find((candidate) => this.model.physicalName(candidate) === name);
      if (!role || !logGroup) continue;
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        this.roleActs(
          role,
          action,
          logGroup,
          `arn:${this.model.partition}:logs:${this.region}:${this.account}:log-group:${name}:log-stream:eni-0123`,
          `flow log ${flowLog.logicalId}`,
        );
      }
    }
  }

  private functionLogs(): void {
    for (const fn of this.model.resources('AWS::Lambda::Function')) {
      const role = this.roleArnOf(fn, 'Role');
      const name = this.value(fn, 'LoggingConfig')?.LogGroup ?? `/aws/lambda/${this.model.physicalName(fn)}`;
      const logGroup = this.model.resources('AWS::Logs::LogGroup').find((candidate) => this.model.physicalName(candidate) === name);
      if (!role || !logGroup) continue;
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        this.roleActs(
          role,
          action,
          logGroup,
          `arn:${this.model.partition}:logs:${this.region}:${this.account}:log-group:${name}:log-stream:2026/11/28/[$LATEST]0123`,
          `logs of ${TemplateModel.describe(fn)}`,
        );
      }
    }
  }
}

function merge(documents: Json[]): Json {
  const statements = documents.flatMap((document) => document?.Statement ?? []);
  return statements.length ? { Version: '2012-10-17', Statement: statements } : undefined;
}
