import type { Template } from 'aws-cdk-lib/assertions';
import { readJobEnvironment } from '../lambda/partition-maintenance/job';
import { MAINTENANCE_ENVIRONMENT, MAINTENANCE_METRICS_NAMESPACE } from '../lib/contract';
import { Fact, FactName } from 'aws-cdk-lib/region-info';
import { stackOf, synthesized, templateOf } from './support/synthesized';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;

const VARIANTS = ['dev', 'staging', 'prod', 'prod-instance'] as const;

/**
 * What each variant's maintenance must be, written out from lib/config/environments.ts (never read
 * from the config the templates were built from): the engine decides which database resource the
 * function connects to, describes and exports from.
 */
const AURORA = {
  engine: 'aurora',
  host: /DatabaseCluster\w*EndpointAddress/,
  describe: 'rds:DescribeDBClusters',
  databaseType: 'AWS::RDS::DBCluster',
} as const;
const INSTANCE = {
  engine: 'instance',
  host: /DatabasePrimary\w*EndpointAddress/,
  describe: 'rds:DescribeDBInstances',
  databaseType: 'AWS::RDS::DBInstance',
} as const;
const GAME_EVENT = { schema: 'public', table: 'GameEvent', column: 'createdAt', futureMonths: 3, retentionMonths: 6, archive: true };
const EXPECTED = {
  dev: { ...INSTANCE, identifier: 'cs2analytics-dev', logRetentionDays: 14, tables: [{ ...GAME_EVENT, convertIfPlain: true }] },
  staging: { ...AURORA, identifier: 'cs2analytics-staging', logRetentionDays: 90, tables: [{ ...GAME_EVENT, convertIfPlain: true }] },
  prod: { ...AURORA, identifier: 'cs2analytics-prod', logRetentionDays: 365, tables: [{ ...GAME_EVENT, convertIfPlain: false }] },
  'prod-instance': {
    ...INSTANCE,
    identifier: 'cs2analytics-prod',
    logRetentionDays: 365,
    tables: [{ ...GAME_EVENT, convertIfPlain: false }],
  },
} as const;
/** Every environment: daily at 03:30 UTC; each app login may open 200 connections. */
const SCHEDULE = 'cron(30 3 * * ? *)';
const APP_CONNECTION_LIMIT = 200;

function only(template: Template, type: string) {
  const entries = Object.entries(template.findResources(type) as Resources);
  expect(entries).toHaveLength(1);
  return entries[0];
}

describe.each(VARIANTS)('maintenance stack in %s', (variant) => {
  const { config } = synthesized(variant);
  const expected = EXPECTED[variant];
  const template = templateOf(variant, 'Maintenance');
  const [functionId, fn] = only(template, 'AWS::Lambda::Function');
  const env = fn.Properties.Environment.Variables as Record<string, any>;

  test('sets exactly the environment variables lib/contract.ts names (and the CA bundle), which the function reads', () => {
    expect(Object.keys(env).sort()).toEqual([...Object.values(MAINTENANCE_ENVIRONMENT), 'NODE_EXTRA_CA_CERTS'].sort());
    expect(env[MAINTENANCE_ENVIRONMENT.metricsNamespace]).toBe(MAINTENANCE_METRICS_NAMESPACE);
    // The function reads them all: the literal values as they are, references (resolved at deploy) as stand-ins.
    const { [MAINTENANCE_ENVIRONMENT.appRoles]: _appRoles, ...plain } = env;
    const job = readJobEnvironment(
      Object.fromEntries(Object.entries(plain).map(([name, value]) => [name, typeof value === 'string' ? value : 'stand-in'])),
    );
    expect(job).toMatchObject({
      environment: config.envName,
      databaseEngine: expected.engine,
      metricsNamespace: MAINTENANCE_METRICS_NAMESPACE,
    });
  });

  test('is a stateless stack named after the environment, not termination-protected', () => {
    const stack = stackOf(variant, 'Maintenance');
    expect(stack.stackName).toBe(`Cs2Analytics-${config.envName}-maintenance`);
    expect(stack.terminationProtection).toBe(false);
  });

  test('runs the bundled function on the latest Node.js runtime, in the private subnets, as the maintenance group', () => {
    expect(fn.Properties).toMatchObject({
      // The newest runtime aws-cdk-lib lists for the region (lib/constructs/lambda-node-runtime.ts).
      Runtime: Fact.find(config.region, FactName.LATEST_NODE_RUNTIME),
      Handler: 'index.handler',
      Timeout: 900,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: expect.objectContaining({ LogFormat: 'JSON' }),
    });
    // Any reservation fails on accounts whose concurrency quota is 10; PostgreSQL serializes passes.
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    const subnets = JSON.stringify(fn.Properties.VpcConfig.SubnetIds);
    expect(subnets.match(/Vpc\w*Subnet/g)!.every((name) => name.includes('PrivateSubnet'))).toBe(true);
    expect(JSON.stringify(fn.Properties.VpcConfig.SecurityGroupIds)).toContain('MaintenanceSecurityGroup');
  });

  test('connects to the writer directly, never through the proxy, with TLS verified against the RDS CA', () => {
    const host = JSON.stringify(env.DB_HOST);
    expect(host).toMatch(expected.host);
    expect(host).not.toMatch(/Proxy/);
    expect(env).toMatchObject({
      DB_PORT: '5532',
      DB_TLS: 'verify-full',
      DB_ENGINE: expected.engine,
      DB_IDENTIFIER: expected.identifier,
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
    });
    expect(JSON.stringify(env.DB_SECRET_ARN)).toMatch(/Database\w*Secret/);
  });

  test('takes its tables from config, retention being the one ARCHIVAL_THRESHOLD_MONTHS value', () => {
    expect(JSON.parse(env.TABLES)).toEqual(expected.tables);
    expect(JSON.stringify(env.ARCHIVE_BUCKET)).toContain('PartitionArchiveBucket');
    // `npm run convert` finds the function through this output.
    expect(template.toJSON().Outputs.PartitionMaintenanceFunctionName.Value).toEqual({
      Ref: expect.stringMatching(/^PartitionMaintenanceFunction/),
    });
  });

  test('runs daily, and once per deployment through a custom resource served by the function itself', () => {
    const [, rule] = only(template, 'AWS::Events::Rule');
    expect(rule.Properties.ScheduleExpression).toBe(SCHEDULE);
    expect(rule.Properties.Targets[0]).toMatchObject({
      Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
      RetryPolicy: { MaximumRetryAttempts: 2 },
      DeadLetterConfig: expect.anything(),
    });
    const [, run] = only(template, 'Custom::PartitionMaintenance');
    expect(run.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
    expect(run.Properties.SqlVersion).toMatch(/^[0-9a-f]{16}$/);
    // A run that never answers fails the deployment after 20 minutes, not CloudFormation's default hour.
    expect(run.Properties.ServiceTimeout).toBe('1200');
    // Another engine or database is a new, empty one: the run must happen again to set up the roles.
    expect(run.Properties.DatabaseEngine).toBe(expected.engine);
    expect(run.Properties.DatabaseIdentifier).toEqual(env.DB_IDENTIFIER);
    // The two runtime logins' and the migration login's: a new secret sets that login's password again.
    expect(JSON.stringify(run.Properties.LoginSecrets)).toMatch(
      /LoginSecretCs2app[0-9A-F]{8}.*LoginSecretCs2appClone[0-9A-F]{8}.*LoginSecretCs2Migrator[0-9A-F]{8}/,
    );
    expect(run.Properties.LoginSecrets).toHaveLength(3);
  });

  test('may ask whether its own stack is rolling back (a rollback must not fail on a busy database), and nothing more of CloudFormation', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .concat(Object.values(template.findResources('AWS::IAM::ManagedPolicy')))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const cloudFormation = statements.filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('cloudformation:')),
    );
    expect(cloudFormation).toEqual([
      expect.objectContaining({ Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } }),
    ]);
  });

  test("sets up the app's roles at every deployment: the owner, the runtime role, each login with its own secret and its connection limit", () => {
    // A JSON document with the login secrets' ARNs joined in at deploy time.
    const parts = env.APP_ROLES['Fn::Join'][1] as unknown[];
    const text = parts.map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part).match(/LoginSecret\w+/)![0]}>`)).join('');
    expect(JSON.parse(text.replace(/<(LoginSecret\w+)>/g, '$1'))).toEqual({
      owner: 'cs2_owner',
      runtimeRole: 'cs2_runtime',
      logins: [
        { username: 'cs2app', secretArn: expect.stringMatching(/^LoginSecretCs2app(?!Clone)/) },
        { username: 'cs2app_clone', secretArn: expect.stringMatching(/^LoginSecretCs2appClone/) },
      ],
      migrationLogin: { username: 'cs2_migrator', secretArn: expect.stringMatching(/^LoginSecretCs2Migrator/), connectionLimit: 5 },
      connectionLimit: APP_CONNECTION_LIMIT,
    });
    const [, run] = only(template, 'Custom::PartitionMaintenance');
    expect(JSON.parse(run.Properties.AppRoles)).toEqual({
      owner: 'cs2_owner',
      runtimeRole: 'cs2_runtime',
      logins: ['cs2app', 'cs2app_clone'],
      migrationLogin: 'cs2_migrator',
      connectionLimit: APP_CONNECTION_LIMIT,
    });
  });

  test('retries failed runs twice, then keeps them in an encrypted dead-letter queue', () => {
    const [, invokeConfig] = only(template, 'AWS::Lambda::EventInvokeConfig');
    expect(invokeConfig.Properties.MaximumRetryAttempts).toBe(2);
    const [queueId, queue] = only(template, 'AWS::SQS::Queue');
    expect(queue.Properties.KmsMasterKeyId).toBeDefined();
    expect(fn.Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
  });

  test('logs to a KMS-encrypted log group with the configured retention', () => {
    const [logsId, logGroup] = only(template, 'AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(expected.logRetentionDays);
    expect(logGroup.Properties.KmsKeyId).toBeDefined();
    expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: logsId });
  });

  test('has least-privilege permissions in a managed policy, no inline policy', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const [, policy] = only(template, 'AWS::IAM::ManagedPolicy');
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const resourceOf = (action: string) => statements.find((statement) => [statement.Action].flat().includes(action))?.Resource;
    expect(JSON.stringify(resourceOf('secretsmanager:GetSecretValue'))).toMatch(/Database\w*Secret/);
    expect(resourceOf(expected.describe)).not.toBe('*');
    expect(resourceOf(expected.describe)).toBeDefined();
    const wildcard = statements.filter((statement) => statement.Resource === '*').flatMap((statement) => [statement.Action].flat());
    expect(wildcard.every((action) => action.startsWith('ec2:') || action.startsWith('xray:'))).toBe(true);
  });
});

describe.each(VARIANTS)('partition archive in %s', (variant) => {
  const template = templateOf(variant, 'Data');
  const buckets = Object.entries(template.findResources('AWS::S3::Bucket') as Resources);
  const [bucketId, bucket] = buckets.find(([id]) => id.startsWith('PartitionArchiveBucket'))!;

  test('is KMS-encrypted with the data key, versioned, private, retained, with a lifecycle to colder storage', () => {
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toMatchObject({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    const transitions = bucket.Properties.LifecycleConfiguration.Rules[0].Transitions.map((t: { StorageClass: string }) => t.StorageClass);
    expect(transitions).toEqual(['GLACIER_IR', 'DEEP_ARCHIVE']);
    expect(bucket.Properties.LoggingConfiguration).toBeDefined();
  });

  test('is the only thing the database may export to, under its partitions/ prefix', () => {
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy') as Resources).filter((policy) =>
      JSON.stringify(policy).includes('s3:PutObject'),
    );
    expect(policies).toHaveLength(1);
    const statement = policies[0].Properties.PolicyDocument.Statement.find((s: { Action: string[] }) => s.Action.includes('s3:PutObject'));
    expect(JSON.stringify(statement.Resource)).toContain(`"${bucketId}","Arn"]},"/partitions/*"`);
    const withRole = Object.values(template.findResources(EXPECTED[variant].databaseType) as Resources).filter(
      (db) => db.Properties.AssociatedRoles,
    );
    expect(withRole).toHaveLength(1);
    expect(withRole[0].Properties.AssociatedRoles).toEqual([expect.objectContaining({ FeatureName: 's3Export' })]);
  });
});

test('the maintenance stack depends on the stateful stacks, never the reverse; the services on it (they log in as the roles it sets up)', () => {
  const manifest = require(`${synthesized('prod').outdir}/manifest.json`);
  const artifacts = Object.entries(manifest.artifacts as Record<string, { dependencies?: string[] }>).filter(
    ([id]) => !id.endsWith('.assets'),
  );
  const dependencies = (name: string) => artifacts.find(([id]) => id.startsWith(`prod${name}`))![1].dependencies ?? [];
  expect(
    dependencies('Maintenance')
      .filter((dependency) => !dependency.endsWith('.assets'))
      .sort(),
  ).toEqual([expect.stringMatching(/^prodData/), expect.stringMatching(/^prodNetwork/)]);
  for (const stateful of ['Network', 'Data']) {
    expect(dependencies(stateful).some((dependency) => dependency.includes('Maintenance'))).toBe(false);
  }
  expect(dependencies('Services')).toContainEqual(expect.stringMatching(/^prodMaintenance/));
});
