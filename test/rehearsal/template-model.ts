import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { NAME_PROPERTIES } from '../../scripts/lib/cloudformation-facts';

export { NAME_PROPERTIES };

/**
 * A synthesized environment read the way CloudFormation will read it: every stack's template, the
 * order the CDK deploys the stacks in, and the intrinsic functions resolved to the names and ARNs
 * AWS would give (a generated name is `<stack name>-<logical id>`). The deploy rehearsal's checks
 * are written against this model, never against lists of logical ids.
 */

export type Json = any;

export interface StackModel {
  readonly stackName: string;
  readonly template: Json;
  /** Names of the stacks deployed before this one (the cloud assembly's dependencies). */
  readonly dependencies: readonly string[];
}

export interface ModelResource {
  readonly stack: StackModel;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Json;
  readonly definition: Json;
}

export interface ModelContext {
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
}

/** A reference found in a template: `Ref`, `Fn::GetAtt`, a `${...}` in `Fn::Sub`, or another stack's output. */
export interface Reference {
  readonly target: ModelResource;
  readonly attribute?: string;
}

/** Property names whose value is a policy document: a role named there is a principal, not a user of the role. */
export const POLICY_DOCUMENT_KEYS = new Set([
  'PolicyDocument',
  'KeyPolicy',
  'AssumeRolePolicyDocument',
  'ResourcePolicy',
  'PolicyText',
  'RepositoryPolicyText',
  'AccessPolicy',
  'BackupVaultAccessPolicy',
  'FileSystemPolicy',
  'Policies',
]);

export class TemplateModel {
  readonly stacks: readonly StackModel[];
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  private readonly byStack = new Map<string, Map<string, ModelResource>>();

  /** Reads a synthesized environment: the cloud assembly under `outdir` (or a Stage's nested one in it). */
  static fromAssembly(outdir: string, context: ModelContext): TemplateModel {
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    const nested = Object.values<Json>(manifest.artifacts).find((artifact) => artifact.type === 'cdk:cloud-assembly');
    const directory = nested ? path.join(outdir, nested.properties.directoryName) : outdir;
    const inner = nested ? JSON.parse(fs.readFileSync(path.join(directory, 'manifest.json'), 'utf8')) : manifest;
    const stackArtifacts = Object.entries<Json>(inner.artifacts).filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack');
    const nameOf = new Map(stackArtifacts.map(([id, artifact]) => [id, artifact.properties.stackName ?? id]));
    return new TemplateModel(
      stackArtifacts.map(([id, artifact]) => ({
        stackName: nameOf.get(id)!,
        template: JSON.parse(fs.readFileSync(path.join(directory, artifact.properties.templateFile), 'utf8')),
        dependencies: (artifact.dependencies ?? [])
          .filter((dependency: string) => nameOf.has(dependency))
          .map((dependency: string) => nameOf.get(dependency)!),
      })),
      context,
    );
  }

  constructor(stacks: readonly StackModel[], context: ModelContext) {
    this.stacks = stacks;
    this.account = context.account;
    this.region = context.region;
    this.partition = context.partition ?? 'aws';
    for (const stack of stacks) {
      const resources = new Map<string, ModelResource>();
      for (const [logicalId, definition] of Object.entries<Json>(stack.template.Resources ?? {})) {
        resources.set(logicalId, { stack, logicalId, type: definition.Type, properties: definition.Properties ?? {}, definition });
      }
      this.byStack.set(stack.stackName, resources);
    }
  }

  /** Every resource, or those of the given types. */
  resources(...types: string[]): ModelResource[] {
    const all = [...this.byStack.values()].flatMap((resources) => [...resources.values()]);
    return types.length ? all.filter((resource) => types.includes(resource.type)) : all;
  }

  stack(stackName: string): StackModel {
    const stack = this.stacks.find((candidate) => candidate.stackName === stackName);
    if (!stack) throw new Error(`no stack ${stackName}`);
    return stack;
  }

  resource(stack: StackModel, logicalId: string): ModelResource {
    const resource = this.byStack.get(stack.stackName)?.get(logicalId);
    if (!resource) throw new Error(`${stack.stackName} has no resource ${logicalId}`);
    return resource;
  }

  /** A readable name for messages: `<stack>/<logical id> (<type>)`. */
  static describe(resource: ModelResource): string {
    return `${resource.stack.stackName}/${resource.logicalId} (${resource.type})`;
  }

  // ---------------------------------------------------------------- references and ordering

  /**
   * The resource a value points at, when the value is a reference (directly, or through another
   * stack's output); undefined for literals and pseudo parameters.
   */
  referenceOf(stack: StackModel, value: Json): Reference | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (typeof value.Ref === 'string') {
      const target = this.byStack.get(stack.stackName)?.get(value.Ref);
      return target && { target };
    }
    if (Array.isArray(value['Fn::GetAtt'])) {
      const target = this.byStack.get(stack.stackName)?.get(value['Fn::GetAtt'][0]);
      return target && { target, attribute: value['Fn::GetAtt'][1] };
    }
    if (value['Fn::GetStackOutput']) {
      const { StackName: stackName, OutputName: outputName } = value['Fn::GetStackOutput'];
      const producer = this.stack(stackName);
      return this.referenceOf(producer, producer.template.Outputs?.[outputName]?.Value);
    }
    return undefined;
  }

  /** Every reference inside a value, skipping the properties named in `skipKeys`. */
  referencesIn(stack: StackModel, value: Json, skipKeys: ReadonlySet<string> = new Set()): Reference[] {
    const found: Reference[] = [];
    const visit = (node: Json) => {
      if (node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) return node.forEach(visit);
      const direct = this.referenceOf(stack, node);
      if (direct) return void found.push(direct);
      if (typeof node['Fn::Sub'] !== 'undefined') {
        const [text, variables] = Array.isArray(node['Fn::Sub']) ? node['Fn::Sub'] : [node['Fn::Sub'], {}];
        for (const match of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const [name, attribute] = match[1].split('.');
          if (variables[name] !== undefined) continue;
          const target = this.byStack.get(stack.stackName)?.get(name);
          if (target) found.push({ target, attribute });
        }
        return visit(variables);
      }
      for (const [key, child] of Object.entries(node)) if (!skipKeys.has(key)) visit(child);
    };
    visit(value);
    return found;
  }

  /** Resources of the same stack this one waits for: its references and its DependsOn. */
  directDependencies(resource: ModelResource): ModelResource[] {
    const dependsOn = [resource.definition.DependsOn ?? []].flat() as string[];
    const stackResources = this.byStack.get(resource.stack.stackName)!;
    return [
      ...this.referencesIn(resource.stack, resource.properties)
        .map((reference) => reference.target)
        .filter((target) => target.stack === resource.stack),
      ...dependsOn.map((id) => stackResources.get(id)).filter((target): target is ModelResource => target !== undefined),
    ];
  }

  /** Whether CloudFormation (and the CDK's stack order) can only create `resource` after `prerequisite`. */
  isCreatedAfter(resource: ModelResource, prerequisite: ModelResource): boolean {
    if (resource.stack !== prerequisite.stack) return this.stackDependsOn(resource.stack.stackName, prerequisite.stack.stackName);
    const seen = new Set<ModelResource>();
    const pending = [resource];
    while (pending.length) {
      const current = pending.pop()!;
      for (const dependency of this.directDependencies(current)) {
        if (dependency === prerequisite) return true;
        if (!seen.has(dependency)) {
          seen.add(dependency);
          pending.push(dependency);
        }
      }
    }
    return false;
  }

  stackDependsOn(stackName: string, prerequisite: string): boolean {
    const seen = new Set<string>();
    const pending = [stackName];
    while (pending.length) {
      const current = pending.pop()!;
      for (const dependency of this.stack(current).dependencies) {
        if (dependency === prerequisite) return true;
        if (!seen.has(dependency)) {
          seen.add(dependency);
          pending.push(dependency);
        }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- values AWS would see

  /** The name AWS gives a resource: the template's, or a generated `<stack>-<logical id>`. */
  physicalName(resource: ModelResource): string {
    const property = NAME_PROPERTIES[resource.type];
    const named = property ? resource.properties[property] : undefined;
    if (named !== undefined) {
      const resolved = this.resolve(resource.stack, named);
      if (typeof resolved === 'string') return resolved;
    }
    return `${resource.stack.stackName}-${resource.logicalId}`;
  }

  /** A template value with every intrinsic function replaced by what AWS would put there. */
  resolve(stack: StackModel, value: Json): Json {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.resolve(stack, item)).filter((item) => item !== NO_VALUE);
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return this.resolveFunction(stack, keys[0], value[keys[0]]);
    return Object.fromEntries(
      Object.entries(value)
        .map(([key, child]) => [key, this.resolve(stack, child)])
        .filter(([, child]) => child !== NO_VALUE),
    );
  }

  private resolveFunction(stack: StackModel, name: string, argument: Json): Json {
    switch (name) {
      case 'Ref':
        return this.resolveRef(stack, argument);
      case 'Fn::GetAtt':
        return this.attribute(this.resource(stack, argument[0]), argument[1]);
      case 'Fn::Join': {
        const [separator, parts] = argument;
        return (this.resolve(stack, parts) as Json[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument;
        return (this.resolve(stack, list) as Json[])[Number(this.resolve(stack, index))];
      }
      case 'Fn::Split': {
        const [separator, text] = argument;
        return String(this.resolve(stack, text)).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
        const resolvedVariables = this.resolve(stack, variables ?? {});
        return String(text).replace(/\$\{([^}!][^}]*)\}/g, (_match, expression: string) => {
          if (resolvedVariables[expression] !== undefined) return String(resolvedVariables[expression]);
          const [logicalOrPseudo, attribute] = expression.split('.');
          if (attribute !== undefined) return String(this.attribute(this.resource(stack, logicalOrPseudo), attribute));
          return String(this.resolveRef(stack, logicalOrPseudo));
        });
      }
      case 'Fn::GetStackOutput': {
        const producer = this.stack(argument.StackName);
        const output = producer.template.Outputs?.[argument.OutputName];
        if (!output) throw new Error(`${argument.StackName} has no output ${argument.OutputName}`);
        return this.resolve(producer, output.Value);
      }
      case 'Fn::ImportValue': {
        const exportName = this.resolve(stack, argument);
        for (const producer of this.stacks) {
          for (const output of Object.values<Json>(producer.template.Outputs ?? {})) {
            if (output.Export && this.resolve(producer, output.Export.Name) === exportName) return this.resolve(producer, output.Value);
          }
        }
        throw new Error(`no export ${exportName}`);
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${this.region}${zone}`);
      case 'Fn::Base64':
        return this.resolve(stack, argument);
      case 'Fn::FindInMap': {
        const [map, first, second] = argument.map((part: Json) => this.resolve(stack, part));
        return stack.template.Mappings?.[map]?.[first]?.[second];
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument;
        return this.resolve(stack, this.condition(stack, condition) ? whenTrue : whenFalse);
      }
      case 'Fn::Equals': {
        const [left, right] = argument;
        return JSON.stringify(this.resolve(stack, left)) === JSON.stringify(this.resolve(stack, right));
      }
      default:
        throw new Error(`intrinsic ${name} is not modelled`);
    }
  }

  private condition(stack: StackModel, name: string): boolean {
    const definition = stack.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`${stack.stackName} has no condition ${name}`);
    const [operator, argument] = Object.entries<Json>(definition)[0];
    switch (operator) {
      case 'Fn::Equals':
        return JSON.stringify(this.resolve(stack, argument[0])) === JSON.stringify(this.resolve(stack, argument[1]));
      case 'Fn::Not':
        return !this.evaluateCondition(stack, argument[0]);
      case 'Fn::And':
        return argument.every((part: Json) => this.evaluateCondition(stack, part));
      case 'Fn::Or':
        return argument.some((part: Json) => this.evaluateCondition(stack, part));
      default:
        throw new Error(`condition operator ${operator} is not modelled`);
    }
  }

  private evaluateCondition(stack: StackModel, value: Json): boolean {
    if (value?.Condition) return this.condition(stack, value.Condition);
    const [operator, argument] = Object.entries<Json>(value)[0];
    if (operator === 'Fn::Equals')
      return JSON.stringify(this.resolve(stack, argument[0])) === JSON.stringify(this.resolve(stack, argument[1]));
    throw new Error(`condition ${JSON.stringify(value)} is not modelled`);
  }

  private resolveRef(stack: StackModel, name: string): Json {
    switch (name) {
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::Region':
        return this.region;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${this.region}:${this.account}:stack/${stack.stackName}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
      case 'AWS::NoValue':
        return NO_VALUE;
    }
    const parameter = stack.template.Parameters?.[name];
    if (parameter) return parameter.Default ?? `parameter-${name}`;
    return this.attribute(this.resource(stack, name), 'Ref');
  }

  /** What `Ref` (attribute `Ref`) or `Fn::GetAtt` of a resource returns. */
  attribute(resource: ModelResource, attribute: string): Json {
    const { account, region, partition } = this;
    const name = this.physicalName(resource);
    const property = (key: string) => this.resolve(resource.stack, resource.properties[key]);
    const arn = (service: string, rest: string, withRegion = true, withAccount = true) =>
      `arn:${partition}:${service}:${withRegion ? region : ''}:${withAccount ? account : ''}:${rest}`;
    const lowerId = (prefix: string) =>
      `${prefix}-${name
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '')
        .slice(-17)}`;
    switch (resource.type) {
      case 'AWS::IAM::Role':
        // A role's ARN holds its path (IAM identifiers: role/<path><name>).
        return attribute === 'Arn'
          ? arn('iam', `role${property('Path') ?? '/'}${name}`, false)
          : attribute === 'RoleId'
            ? `AROA${name}`
            : name;
      case 'AWS::IAM::ManagedPolicy':
        return attribute === 'Ref' || attribute === 'PolicyArn' ? arn('iam', `policy/${name}`, false) : name;
      case 'AWS::KMS::Key': {
        const hash = crypto.createHash('sha256').update(name).digest('hex');
        const keyId = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-4${hash.slice(13, 16)}-8${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
        return attribute === 'Arn' ? arn('kms', `key/${keyId}`) : keyId;
      }
      case 'AWS::SNS::Topic':
        return attribute === 'TopicName' ? name : arn('sns', name);
      case 'AWS::SQS::Queue':
        if (attribute === 'Arn') return arn('sqs', name);
        if (attribute === 'QueueName') return name;
        return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      case 'AWS::S3::Bucket': {
        const bucket = typeof property('BucketName') === 'string' ? property('BucketName') : name.toLowerCase();
        if (attribute === 'Arn') return `arn:${partition}:s3:::${bucket}`;
        if (attribute === 'DomainName' || attribute === 'RegionalDomainName') return `${bucket}.s3.${region}.amazonaws.com`;
        return bucket;
      }
      case 'AWS::Logs::LogGroup':
        return attribute === 'Arn' ? arn('logs', `log-group:${name}:*`) : name;
      case 'AWS::Lambda::Function':
        return attribute === 'Arn' ? arn('lambda', `function:${name}`) : name;
      case 'AWS::Events::Rule':
        return attribute === 'Arn' ? arn('events', `rule/${name}`) : name;
      case 'AWS::SecretsManager::Secret':
        return arn('secretsmanager', `secret:${name}-AbCdEf`);
      case 'AWS::SecretsManager::SecretTargetAttachment':
        return property('SecretId');
      case 'AWS::CloudWatch::Alarm':
        return attribute === 'Arn' ? arn('cloudwatch', `alarm:${name}`) : name;
      case 'AWS::RDS::DBCluster':
        if (attribute === 'DBClusterArn') return arn('rds', `cluster:${name}`);
        if (attribute === 'Endpoint.Address') return `${name}.cluster-abcdefghijkl.${region}.rds.amazonaws.com`;
        if (attribute === 'ReadEndpoint.Address') return `${name}.cluster-ro-abcdefghijkl.${region}.rds.amazonaws.com`;
        if (attribute === 'Endpoint.Port') return String(property('Port') ?? 5432);
        if (attribute === 'DBClusterResourceId') return `cluster-${name}`;
        return name;
      case 'AWS::RDS::DBInstance':
        if (attribute === 'DBInstanceArn') return arn('rds', `db:${name}`);
        if (attribute === 'Endpoint.Address') return `${name}.abcdefghijkl.${region}.rds.amazonaws.com`;
        if (attribute === 'Endpoint.Port') return String(property('Port') ?? this.clusterPortOf(resource) ?? 5432);
        if (attribute === 'DbiResourceId') return `db-${name}`;
        return name;
      case 'AWS::RDS::DBProxy':
        if (attribute === 'DBProxyArn') return arn('rds', `db-proxy:prx-${name}`);
        if (attribute === 'Endpoint') return `${name}.proxy-abcdefghijkl.${region}.rds.amazonaws.com`;
        return name;
      case 'AWS::RDS::DBProxyEndpoint':
        if (attribute === 'DBProxyEndpointArn') return arn('rds', `db-proxy-endpoint:prx-endpoint-${name}`);
        if (attribute === 'Endpoint') return `${name}.endpoint.proxy-abcdefghijkl.${region}.rds.amazonaws.com`;
        return name;
      case 'AWS::RDS::EventSubscription':
        return attribute === 'Arn' ? arn('rds', `es:${name}`) : name;
      case 'AWS::ElastiCache::ReplicationGroup':
        if (attribute === 'PrimaryEndPoint.Address') return `master.${name}.abcdef.euw1.cache.amazonaws.com`;
        if (attribute === 'PrimaryEndPoint.Port') return String(property('Port') ?? 6379);
        return name;
      case 'AWS::EC2::SecurityGroup':
        return lowerId('sg');
      case 'AWS::EC2::Subnet':
        return attribute === 'AvailabilityZone' ? property('AvailabilityZone') : lowerId('subnet');
      case 'AWS::EC2::VPC':
        return attribute === 'CidrBlock' ? property('CidrBlock') : lowerId('vpc');
      case 'AWS::EC2::RouteTable':
        return lowerId('rtb');
      case 'AWS::EC2::NatGateway':
        return lowerId('nat');
      case 'AWS::EC2::InternetGateway':
        return lowerId('igw');
      case 'AWS::EC2::VPCEndpoint':
        return lowerId('vpce');
      case 'AWS::ECS::Cluster':
        return attribute === 'Arn' ? arn('ecs', `cluster/${name}`) : name;
      case 'AWS::ECS::Service':
        return attribute === 'Name' ? name : arn('ecs', `service/cluster/${name}`);
      case 'AWS::ECS::TaskDefinition':
        return arn('ecs', `task-definition/${property('Family') ?? name}:1`);
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        if (attribute === 'LoadBalancerFullName') return `app/${name}/0123456789abcdef`;
        if (attribute === 'DNSName') return `${name}.${region}.elb.amazonaws.com`;
        if (attribute === 'CanonicalHostedZoneID') return 'Z32O12XQLNTSW2';
        return arn('elasticloadbalancing', `loadbalancer/app/${name}/0123456789abcdef`);
      case 'AWS::ElasticLoadBalancingV2::TargetGroup':
        if (attribute === 'TargetGroupFullName') return `targetgroup/${name}/0123456789abcdef`;
        return arn('elasticloadbalancing', `targetgroup/${name}/0123456789abcdef`);
      case 'AWS::ElasticLoadBalancingV2::Listener':
        return arn('elasticloadbalancing', `listener/app/${name}/0123456789abcdef/0123456789abcdef`);
      case 'AWS::WAFv2::WebACL':
        return attribute === 'Arn' ? arn('wafv2', `regional/webacl/${name}/0123`) : name;
      case 'AWS::Backup::BackupVault':
        return attribute === 'BackupVaultArn' ? arn('backup', `backup-vault:${name}`) : name;
      case 'AWS::Backup::BackupPlan':
        return attribute === 'BackupPlanArn' ? arn('backup', `backup-plan:${name}`) : name;
      case 'AWS::EFS::FileSystem':
        return attribute === 'Arn' ? arn('elasticfilesystem', `file-system/${lowerId('fs')}`) : lowerId('fs');
      case 'AWS::EFS::AccessPoint':
        return attribute === 'Arn' ? arn('elasticfilesystem', `access-point/${lowerId('fsap')}`) : lowerId('fsap');
      case 'AWS::ECR::Repository':
        if (attribute === 'Arn') return arn('ecr', `repository/${name}`);
        if (attribute === 'RepositoryUri') return `${account}.dkr.ecr.${region}.amazonaws.com/${name}`;
        return name;
      case 'AWS::ServiceDiscovery::HttpNamespace':
        return attribute === 'Arn' ? arn('servicediscovery', `namespace/ns-${name}`) : `ns-${name}`;
      case 'AWS::Route53::HostedZone':
        return `Z${name
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, '')
          .slice(0, 12)}`;
      case 'AWS::CertificateManager::Certificate':
        return arn('acm', `certificate/${name}`);
      case 'AWS::StepFunctions::StateMachine':
        return attribute === 'Name' ? name : arn('states', `stateMachine:${name}`);
      default:
        return attribute === 'Ref' ? name : `${name}.${attribute}`;
    }
  }

  private clusterPortOf(instance: ModelResource): Json {
    const cluster = this.referenceOf(instance.stack, instance.properties.DBClusterIdentifier)?.target;
    return cluster ? this.resolve(cluster.stack, cluster.properties.Port) : undefined;
  }
}

const NO_VALUE = Symbol('AWS::NoValue');
