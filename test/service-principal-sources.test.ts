/**
 * Every statement that names a service principal in the network, data, services and monitoring stacks
 * names its source as well (issue "Least privilege across identities", findings 4-6), read from the
 * environments' templates and, where it decides something, put to the IAM evaluator with a request
 * from this account and one from another.
 */
import { evaluate } from './rehearsal/iam-evaluator';
import { TEST_ACCOUNT } from './support/context';
import { synthesized, templateOf } from './support/synthesized';
import { VARIANTS } from './support/variants';

const OTHER = '222222222222';
const REGION = 'eu-west-1';
type Json = any;

/** Fn::Join of strings and account references, as this account's literal ARN. */
function literal(value: Json): Json {
  if (typeof value === 'string' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(literal);
  if (value.Ref === 'AWS::AccountId') return TEST_ACCOUNT;
  if (value.Ref === 'AWS::Partition') return 'aws';
  if (value.Ref === 'AWS::Region') return REGION;
  if (value['Fn::Join']) {
    const parts = value['Fn::Join'][1].map(literal);
    return parts.every((part: Json) => typeof part === 'string') ? parts.join(value['Fn::Join'][0]) : value;
  }
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, literal(child)]));
}

/**
 * A policy the evaluator can read: each resource a statement names by reference becomes `arn`, and each
 * other reference (a GetAtt or Ref of `ids`) the ARN given for it.
 */
function concrete(policy: Json, arn: string, ids: Record<string, string> = {}): Json {
  const replace = (node: Json): Json => {
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map(replace);
    const id = node['Fn::GetAtt']?.[0] ?? node.Ref;
    if (typeof id === 'string' && ids[id]) return ids[id];
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, replace(child)]));
  };
  return {
    ...policy,
    Statement: policy.Statement.map((statement: Json) => ({
      ...replace(statement),
      Resource: [statement.Resource].flat().every((resource: Json) => typeof resource === 'string') ? statement.Resource : arn,
    })),
  };
}

function resources(variant: string, stack: string, type: string): [string, Json][] {
  return Object.entries(templateOf(variant, stack).findResources(type)).map(([id, resource]) => [id, literal(resource)]);
}

function serviceStatements(variant: string, stack: string): { where: string; service: string[]; statement: Json }[] {
  const found: { where: string; service: string[]; statement: Json }[] = [];
  const template = templateOf(variant, stack).toJSON() as Json;
  for (const [id, resource] of Object.entries<Json>(template.Resources)) {
    const visit = (node: Json, path: string) => {
      if (node === null || typeof node !== 'object') return;
      if (node.Principal?.Service)
        found.push({ where: `${stack}/${id}${path}`, service: [node.Principal.Service].flat(), statement: node });
      for (const [key, child] of Object.entries<Json>(node)) visit(child, `${path}.${key}`);
    };
    visit(resource.Properties, '');
  }
  return found;
}

/** Services whose statements hold their source by other means than aws:SourceAccount, and why. */
const WITHOUT_SOURCE_ACCOUNT: Record<string, RegExp> = {
  // Lambda documents no source context for an execution role's trust; the Lambda roles of this app.
  'lambda.amazonaws.com': /AssumeRolePolicyDocument/,
  // ECS documents the conditions for task roles, and none for a task execution role (EXECUTION_ROLE_TRUST).
  'ecs-tasks.amazonaws.com': /ExecutionRole\w*\.AssumeRolePolicyDocument/,
  // RDS Proxy's role is documented without one (postgres-database.ts, not this change's).
  'rds.amazonaws.com': /ProxyRole/,
  // EC2 documents none for an instance profile's role (dev's NAT instance, aws-cdk-lib's NatInstanceProviderV2).
  'ec2.amazonaws.com': /NatInstanceInstanceRole/,
  // AWS Backup documents none for the role it is passed.
  'backup.amazonaws.com': /BackupPlanSelectionRole/,
  // EventBridge's KMS calls carry no source: its key statements are held by the encryption context.
  'events.amazonaws.com': /KeyPolicy/,
  // CloudWatch Logs' key statements are held by the log group's ARN in the encryption context.
  'logs.eu-west-1.amazonaws.com': /KeyPolicy/,
};

describe.each(['dev', 'prod', 'prod-instance'])('service principals in %s', (variant) => {
  test('each names aws:SourceAccount, or is held to this account by what its service sends instead', () => {
    const unguarded = ['Network', 'Data', 'Services', 'Monitoring']
      .flatMap((stack) => serviceStatements(variant, stack))
      .filter(({ statement }) => statement.Effect === 'Allow')
      .filter(({ where, service, statement }) => {
        const condition = JSON.stringify(statement.Condition ?? {});
        if (condition.includes('aws:SourceAccount')) return false;
        // One source resource of this template, by its exact ARN (ArnEquals a Ref or GetAtt): its account is ours.
        const exact = statement.Condition?.ArnEquals?.['aws:SourceArn'];
        if (exact && typeof exact === 'object' && (exact.Ref || exact['Fn::GetAtt'])) return false;
        return !service.every(
          (name) =>
            WITHOUT_SOURCE_ACCOUNT[name]?.test(where) && (name !== 'events.amazonaws.com' || condition.includes('kms:EncryptionContext')),
        );
      })
      .map(({ where, service }) => `${where} ${service.join(',')}`);
    expect(unguarded).toEqual([]);
  });
});

describe('the alarm topic and its key (prod)', () => {
  const topicArn = `arn:aws:sns:${REGION}:${TEST_ACCOUNT}:Cs2Analytics-prod-monitoring-AlarmTopicD01E77F9-AbCdEf`;
  const ruleArn = `arn:aws:events:${REGION}:${TEST_ACCOUNT}:rule/Cs2Analytics-prod-monitoring-FailedDeployments`;
  const [[ruleId]] = resources('prod', 'Monitoring', 'AWS::Events::Rule');
  const rawTopicPolicy = () => resources('prod', 'Monitoring', 'AWS::SNS::TopicPolicy')[0][1].Properties.PolicyDocument;
  // The rule's and the topic's ARNs stand in for their references.
  const topicPolicy = () => concrete(rawTopicPolicy(), topicArn, { [ruleId]: ruleArn });
  const keyPolicy = () => concrete(resources('prod', 'Monitoring', 'AWS::KMS::Key')[0][1].Properties.KeyPolicy, '*');
  const publish = (principal: string, sourceAccount: string, sourceArn: string) =>
    evaluate({
      principal,
      action: 'sns:Publish',
      resource: topicArn,
      resourceAccount: TEST_ACCOUNT,
      context: { 'aws:SourceAccount': sourceAccount, 'aws:SourceArn': sourceArn, 'aws:SecureTransport': 'true' },
      identityPolicies: [],
      resourcePolicy: topicPolicy(),
    }).then((evaluation) => evaluation.decision);
  const useKey = (principal: string, context: Record<string, string>) =>
    evaluate({
      principal,
      action: 'kms:GenerateDataKey',
      resource: `arn:aws:kms:${REGION}:${TEST_ACCOUNT}:key/0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d`,
      resourceAccount: TEST_ACCOUNT,
      context,
      identityPolicies: [],
      resourcePolicy: keyPolicy(),
    }).then((evaluation) => evaluation.decision);

  test("EventBridge may publish for the failed-deployments rule of this account only (no more false pages from another's)", async () => {
    const statement = rawTopicPolicy().Statement.find((candidate: Json) => candidate.Principal?.Service === 'events.amazonaws.com');
    expect(statement.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT },
      ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } },
    });
    const decide = (sourceAccount: string, sourceArn: string) => publish('events.amazonaws.com', sourceAccount, sourceArn);
    expect(await decide(TEST_ACCOUNT, ruleArn)).toBe('Allowed');
    expect(await decide(OTHER, `arn:aws:events:${REGION}:${OTHER}:rule/false-pages`)).toBe('ImplicitlyDenied');
    expect(await decide(TEST_ACCOUNT, `arn:aws:events:${REGION}:${TEST_ACCOUNT}:rule/another-rule`)).toBe('ImplicitlyDenied');
  });

  test("CloudWatch may publish for the environment's alarms, RDS for this account's instances and clusters", async () => {
    const alarm = (account: string, name: string) => `arn:aws:cloudwatch:${REGION}:${account}:alarm:${name}`;
    expect(await publish('cloudwatch.amazonaws.com', TEST_ACCOUNT, alarm(TEST_ACCOUNT, 'cs2analytics-prod-api-no-healthy-targets'))).toBe(
      'Allowed',
    );
    expect(
      await publish('cloudwatch.amazonaws.com', TEST_ACCOUNT, alarm(TEST_ACCOUNT, 'cs2analytics-staging-api-no-healthy-targets')),
    ).toBe('ImplicitlyDenied');
    expect(await publish('cloudwatch.amazonaws.com', OTHER, alarm(OTHER, 'cs2analytics-prod-api-no-healthy-targets'))).toBe(
      'ImplicitlyDenied',
    );
    // RDS sends the ARN of the resource an event is about (RDS user guide, "Granting permissions to publish
    // notifications to an Amazon SNS topic"), not the subscription's.
    for (const resource of ['db:cs2analytics-prod-r1', 'cluster:cs2analytics-prod']) {
      expect(await publish('events.rds.amazonaws.com', TEST_ACCOUNT, `arn:aws:rds:${REGION}:${TEST_ACCOUNT}:${resource}`)).toBe('Allowed');
      expect(await publish('events.rds.amazonaws.com', OTHER, `arn:aws:rds:${REGION}:${OTHER}:${resource}`)).toBe('ImplicitlyDenied');
    }
    expect(await publish('events.rds.amazonaws.com', TEST_ACCOUNT, `arn:aws:rds:${REGION}:${TEST_ACCOUNT}:es:subscription-1`)).toBe(
      'ImplicitlyDenied',
    );
  });

  test('the key: each service for this account only, EventBridge by the topic and queue it encrypts for', async () => {
    const sids = keyPolicy().Statement.map((statement: Json) => statement.Sid);
    expect(sids).toEqual(
      expect.arrayContaining([
        'AllowAlarmsToNotify',
        'AllowRdsEventsToNotify',
        'AllowSnsToRedriveUndelivered',
        'AllowEventBridgeToNotify',
        'AllowEventBridgeDeadLetters',
      ]),
    );
    const alarm = `arn:aws:cloudwatch:${REGION}:${TEST_ACCOUNT}:alarm:cs2analytics-prod-maintenance-errors`;
    expect(await useKey('cloudwatch.amazonaws.com', { 'aws:SourceAccount': TEST_ACCOUNT, 'aws:SourceArn': alarm })).toBe('Allowed');
    expect(
      await useKey('cloudwatch.amazonaws.com', {
        'aws:SourceAccount': OTHER,
        'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${OTHER}:alarm:cs2analytics-prod-maintenance-errors`,
      }),
    ).toBe('ImplicitlyDenied');
    expect(await useKey('sns.amazonaws.com', { 'aws:SourceAccount': TEST_ACCOUNT, 'aws:SourceArn': topicArn })).toBe('Allowed');
    expect(
      await useKey('sns.amazonaws.com', { 'aws:SourceAccount': OTHER, 'aws:SourceArn': `arn:aws:sns:${REGION}:${OTHER}:theirs` }),
    ).toBe('ImplicitlyDenied');
    expect(await useKey('events.amazonaws.com', { 'kms:EncryptionContext:aws:sns:topicArn': topicArn })).toBe('Allowed');
    expect(
      await useKey('events.amazonaws.com', { 'kms:EncryptionContext:aws:sqs:arn': `arn:aws:sqs:${REGION}:${TEST_ACCOUNT}:undelivered` }),
    ).toBe('Allowed');
    expect(
      await useKey('events.amazonaws.com', { 'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:${REGION}:${OTHER}:theirs` }),
    ).toBe('ImplicitlyDenied');
    expect(await useKey('events.amazonaws.com', {})).toBe('ImplicitlyDenied');
  });
});

describe.each(['prod', 'prod-instance', 'prod-restored'])('data-tier roles in %s', (variant) => {
  const roles = () => Object.fromEntries(resources(variant, 'Data', 'AWS::IAM::Role'));
  const trust = (pattern: RegExp) => Object.entries(roles()).find(([id]) => pattern.test(id))![1].Properties.AssumeRolePolicyDocument;

  test("the partition export role: RDS for this environment's database (a restore's included) in this account", () => {
    const database = (kind: string, name: string) => `arn:aws:rds:${REGION}:${TEST_ACCOUNT}:${kind}:${name}`;
    expect(trust(/^PartitionArchiveExportRole/).Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT },
      ArnLike: {
        'aws:SourceArn': [
          database('cluster', 'cs2analytics-prod'),
          database('cluster', 'cs2analytics-prod-r*'),
          database('db', 'cs2analytics-prod'),
          database('db', 'cs2analytics-prod-r*'),
        ],
      },
    });
  });

  test("the Enhanced Monitoring role: RDS monitoring for this account's DB instances of this region", () => {
    expect(trust(/^DatabaseMonitoringRole/).Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'monitoring.rds.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT },
          ArnLike: { 'aws:SourceArn': `arn:aws:rds:${REGION}:${TEST_ACCOUNT}:db:*` },
        },
      },
    ]);
  });

  test("the Redis token rotation may change the replication group's AUTH token and nothing with a condition key of its own", async () => {
    const [, policy] = resources(variant, 'Data', 'AWS::IAM::ManagedPolicy').find(([id]) => /^RedisTokenRotationRolePolicy/.test(id))!;
    const modify = policy.Properties.PolicyDocument.Statement.filter((statement: Json) =>
      [statement.Action].flat().includes('elasticache:ModifyReplicationGroup'),
    );
    expect(modify.map((statement: Json) => statement.Condition)).toEqual([
      {
        Bool: { 'elasticache:AuthTokenEnabled': 'true' },
        Null: {
          'elasticache:AutomaticFailoverEnabled': 'true',
          'elasticache:CacheNodeType': 'true',
          'elasticache:CacheParameterGroupName': 'true',
          'elasticache:Durability': 'true',
          'elasticache:EngineVersion': 'true',
          'elasticache:SnapshotRetentionLimit': 'true',
        },
      },
    ]);
    const group = `arn:aws:elasticache:${REGION}:${TEST_ACCOUNT}:replicationgroup:cs2analytics-prod-jobs`;
    const statement = { ...modify[0], Resource: group };
    const decide = (context: Record<string, string>) =>
      evaluate({
        principal: `arn:aws:iam::${TEST_ACCOUNT}:role/redis-token-rotation`,
        action: 'elasticache:ModifyReplicationGroup',
        resource: group,
        resourceAccount: TEST_ACCOUNT,
        context,
        identityPolicies: [{ Version: '2012-10-17', Statement: [statement] }],
      }).then((evaluation) => evaluation.decision);
    // What lambda/credential-rotation sends: AuthToken, AuthTokenUpdateStrategy ROTATE, ApplyImmediately.
    expect(await decide({ 'elasticache:AuthTokenEnabled': 'true' })).toBe('Allowed');
    expect(await decide({})).toBe('ImplicitlyDenied');
    expect(await decide({ 'elasticache:AuthTokenEnabled': 'true', 'elasticache:CacheNodeType': 'cache.r7g.4xlarge' })).toBe(
      'ImplicitlyDenied',
    );
    expect(await decide({ 'elasticache:AuthTokenEnabled': 'true', 'elasticache:EngineVersion': '6.2' })).toBe('ImplicitlyDenied');
  });
});

describe.each(['dev', 'prod'])('services in %s', (variant) => {
  test('every egress rule of the load balancer has the matching ingress on its destination', () => {
    const template = templateOf(variant, 'Services').toJSON() as Json;
    const groups = Object.entries<Json>(template.Resources).filter(([, resource]) => resource.Type === 'AWS::EC2::SecurityGroup');
    const [albId] = groups.find(([, group]) => /load balancer: HTTP\(S\) from the internet/.test(group.Properties.GroupDescription))!;
    const rules = (type: string) => Object.values<Json>(template.Resources).filter((resource) => resource.Type === type);
    const egress = rules('AWS::EC2::SecurityGroupEgress').filter((rule) => rule.Properties.GroupId['Fn::GetAtt']?.[0] === albId);
    expect(egress.length).toBeGreaterThan(0);
    const unanswered = egress.filter(
      (rule) =>
        !rules('AWS::EC2::SecurityGroupIngress').some(
          (ingress) =>
            JSON.stringify(ingress.Properties.GroupId) === JSON.stringify(rule.Properties.DestinationSecurityGroupId) &&
            ingress.Properties.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] === albId &&
            ingress.Properties.FromPort === rule.Properties.FromPort,
        ),
    );
    expect(unanswered.map((rule) => `${rule.Properties.Description} ${rule.Properties.FromPort}`)).toEqual([]);
    // The API's tasks still wear their data-tier client group.
    const [, api] = Object.entries<Json>(template.Resources).find(
      ([id, resource]) => resource.Type === 'AWS::ECS::Service' && /^ApiService/.test(id),
    )!;
    expect(api.Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups).toHaveLength(2);
  });

  test("the migrations' waiter state machine role: Step Functions for this account's state machines of this region", () => {
    const [, role] = resources(variant, 'Services', 'AWS::IAM::Role').find(([id]) => /waiterstatemachineRole/.test(id))!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:states:${REGION}:${TEST_ACCOUNT}:stateMachine:*` },
    });
  });
});

test('the variants read here exist', () => {
  for (const name of ['dev', 'prod', 'prod-instance', 'prod-restored']) expect(VARIANTS.map((variant) => variant.name)).toContain(name);
  expect(synthesized('prod').config.envName).toBe('prod');
});
