import { RegionInfo } from 'aws-cdk-lib/region-info';
import { isReadReplica } from '../../scripts/lib/cloudformation-facts';
import { defaultTopicPolicy, documentedRotationPolicy } from './delivery';
import { evaluate, type AccessRequest } from './iam-evaluator';
import { NetworkModel, type NetworkNode, type Subnet } from './network';
import { TemplateModel, type Json, type ModelResource } from './template-model';

/**
 * Who can do what: every identity of an environment (task and execution roles, function roles, the
 * proxy's role, rotation functions, the service principals its resource policies name, acting for
 * this account and for another one, and a principal of another account) against every sensitive
 * capability (read or write each secret, use each key directly, read, write or delete in each
 * bucket, invoke each function, publish or send to each topic and queue, update or stop services,
 * run tasks, pass roles, mount and write the file system), each cell decided by the real IAM
 * evaluator on the synthesized identity, resource and key policies; plus which compute reaches the
 * database, the proxy, Redis and the file system through the security groups.
 *
 * Identities and capabilities are named by what they are, never by the environment (`Services/ApiTaskRole`,
 * `read secret database/master`, `connect to proxy:5432`), so one intended matrix (docs/security.md)
 * serves every environment and engine mode.
 */

/** The account a foreign principal (or a service acting for a foreign resource) comes from. */
export const OTHER_ACCOUNT = '222222222222';

export type Group = 'secrets' | 'keys' | 'buckets' | 'functions' | 'messaging' | 'ecs' | 'pass-role' | 'file-systems' | 'network';

/** The sections of docs/security.md, in order. */
export const GROUPS: readonly { readonly id: Group; readonly heading: string }[] = [
  { id: 'secrets', heading: 'Secrets' },
  { id: 'keys', heading: 'KMS keys, used directly' },
  { id: 'buckets', heading: 'Buckets' },
  { id: 'functions', heading: 'Functions' },
  { id: 'messaging', heading: 'Topics and queues' },
  { id: 'ecs', heading: 'ECS' },
  { id: 'pass-role', heading: 'Passing roles' },
  { id: 'file-systems', heading: 'File systems' },
  { id: 'network', heading: 'Network reachability' },
];

export interface Cell {
  readonly identity: string;
  readonly capability: string;
}

export interface ComputedCell extends Cell {
  readonly group: Group;
  /** Which statements allowed it (the evaluator's words), or the security-group rules. */
  readonly detail: string;
}

export interface AccessMatrix {
  /** The granted cells; every other (identity, capability) pair was evaluated and denied. */
  readonly cells: ComputedCell[];
  readonly identities: string[];
  readonly capabilities: string[];
  /** How many requests went to the evaluator (the rest were ruled out: no statement could allow them). */
  readonly evaluations: number;
}

type Context = Record<string, string | string[]>;

interface Identity {
  readonly label: string;
  readonly kind: 'role' | 'service' | 'account';
  readonly principal: string;
  /** The account it acts in (a role's, the foreign account's) or for (a service principal's source). */
  readonly account: string;
  readonly policies: readonly Json[];
  readonly service?: string;
}

interface Alternative {
  readonly resource: string;
  readonly context: Context;
}

interface RequestSpec {
  readonly action: string;
  readonly resourcePolicy?: Json;
  /** Ways to make the request (which object, which access point, ...): one allowed is enough. */
  readonly alternatives: readonly Alternative[];
  /** The resource names the account only inside an object key (S3): rewritten for another account's requests. */
  readonly objectKey?: boolean;
}

interface Capability {
  readonly label: string;
  readonly group: Group;
  /** Every request must be allowed (reading a secret: GetSecretValue, and Decrypt on its key). */
  readonly requests: readonly RequestSpec[];
}

/**
 * The AWS-managed policies the templates attach, as AWS publishes them (policy versions of February
 * 2026), cut to the statements about the services this matrix asks about (KMS, IAM, Secrets Manager,
 * S3, Lambda, SNS, SQS, ECS, EFS). A managed policy not listed here stops the computation.
 */
const AWS_MANAGED_POLICIES: Record<string, Json> = {
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
  'service-role/AmazonRDSEnhancedMonitoringRole': {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'], Resource: 'arn:aws:logs:*:*:log-group:RDS*' },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
        Resource: 'arn:aws:logs:*:*:log-group:RDS*:log-stream:*',
      },
    ],
  },
  'service-role/AWSBackupServiceRolePolicyForBackup': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['elasticfilesystem:Backup', 'elasticfilesystem:DescribeTags'],
        Resource: 'arn:aws:elasticfilesystem:*:*:file-system/*',
      },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringLike: { 'kms:ViaService': ['dynamodb.*.amazonaws.com'] } },
      },
      { Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' },
      { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptTo', 'kms:ReEncryptFrom'],
        Resource: 'arn:aws:kms:*:*:key/*',
        Condition: {
          StringLike: { 'kms:ViaService': ['ec2.*.amazonaws.com'] },
          'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'aws:ebs:id' },
        },
      },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringLike: { 'kms:ViaService': ['dsql.*.amazonaws.com'] },
          'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'aws:dsql:ClusterId' },
        },
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: 'arn:aws:iam::*:role/*',
        Condition: { StringEquals: { 'iam:PassedToService': 'malware-protection.guardduty.amazonaws.com' } },
      },
    ],
  },
  'service-role/AWSBackupServiceRolePolicyForRestores': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'elasticfilesystem:Restore',
          'elasticfilesystem:CreateFilesystem',
          'elasticfilesystem:DescribeFilesystems',
          'elasticfilesystem:DeleteFilesystem',
          'elasticfilesystem:TagResource',
        ],
        Resource: 'arn:aws:elasticfilesystem:*:*:file-system/*',
      },
      { Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' },
      {
        Effect: 'Allow',
        Action: [
          'kms:Decrypt',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:ReEncryptTo',
          'kms:ReEncryptFrom',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:DescribeKey',
        ],
        Resource: '*',
        Condition: {
          StringLike: {
            'kms:ViaService': [
              'dynamodb.*.amazonaws.com',
              'ec2.*.amazonaws.com',
              'elasticfilesystem.*.amazonaws.com',
              'rds.*.amazonaws.com',
              'redshift.*.amazonaws.com',
              'dsql.*.amazonaws.com',
              'redshift-serverless.*.amazonaws.com',
            ],
          },
        },
      },
      { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: 'arn:aws:iam::*:role/*',
        Condition: {
          StringEquals: {
            'iam:PassedToService': ['eks.amazonaws.com', 'ec2.amazonaws.com', 'pods.eks.amazonaws.com', 'backup.amazonaws.com'],
          },
        },
      },
    ],
  },
};

/** Everything allowed, for the administrator of another account (or an AWS-owned account a policy names). */
const ADMINISTRATOR = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** Context keys set for every request of their kind, never read from a statement. */
const FIXED_KEYS = new Set(['aws:securetransport', 'aws:principalisawsservice']);

export class AccessMatrixComputation {
  private readonly byValue = new Map<string, ModelResource>();
  private readonly environment: string;
  private readonly identities: Identity[] = [];
  private readonly capabilities: Capability[] = [];
  private readonly documents = new Map<ModelResource, Json[]>();
  private evaluations = 0;

  constructor(private readonly model: TemplateModel) {
    this.environment = model.stacks[0].stackName.split('-')[1];
    // Secrets first: a target attachment's Ref is its secret's ARN, which must find the secret.
    const ordered = [...model.resources('AWS::SecretsManager::Secret'), ...model.resources()];
    for (const resource of ordered) {
      for (const attribute of ['Ref', 'Arn', 'TopicArn', 'GroupId']) {
        const value = model.attribute(resource, attribute);
        if (typeof value === 'string' && !this.byValue.has(value)) this.byValue.set(value, resource);
      }
    }
    this.readIdentities();
    this.readCapabilities();
  }

  // ---------------------------------------------------------------- the matrix

  async compute(): Promise<AccessMatrix> {
    const cells: ComputedCell[] = [];
    for (const identity of this.identities) {
      for (const capability of this.capabilities) {
        const detail = await this.granted(identity, capability);
        if (detail !== undefined) cells.push({ identity: identity.label, capability: capability.label, group: capability.group, detail });
      }
    }
    const network = this.network();
    cells.push(...network.cells);
    return {
      cells: sortCells(cells),
      identities: [...new Set([...this.identities.map((identity) => identity.label), ...network.sources])].sort(),
      capabilities: [...new Set([...this.capabilities.map((capability) => capability.label), ...network.targets])].sort(),
      evaluations: this.evaluations,
    };
  }

  /** The statements that allow every request of the capability, or undefined when one is denied. */
  private async granted(identity: Identity, capability: Capability): Promise<string | undefined> {
    if (!capability.requests.every((request) => this.mayAllow(identity, request))) return undefined;
    const details: string[] = [];
    for (const request of capability.requests) {
      const detail = await this.allowed(identity, request);
      if (detail === undefined) return undefined;
      details.push(`${request.action}: ${detail}`);
    }
    return details.join('; ');
  }

  private async allowed(identity: Identity, request: RequestSpec): Promise<string | undefined> {
    for (const alternative of this.alternativesFor(identity, request)) {
      const evaluation = await this.evaluate({
        principal: identity.principal,
        action: request.action,
        resource: alternative.resource,
        resourceAccount: this.model.account,
        context: alternative.context,
        identityPolicies: identity.policies,
        resourcePolicy: request.resourcePolicy,
      });
      if (evaluation.decision === 'Allowed') return evaluation.detail;
    }
    return undefined;
  }

  /** The evaluator, leaving out the context keys an action does not take (they are absent from such a request). */
  private async evaluate(request: AccessRequest) {
    this.evaluations++;
    try {
      return await evaluate(request);
    } catch (error) {
      const match = /does not take the context keys (.*): fix the request/.exec(String((error as Error).message));
      if (!match) throw error;
      const unknown = new Set(match[1].split(', ').map((key) => key.toLowerCase()));
      const context = Object.fromEntries(Object.entries(request.context).filter(([key]) => !unknown.has(key.toLowerCase())));
      return evaluate({ ...request, context });
    }
  }

  /**
   * The concrete requests an identity would make. A role or a foreign account makes the capability's
   * own requests. A service principal acts for a source resource: for this account, it brings what
   * the resource policy's statements about it ask for (the source account and ARN they name, a log
   * group's encryption context); for another account, the same requests with that account in every
   * value, which only a statement without a condition on the source lets through.
   */
  private alternativesFor(identity: Identity, request: RequestSpec): Alternative[] {
    const own: Context = { 'aws:SecureTransport': 'true' };
    if (identity.kind !== 'service') {
      own['aws:PrincipalIsAWSService'] = 'false';
      if (request.action.startsWith('kms:')) own['kms:CallerAccount'] = identity.account;
      return request.alternatives.map((alternative) => ({ resource: alternative.resource, context: { ...own, ...alternative.context } }));
    }
    const service = identity.service!;
    own['aws:PrincipalIsAWSService'] = 'true';
    const fromStatements: Context[] = [
      {
        'aws:SourceAccount': this.model.account,
        'aws:SourceArn': `arn:${this.model.partition}:${service.split('.')[0]}:${this.model.region}:${this.model.account}:source`,
      },
    ];
    for (const statement of statementsOf(request.resourcePolicy)) {
      if (statement.Effect !== 'Allow' || !actionMatches(statement, request.action) || !namesService(statement, service)) continue;
      fromStatements.push({ 'aws:SourceAccount': this.model.account, ...instantiate(statement.Condition) });
    }
    const foreign = identity.account !== this.model.account;
    const rewrite = <T>(value: T): T => (foreign ? replaceAccount(value, this.model.account, identity.account) : value);
    const result: Alternative[] = [];
    for (const alternative of request.alternatives) {
      for (const context of fromStatements) {
        result.push({
          resource: request.objectKey ? rewrite(alternative.resource) : alternative.resource,
          context: { ...own, ...rewrite(alternative.context), ...rewrite(context) },
        });
      }
    }
    return result;
  }

  /** Whether any statement could allow the request (if none does, it is denied without asking the evaluator). */
  private mayAllow(identity: Identity, request: RequestSpec): boolean {
    const resources = request.alternatives.map((alternative) => alternative.resource);
    const byIdentity = identity.policies.some((document) =>
      statementsOf(document).some(
        (statement) => statement.Effect === 'Allow' && actionMatches(statement, request.action) && resourceMatches(statement, resources),
      ),
    );
    if (byIdentity) return true;
    return statementsOf(request.resourcePolicy).some(
      (statement) =>
        statement.Effect === 'Allow' &&
        actionMatches(statement, request.action) &&
        (identity.kind === 'service'
          ? namesService(statement, identity.service!)
          : namesPrincipal(statement, identity, this.model.account)),
    );
  }

  // ---------------------------------------------------------------- identities

  private readIdentities(): void {
    const { model } = this;
    for (const role of model.resources('AWS::IAM::Role')) {
      this.identities.push({
        label: this.label(role),
        kind: 'role',
        principal: model.attribute(role, 'Arn'),
        account: model.account,
        policies: this.identityPoliciesOf(role),
      });
    }
    // A hosted rotation's function and role live in the rotation application's own stack: the
    // policy that application gives its role (the SAM template AWSSecretsManagerRotationPolicy,
    // and the key it is given) stands in.
    for (const schedule of model.resources('AWS::SecretsManager::RotationSchedule')) {
      const hosted = this.value(schedule, 'HostedRotationLambda');
      if (!hosted) continue;
      const functionArn = this.hostedFunctionArn(hosted.RotationLambdaName ?? schedule.logicalId);
      this.identities.push({
        label: this.hostedLabel(schedule),
        kind: 'role',
        principal: `arn:${model.partition}:iam::${model.account}:role/${hosted.RotationLambdaName ?? schedule.logicalId}-role`,
        account: model.account,
        // The SAM policy names every secret of the account, held by AllowRotationLambdaArn.
        policies: [
          documentedRotationPolicy(
            `arn:${model.partition}:secretsmanager:${model.region}:${model.account}:secret:*`,
            functionArn,
            hosted.KmsKeyArn,
          ),
        ],
      });
    }
    const services = new Set<string>();
    const accounts = new Set<string>();
    for (const document of this.resourcePolicies()) {
      for (const statement of statementsOf(document)) {
        const principal = statement.Principal;
        if (!principal || typeof principal !== 'object') continue;
        for (const service of [principal.Service ?? []].flat()) services.add(String(service));
        for (const aws of [principal.AWS ?? []].flat()) {
          const account = /^(?:arn:[^:]+:iam::)?(\d{12})(?::root)?$/.exec(String(aws))?.[1];
          // Another account at large is a row of its own (below).
          if (account && account !== model.account && account !== OTHER_ACCOUNT) accounts.add(account);
        }
      }
    }
    for (const service of [...services].sort()) {
      const name = service.replace(`.${model.region}.`, '.<region>.');
      for (const account of [model.account, OTHER_ACCOUNT]) {
        this.identities.push({
          label: account === model.account ? name : `${name} for another account`,
          kind: 'service',
          principal: service,
          service,
          account,
          policies: [],
        });
      }
    }
    const elbAccount = RegionInfo.get(model.region).elbv2Account;
    for (const account of [...accounts].sort()) {
      this.identities.push({
        label: account === elbAccount ? 'ELB log delivery account' : `account ${account}`,
        kind: 'account',
        principal: `arn:${model.partition}:iam::${account}:root`,
        account,
        policies: [ADMINISTRATOR],
      });
    }
    this.identities.push({
      label: 'another account',
      kind: 'account',
      principal: `arn:${model.partition}:iam::${OTHER_ACCOUNT}:role/administrator`,
      account: OTHER_ACCOUNT,
      policies: [ADMINISTRATOR],
    });
  }

  /** Every policy a role's principal carries: managed (the templates' and AWS's), inline, and those that attach themselves. */
  private identityPoliciesOf(role: ModelResource): Json[] {
    const documents: Json[] = [];
    for (const arn of this.value(role, 'ManagedPolicyArns') ?? []) {
      const awsManaged = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(String(arn));
      if (awsManaged) {
        const known = AWS_MANAGED_POLICIES[awsManaged[1]];
        if (!known)
          throw new Error(
            `${TemplateModel.describe(role)} has the AWS-managed policy ${awsManaged[1]}: add what it allows to AWS_MANAGED_POLICIES`,
          );
        documents.push(known);
        continue;
      }
      const policy = this.find(arn);
      if (policy?.type !== 'AWS::IAM::ManagedPolicy')
        throw new Error(`${TemplateModel.describe(role)}: managed policy ${arn} is not in the templates`);
      documents.push(this.value(policy, 'PolicyDocument'));
    }
    for (const inline of this.value(role, 'Policies') ?? []) documents.push(inline.PolicyDocument);
    for (const policy of this.model.resources('AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy')) {
      if ((policy.properties.Roles ?? []).some((value: Json) => this.model.referenceOf(policy.stack, value)?.target === role)) {
        documents.push(this.value(policy, 'PolicyDocument'));
      }
    }
    return documents;
  }

  // ---------------------------------------------------------------- capabilities

  private readCapabilities(): void {
    const { model } = this;
    const add = (label: string, group: Group, requests: RequestSpec[]) => this.capabilities.push({ label, group, requests });
    const one = (resource: string, context: Context = {}): Alternative[] => [{ resource, context }];
    const via = (service: string): Context => ({ 'kms:ViaService': `${service}.${model.region}.amazonaws.com` });

    for (const secret of model.resources('AWS::SecretsManager::Secret')) {
      const arn = model.attribute(secret, 'Ref');
      const rotation = this.rotationFunctionOf(secret);
      const context: Context = rotation ? { 'secretsmanager:resource/AllowRotationLambdaArn': rotation } : {};
      const policy = this.resourcePolicyOf(secret);
      const key = this.keyOf(secret);
      const keyUse = (action: string): RequestSpec[] =>
        key
          ? [{ action, resourcePolicy: this.keyPolicyOf(key), alternatives: one(model.attribute(key, 'Arn'), via('secretsmanager')) }]
          : [];
      const name = this.secretLabel(secret);
      add(`read secret ${name}`, 'secrets', [
        { action: 'secretsmanager:GetSecretValue', resourcePolicy: policy, alternatives: one(arn, context) },
        ...keyUse('kms:Decrypt'),
      ]);
      add(`write secret ${name}`, 'secrets', [
        { action: 'secretsmanager:PutSecretValue', resourcePolicy: policy, alternatives: one(arn, context) },
        ...keyUse('kms:GenerateDataKey'),
      ]);
    }

    for (const key of model.resources('AWS::KMS::Key')) {
      const arn = model.attribute(key, 'Arn');
      const policy = this.keyPolicyOf(key);
      const name = this.label(key);
      add(`decrypt with key ${name}`, 'keys', [{ action: 'kms:Decrypt', resourcePolicy: policy, alternatives: one(arn) }]);
      add(`encrypt with key ${name}`, 'keys', [{ action: 'kms:GenerateDataKey', resourcePolicy: policy, alternatives: one(arn) }]);
      add(`administer key ${name}`, 'keys', [{ action: 'kms:PutKeyPolicy', resourcePolicy: policy, alternatives: one(arn) }]);
    }

    for (const bucket of model.resources('AWS::S3::Bucket')) {
      const arn = model.attribute(bucket, 'Arn');
      const policy = this.resourcePolicyOf(bucket);
      const objects = this.objectsOf(arn);
      const key = this.keyOf(bucket);
      const keyUse = (action: string): RequestSpec[] =>
        key ? [{ action, resourcePolicy: this.keyPolicyOf(key), alternatives: one(model.attribute(key, 'Arn'), via('s3')) }] : [];
      const objectRequest = (action: string, contexts: Context[] = [{}]): RequestSpec => ({
        action,
        resourcePolicy: policy,
        objectKey: true,
        alternatives: objects.flatMap((object) => contexts.map((context) => ({ resource: object, context }))),
      });
      const name = this.label(bucket).replace(/Bucket$/, '');
      add(`read bucket ${name}`, 'buckets', [objectRequest('s3:GetObject'), ...keyUse('kms:Decrypt')]);
      add(`write bucket ${name}`, 'buckets', [
        objectRequest('s3:PutObject', [{}, { 's3:x-amz-acl': 'bucket-owner-full-control' }]),
        ...keyUse('kms:GenerateDataKey'),
      ]);
      add(`delete in bucket ${name}`, 'buckets', [objectRequest('s3:DeleteObject')]);
    }

    for (const fn of model.resources('AWS::Lambda::Function')) {
      add(`invoke ${this.label(fn)}`, 'functions', [
        { action: 'lambda:InvokeFunction', resourcePolicy: this.resourcePolicyOf(fn), alternatives: one(model.attribute(fn, 'Arn')) },
      ]);
    }

    for (const topic of model.resources('AWS::SNS::Topic')) {
      const key = this.keyOf(topic);
      add(`publish to ${this.label(topic)}`, 'messaging', [
        { action: 'sns:Publish', resourcePolicy: this.resourcePolicyOf(topic), alternatives: one(model.attribute(topic, 'TopicArn')) },
        ...(key
          ? ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
              action,
              resourcePolicy: this.keyPolicyOf(key),
              alternatives: one(model.attribute(key, 'Arn'), via('sns')),
            }))
          : []),
      ]);
    }
    for (const queue of model.resources('AWS::SQS::Queue')) {
      const key = this.keyOf(queue);
      add(`send to ${this.label(queue)}`, 'messaging', [
        { action: 'sqs:SendMessage', resourcePolicy: this.resourcePolicyOf(queue), alternatives: one(model.attribute(queue, 'Arn')) },
        ...(key
          ? ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
              action,
              resourcePolicy: this.keyPolicyOf(key),
              alternatives: one(model.attribute(key, 'Arn'), via('sqs')),
            }))
          : []),
      ]);
    }

    for (const cluster of model.resources('AWS::ECS::Cluster')) {
      const clusterArn = model.attribute(cluster, 'Arn');
      const clusterName = model.physicalName(cluster);
      const context = { 'ecs:cluster': clusterArn };
      const prefix = `arn:${model.partition}:ecs:${model.region}:${model.account}`;
      for (const service of model.resources('AWS::ECS::Service')) {
        if (this.value(service, 'Cluster') !== clusterName && this.value(service, 'Cluster') !== clusterArn) continue;
        const name = model.physicalName(service);
        add(`ecs:UpdateService ${this.shortName(name)}`, 'ecs', [
          { action: 'ecs:UpdateService', alternatives: one(`${prefix}:service/${clusterName}/${name}`, context) },
        ]);
      }
      const task = one(`${prefix}:task/${clusterName}/0123456789abcdef`, context);
      add('ecs:StopTask', 'ecs', [{ action: 'ecs:StopTask', alternatives: task }]);
      add('ecs:ExecuteCommand', 'ecs', [{ action: 'ecs:ExecuteCommand', alternatives: task }]);
      for (const definition of model.resources('AWS::ECS::TaskDefinition')) {
        add(`ecs:RunTask ${this.shortName(String(this.value(definition, 'Family')))}`, 'ecs', [
          { action: 'ecs:RunTask', alternatives: one(model.attribute(definition, 'Ref'), context) },
        ]);
      }
    }

    for (const role of model.resources('AWS::IAM::Role')) {
      const trusted = statementsOf(this.value(role, 'AssumeRolePolicyDocument')).flatMap((statement) =>
        [statement.Principal?.Service ?? []].flat().map(String),
      );
      add(`iam:PassRole ${this.label(role)}`, 'pass-role', [
        {
          action: 'iam:PassRole',
          alternatives: (trusted.length ? trusted : [undefined]).map((service) => ({
            resource: model.attribute(role, 'Arn'),
            context: (service ? { 'iam:PassedToService': service } : {}) as Context,
          })),
        },
      ]);
    }

    // Writing or taking root on a file system needs mounting it first (ClientMount).
    for (const fileSystem of model.resources('AWS::EFS::FileSystem')) {
      const arn = model.attribute(fileSystem, 'Arn');
      const id = model.attribute(fileSystem, 'Ref');
      const accessPoints = model
        .resources('AWS::EFS::AccessPoint')
        .filter((accessPoint) => this.value(accessPoint, 'FileSystemId') === id)
        .map((accessPoint) => model.attribute(accessPoint, 'Arn'));
      const base = { 'elasticfilesystem:AccessedViaMountTarget': 'true' };
      const alternatives = [base, ...accessPoints.map((accessPoint) => ({ ...base, 'elasticfilesystem:AccessPointArn': accessPoint }))].map(
        (context) => ({ resource: arn, context }),
      );
      const policy = this.value(fileSystem, 'FileSystemPolicy');
      const request = (action: string): RequestSpec => ({ action, resourcePolicy: policy, alternatives });
      const name = this.label(fileSystem);
      add(`mount file system ${name}`, 'file-systems', [request('elasticfilesystem:ClientMount')]);
      add(`write file system ${name}`, 'file-systems', [
        request('elasticfilesystem:ClientMount'),
        request('elasticfilesystem:ClientWrite'),
      ]);
      add(`get root on file system ${name}`, 'file-systems', [
        request('elasticfilesystem:ClientMount'),
        request('elasticfilesystem:ClientRootAccess'),
      ]);
    }
  }

  /** Every object key the templates' policies name in a bucket (wildcards filled in), and one they do not. */
  private objectsOf(bucketArn: string): string[] {
    const documents = [
      ...this.model.resources('AWS::IAM::Role').flatMap((role) => this.identityPoliciesOf(role)),
      ...this.resourcePolicies(),
    ];
    const objects = new Set<string>([`${bucketArn}/object`]);
    for (const document of documents) {
      for (const statement of statementsOf(document)) {
        for (const resource of [statement.Resource ?? []].flat()) {
          if (typeof resource === 'string' && resource.startsWith(`${bucketArn}/`)) objects.add(resource.replace(/[*?]/g, 'x'));
        }
      }
    }
    return [...objects].sort();
  }

  // ---------------------------------------------------------------- network

  /** Which compute opens a TCP connection to the database, the proxy, Redis and the file system, on their ports. */
  private network(): { cells: ComputedCell[]; sources: string[]; targets: string[] } {
    const { model } = this;
    const network = new NetworkModel(model);
    const sources: { label: string; node: NetworkNode }[] = [];
    for (const node of network.nodes) {
      if (node.kind === 'service') sources.push({ label: node.name, node });
      if (node.kind === 'function') sources.push({ label: this.label(node.resource), node });
      if (node.kind === 'rotation') sources.push({ label: this.hostedLabel(node.resource), node });
      if (node.kind === 'load-balancer') sources.push({ label: 'load balancer', node });
    }
    // The tasks a deploy runs itself (migrations): the task definition's containers in the groups it names.
    for (const task of model.resources('Custom::DeployTimeTask')) {
      const groups = JSON.parse(String(this.value(task, 'SecurityGroups') ?? '[]')) as string[];
      const subnetIds = JSON.parse(String(this.value(task, 'Subnets') ?? '[]')) as string[];
      const subnets: Subnet[] = subnetIds.map((id) => {
        const subnet = model.resources('AWS::EC2::Subnet').find((candidate) => model.attribute(candidate, 'Ref') === id);
        if (!subnet) throw new Error(`${TemplateModel.describe(task)}: subnet ${id} is not in the templates`);
        return { id, cidr: this.value(subnet, 'CidrBlock'), mapPublicIp: false };
      });
      const node: NetworkNode = {
        name: `task ${this.label(task)}`,
        kind: 'service',
        resource: task,
        subnets,
        groups,
        ports: [],
        publiclyAddressable: false,
      };
      sources.push({ label: `${this.label(task)} (deploy-time task)`, node });
    }
    const targets: { label: string; node: NetworkNode }[] = [];
    for (const node of network.nodes) {
      const { properties, type } = node.resource;
      if (node.kind === 'database') {
        const replica = type === 'AWS::RDS::DBInstance' && isReadReplica(properties);
        targets.push({ label: replica ? 'database read replica' : 'database', node });
      }
      if (node.kind === 'proxy') {
        const readOnly = type === 'AWS::RDS::DBProxyEndpoint' && this.value(node.resource, 'TargetRole') === 'READ_ONLY';
        targets.push({ label: type === 'AWS::RDS::DBProxy' ? 'proxy' : readOnly ? 'proxy read-only endpoint' : 'proxy endpoint', node });
      }
      if (node.kind === 'cache') targets.push({ label: 'redis', node });
      if (node.kind === 'file-system') targets.push({ label: 'file system', node });
    }
    const cells = new Map<string, ComputedCell>();
    const targetLabels = new Set<string>();
    for (const target of targets) {
      for (const port of target.node.ports) {
        const capability = `connect to ${target.label}:${port}`;
        targetLabels.add(capability);
        for (const source of sources) {
          const verdict = network.canConnect(source.node, target.node, port);
          const key = `${source.label}\0${capability}`;
          // Several replicas share a label: the cell holds when any of them is reachable.
          if (verdict.ok && !cells.has(key)) cells.set(key, { identity: source.label, capability, group: 'network', detail: verdict.why });
        }
      }
    }
    return { cells: [...cells.values()], sources: sources.map((source) => source.label), targets: [...targetLabels] };
  }

  // ---------------------------------------------------------------- resources and their policies

  private value(resource: ModelResource, property: string): Json {
    return this.model.resolve(resource.stack, resource.properties[property]);
  }

  private find(value: unknown): ModelResource | undefined {
    return typeof value === 'string' ? this.byValue.get(value) : undefined;
  }

  /** `<Tier>/<logical id without its hash>`: `Services/ApiTaskRole`, `Data/DataKey`. */
  private label(resource: ModelResource): string {
    const tier = resource.stack.stackName.split('-').pop()!;
    const name = resource.logicalId.replace(/[0-9A-F]{8}$/, '');
    return `${tier[0].toUpperCase()}${tier.slice(1)}/${name}`;
  }

  private hostedLabel(schedule: ModelResource): string {
    return `${this.label(schedule)} (hosted rotation function)`;
  }

  /** A name without the environment's prefix: `cs2analytics-prod-api` is `api`. */
  private shortName(name: string): string {
    return name.replace(new RegExp(`^cs2analytics-${this.environment}-`), '');
  }

  /** A secret by its name without the environment's prefix: `database/master`. */
  private secretLabel(secret: ModelResource): string {
    const name = this.model.physicalName(secret);
    const prefix = `cs2analytics/${this.environment}/`;
    return name.startsWith(prefix) ? name.slice(prefix.length) : this.label(secret);
  }

  private hostedFunctionArn(name: string): string {
    return `arn:${this.model.partition}:lambda:${this.model.region}:${this.model.account}:function:${name}`;
  }

  /** The function a secret's rotation invokes (`secretsmanager:resource/AllowRotationLambdaArn`). */
  private rotationFunctionOf(secret: ModelResource): string | undefined {
    for (const schedule of this.model.resources('AWS::SecretsManager::RotationSchedule')) {
      if (this.secretOf(this.value(schedule, 'SecretId')) !== secret) continue;
      const hosted = this.value(schedule, 'HostedRotationLambda');
      return hosted ? this.hostedFunctionArn(hosted.RotationLambdaName ?? schedule.logicalId) : this.value(schedule, 'RotationLambdaARN');
    }
    return undefined;
  }

  private secretOf(arn: unknown): ModelResource | undefined {
    const found = this.find(arn);
    if (found?.type === 'AWS::SecretsManager::SecretTargetAttachment') return this.find(this.value(found, 'SecretId'));
    return found?.type === 'AWS::SecretsManager::Secret' ? found : undefined;
  }

  /** The customer-managed key that encrypts a resource, if any. */
  private keyOf(resource: ModelResource): ModelResource | undefined {
    const property: Record<string, () => Json> = {
      'AWS::SNS::Topic': () => this.value(resource, 'KmsMasterKeyId'),
      'AWS::SQS::Queue': () => this.value(resource, 'KmsMasterKeyId'),
      'AWS::SecretsManager::Secret': () => this.value(resource, 'KmsKeyId'),
      'AWS::S3::Bucket': () =>
        this.value(resource, 'BucketEncryption')?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID,
    };
    const key = this.find(property[resource.type]?.());
    return key?.type === 'AWS::KMS::Key' ? key : undefined;
  }

  private keyPolicyOf(key: ModelResource): Json {
    return this.value(key, 'KeyPolicy');
  }

  /** Every resource policy of the templates (keys, buckets, topics, queues, secrets, functions, file systems). */
  private resourcePolicies(): Json[] {
    const { model } = this;
    return [
      ...model.resources('AWS::KMS::Key').map((key) => this.keyPolicyOf(key)),
      ...model
        .resources('AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy')
        .map((policy) => this.value(policy, 'PolicyDocument')),
      ...model.resources('AWS::SecretsManager::ResourcePolicy').map((policy) => this.value(policy, 'ResourcePolicy')),
      ...model.resources('AWS::Lambda::Function').map((fn) => this.resourcePolicyOf(fn)),
      ...model.resources('AWS::EFS::FileSystem').map((fileSystem) => this.value(fileSystem, 'FileSystemPolicy')),
    ].filter((document) => document !== undefined);
  }

  private resourcePolicyOf(resource: ModelResource): Json {
    const cached = this.documents.get(resource);
    if (cached) return cached[0];
    const document = this.readResourcePolicy(resource);
    this.documents.set(resource, [document]);
    return document;
  }

  private readResourcePolicy(resource: ModelResource): Json {
    const { model } = this;
    const attached = (type: string, property: string, target: string) =>
      model
        .resources(type)
        .filter((policy) => [this.value(policy, property)].flat().includes(target))
        .map((policy) => this.value(policy, 'PolicyDocument'));
    switch (resource.type) {
      case 'AWS::S3::Bucket':
        return merge(attached('AWS::S3::BucketPolicy', 'Bucket', model.attribute(resource, 'Ref')));
      case 'AWS::SQS::Queue':
        return merge(attached('AWS::SQS::QueuePolicy', 'Queues', model.attribute(resource, 'Ref')));
      case 'AWS::SNS::Topic': {
        const arn = model.attribute(resource, 'TopicArn');
        const documents = attached('AWS::SNS::TopicPolicy', 'Topics', arn);
        if (documents.length > 1)
          throw new Error(`${TemplateModel.describe(resource)} has ${documents.length} topic policies: only the last applies`);
        return documents[0] ?? defaultTopicPolicy(arn, model.account);
      }
      case 'AWS::SecretsManager::Secret':
        return merge(
          model
            .resources('AWS::SecretsManager::ResourcePolicy')
            .filter((policy) => this.secretOf(this.value(policy, 'SecretId')) === resource)
            .map((policy) => this.value(policy, 'ResourcePolicy')),
        );
      case 'AWS::Lambda::Function': {
        const name = model.attribute(resource, 'Ref');
        const arn = model.attribute(resource, 'Arn');
        const statements = model
          .resources('AWS::Lambda::Permission')
          .filter((permission) => [name, arn].includes(this.value(permission, 'FunctionName')))
          .map((permission) => {
            const properties = model.resolve(permission.stack, permission.properties);
            const principal = String(properties.Principal);
            const condition: Json = {};
            if (properties.SourceArn) condition.ArnLike = { 'aws:SourceArn': properties.SourceArn };
            if (properties.SourceAccount) condition.StringEquals = { 'aws:SourceAccount': properties.SourceAccount };
            if (properties.PrincipalOrgID)
              condition.StringEquals = { ...condition.StringEquals, 'aws:PrincipalOrgID': properties.PrincipalOrgID };
            return {
              Effect: 'Allow',
              Principal: principal === '*' ? '*' : principal.includes('.amazonaws.com') ? { Service: principal } : { AWS: principal },
              Action: properties.Action,
              Resource: arn,
              ...(Object.keys(condition).length ? { Condition: condition } : {}),
            };
          });
        return statements.length ? { Version: '2012-10-17', Statement: statements } : undefined;
      }
      default:
        return undefined;
    }
  }
}

export async function computeAccessMatrix(model: TemplateModel): Promise<AccessMatrix> {
  return new AccessMatrixComputation(model).compute();
}

// ---------------------------------------------------------------- policy helpers

function merge(documents: Json[]): Json {
  const statements = documents.flatMap((document) => document?.Statement ?? []);
  return statements.length ? { Version: '2012-10-17', Statement: statements } : undefined;
}

function statementsOf(document: Json): Json[] {
  if (!document) return [];
  return [document.Statement ?? []].flat();
}

function glob(pattern: string, value: string): boolean {
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}$`, 'i').test(value);
}

function actionMatches(statement: Json, action: string): boolean {
  if (statement.NotAction !== undefined) return true;
  return [statement.Action ?? []].flat().some((pattern: unknown) => typeof pattern === 'string' && glob(pattern, action));
}

function resourceMatches(statement: Json, resources: string[]): boolean {
  if (statement.NotResource !== undefined || statement.Resource === undefined) return true;
  return [statement.Resource]
    .flat()
    .some((pattern: unknown) => typeof pattern !== 'string' || resources.some((resource) => glob(pattern, resource)));
}

function namesService(statement: Json, service: string): boolean {
  const principal = statement.Principal;
  if (principal === '*') return true;
  if (!principal || typeof principal !== 'object') return false;
  return [principal.Service ?? []].flat().includes(service) || [principal.AWS ?? []].flat().includes('*');
}

/**
 * Whether a statement could grant a role or an account's principal access by itself: it names
 * everyone, the principal, or (for a principal of another account) that account. A statement that
 * names the resource's own account only delegates to that account's identity policies.
 */
function namesPrincipal(statement: Json, identity: Identity, resourceAccount: string): boolean {
  const principal = statement.Principal;
  if (principal === '*') return true;
  if (!principal || typeof principal !== 'object') return false;
  return [principal.AWS ?? []].flat().some((name: unknown) => {
    const text = String(name);
    if (text === '*' || text === identity.principal) return true;
    const account = /^(?:arn:[^:]+:iam::)?(\d{12})(?::root)?$/.exec(text)?.[1];
    return account !== undefined && account === identity.account && account !== resourceAccount;
  });
}

/**
 * A request that meets a statement's conditions: each key with a value the condition accepts
 * (the first listed; wildcards filled in). Negated and null checks, and the keys every request
 * sets itself, are left out.
 */
function instantiate(condition: Json): Context {
  const context: Context = {};
  for (const [rawOperator, entries] of Object.entries<Json>(condition ?? {})) {
    const setOperator = /^(ForAnyValue|ForAllValues):(.*)$/.exec(rawOperator);
    const operator = (setOperator ? setOperator[2] : rawOperator).replace(/IfExists$/, '');
    if (operator === 'Null' || /Not/.test(operator)) continue;
    if (!/^(String|Arn|Bool)/.test(operator)) continue;
    for (const [rawKey, raw] of Object.entries<Json>(entries)) {
      const key = rawKey.replace(/^[^:]+:/, (prefix) => prefix.toLowerCase());
      if (FIXED_KEYS.has(key.toLowerCase())) continue;
      const first = [raw].flat()[0];
      if (first === undefined || typeof first === 'object') continue;
      const value = /Like$/.test(operator) ? String(first).replace(/[*?]/g, 'x') : String(first);
      context[key] = setOperator ? [value] : value;
    }
  }
  return context;
}

function replaceAccount<T>(value: T, from: string, to: string): T {
  if (typeof value === 'string') return value.split(from).join(to) as T;
  if (Array.isArray(value)) return value.map((item) => replaceAccount(item, from, to)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceAccount(item, from, to)])) as T;
  return value;
}

// ---------------------------------------------------------------- the intended matrix (docs/security.md)

/** What a variant is, for the doc's "Only in" column: its name, environment and engine mode. */
export interface VariantTraits {
  readonly name: string;
  readonly environment: string;
  readonly engine: string;
}

export interface IntendedCell extends Cell {
  readonly group: Group;
  /** Where the cell holds: empty for everywhere, else alternatives of `+`-joined traits (`instance`, `dev`, `prod+aurora`, `=prod-restored`). */
  readonly onlyIn: string;
  readonly why: string;
}

export const MATRIX_BEGIN = '<!-- access-matrix:begin (generated: see "Updating this page") -->';
export const MATRIX_END = '<!-- access-matrix:end -->';
const HEADER = ['Identity', 'Capability', 'Only in', 'Why'];

/**
 * Whether a cell's "Only in" holds for a variant: empty for every variant, else alternatives
 * (`,`) of traits joined with `+`, each an engine mode (`aurora`), an environment (`prod`), or one
 * variant by its name after `=` (`=prod-restored`; `prod` alone is the environment).
 */
export function appliesTo(onlyIn: string, variant: VariantTraits): boolean {
  if (!onlyIn.trim()) return true;
  const traits = new Set([`=${variant.name}`, variant.environment, variant.engine]);
  return onlyIn.split(',').some((alternative) =>
    alternative
      .split('+')
      .map((trait) => trait.trim())
      .every((trait) => traits.has(trait)),
  );
}

/** The intended cells: every row of the tables between the markers (`| Identity | Capability | Only in | Why |`). */
export function parseIntendedMatrix(markdown: string): IntendedCell[] {
  const begin = markdown.indexOf(MATRIX_BEGIN);
  const end = markdown.indexOf(MATRIX_END);
  if (begin < 0 || end < begin) throw new Error('docs/security.md: the matrix markers are missing');
  const cells: IntendedCell[] = [];
  let group: Group | undefined;
  let inTable = false;
  const seen = new Set<string>();
  for (const [index, line] of markdown.slice(begin, end).split('\n').entries()) {
    const heading = /^###\s+(.*)$/.exec(line);
    if (heading) {
      group = GROUPS.find((candidate) => candidate.heading === heading[1].trim())?.id;
      if (!group)
        throw new Error(`docs/security.md: unknown section "${heading[1]}" (sections: ${GROUPS.map((g) => g.heading).join(', ')})`);
      inTable = false;
      continue;
    }
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const columns = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split('|')
      .map((column) => column.trim());
    if (columns.every((column) => /^:?-+:?$/.test(column))) continue;
    if (columns.join('|') === HEADER.join('|')) {
      inTable = true;
      continue;
    }
    if (!inTable || !group) throw new Error(`docs/security.md: a table row outside a "${HEADER.join(' | ')}" table: ${line}`);
    if (columns.length !== HEADER.length) throw new Error(`docs/security.md: row ${index} needs ${HEADER.length} columns: ${line}`);
    const [identity, capability, onlyIn, why] = columns.map((column, position) => (position < 3 ? unquote(column) : column));
    const key = `${identity}\0${capability}`;
    if (seen.has(key)) throw new Error(`docs/security.md: ${identity} / ${capability} is listed twice`);
    seen.add(key);
    cells.push({ identity, capability, group, onlyIn, why });
  }
  return cells;
}

function unquote(column: string): string {
  return column.replace(/^`(.*)`$/, '$1');
}

/** The readable difference: what the templates grant that the doc does not say, and the other way round. */
export function matrixDifferences(computed: readonly ComputedCell[], intended: readonly Cell[]): string[] {
  const key = (cell: Cell) => `${cell.identity}\0${cell.capability}`;
  const intendedKeys = new Set(intended.map(key));
  const computedKeys = new Set(computed.map(key));
  return [
    ...computed
      .filter((cell) => !intendedKeys.has(key(cell)))
      .map((cell) => `+ ${cell.identity} can ${cell.capability}, which docs/security.md does not grant (allowed by ${cell.detail})`),
    ...intended
      .filter((cell) => !computedKeys.has(key(cell)))
      .map((cell) => `- ${cell.identity} cannot ${cell.capability}, which docs/security.md says it can`),
  ];
}

/**
 * The matrix section of docs/security.md for the cells computed in every variant: one table per
 * group, each cell with where it holds (when not everywhere) and why (kept from the current doc;
 * a new cell gets the evaluator's words to replace).
 */
export function formatMatrix(
  computed: ReadonlyMap<string, readonly ComputedCell[]>,
  variants: readonly VariantTraits[],
  current: readonly IntendedCell[],
): string {
  const key = (cell: Cell) => `${cell.identity}\0${cell.capability}`;
  const whys = new Map(current.map((cell) => [key(cell), cell.why]));
  const merged = new Map<string, { cell: ComputedCell; variants: Set<string> }>();
  for (const variant of variants) {
    for (const cell of computed.get(variant.name) ?? []) {
      const entry = merged.get(key(cell)) ?? { cell, variants: new Set<string>() };
      entry.variants.add(variant.name);
      merged.set(key(cell), entry);
    }
  }
  const lines: string[] = [MATRIX_BEGIN, ''];
  for (const group of GROUPS) {
    const entries = sortCells([...merged.values()].map((entry) => entry.cell))
      .filter((cell) => cell.group === group.id)
      .map((cell) => merged.get(key(cell))!);
    lines.push(`### ${group.heading}`, '');
    if (!entries.length) {
      lines.push('Nothing, anywhere.', '');
      continue;
    }
    lines.push(`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`);
    for (const { cell, variants: where } of entries) {
      const why = whys.get(key(cell)) ?? `NEW: say why (${cell.detail.replace(/\|/g, '/')})`;
      lines.push(`| \`${cell.identity}\` | \`${cell.capability}\` | ${describeVariants(where, variants)} | ${why} |`);
    }
    lines.push('');
  }
  lines.push(MATRIX_END);
  return lines.join('\n');
}

/** A short "Only in" for a set of variants: engine modes, environments, environment+engine, then single variants. */
export function describeVariants(names: ReadonlySet<string>, variants: readonly VariantTraits[]): string {
  if (variants.every((variant) => names.has(variant.name))) return '';
  const matches = (onlyIn: string) => new Set(variants.filter((variant) => appliesTo(onlyIn, variant)).map((variant) => variant.name));
  const candidates = [
    ...new Set(variants.map((variant) => variant.engine)),
    ...new Set(variants.map((variant) => variant.environment)),
    ...new Set(variants.map((variant) => `${variant.environment}+${variant.engine}`)),
    ...variants.map((variant) => `=${variant.name}`),
  ];
  const chosen: string[] = [];
  const covered = new Set<string>();
  for (const candidate of candidates) {
    const set = matches(candidate);
    if (![...set].every((name) => names.has(name)) || [...set].every((name) => covered.has(name))) continue;
    chosen.push(candidate);
    set.forEach((name) => covered.add(name));
  }
  if (covered.size !== names.size) throw new Error(`no "Only in" describes ${[...names].join(', ')}`);
  return chosen.join(', ');
}

function sortCells<T extends Cell & { group: Group }>(cells: T[]): T[] {
  const order = (group: Group) => GROUPS.findIndex((candidate) => candidate.id === group);
  return [...cells].sort(
    (a, b) => order(a.group) - order(b.group) || a.identity.localeCompare(b.identity) || a.capability.localeCompare(b.capability),
  );
}
