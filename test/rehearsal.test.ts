/**
 * The deploy rehearsal: what AWS checks when it creates things, and what must work once it has,
 * proven from the synthesized templates of every environment and both engine modes. Each check is
 * derived from the templates (no lists of logical ids) and is shown to fail on a variant with the
 * fault it is there to catch.
 */
import { ConnectionTable, label, type ConnectionVerdict } from './rehearsal/connections';
import { containerViolations, type ContainerExpectations } from './rehearsal/containers';
import { creationOrderViolations } from './rehearsal/creation-order';
import { crossStackReferenceViolations } from './rehearsal/cross-stack-references';
import { DeliveryRehearsal, type DeliveryResult } from './rehearsal/delivery';
import type { NetworkNode } from './rehearsal/network';
import { teardownViolations } from './rehearsal/teardown';
import { deployOrderViolations } from './rehearsal/deploy-order';
import type { Json } from './rehearsal/template-model';
import { stackOf, synthesized } from './support/synthesized';
import { VARIANTS } from './support/variants';
import { isReadReplica } from '../scripts/lib/cloudformation-facts';
import { modelOf, resourcesOf, withFault } from './support/rehearsal-models';

/** The connection table: API and parser are the data tier's clients (proxy, replicas, Redis, EFS). */
// What each service uses: the API the proxy, the read replicas and the demo files; the parser Redis and the demo files.
const intended = (from: NetworkNode, to: NetworkNode) =>
  from.kind === 'service' &&
  ((from.name === 'service api' &&
    (['proxy', 'file-system'].includes(to.kind) || (to.kind === 'database' && isReadReplica(to.resource.properties)))) ||
    (from.name === 'service parser' && ['cache', 'file-system'].includes(to.kind)));

const describeConnections = (results: ConnectionVerdict[]) =>
  results.map((result) => `${label(result.from)} -> ${label(result.to)}:${result.port} (${result.because}): ${result.verdict.why}`);
const describeDeliveries = (results: DeliveryResult[]) =>
  results.map((result) => `${result.description} [${result.action}]: ${result.evaluation.decision} (${result.evaluation.detail})`);

function containerExpectations(variant: string): ContainerExpectations {
  const { services } = synthesized(variant).config;
  const executable = { none: [], node: ['node'], python: ['python3'], wget: ['wget'], curl: ['curl'] } as const;
  return {
    healthCheckTools: (name) => (name in services ? executable[services[name as 'web' | 'api' | 'parser'].healthCheck] : []),
  };
}

/**
 * What stands between a retained environment and its deletion, written out per variant: the stacks
 * that are termination-protected, the resources with deletion protection on, and what is retained
 * under a fixed name (left behind on purpose: the data, its secrets, its logs and its images). Any
 * other finding of the teardown check is a fault; dev keeps nothing and must have none.
 */
const terminationProtected = (stackName: string) => `${stackName} is termination-protected`;
const deletionProtected = (resource: string) => `${resource} has deletion protection on`;
const retainedAs = (resource: string, name: string) =>
  `${resource} is retained with the fixed name "${name}": the next deploy fails with "already exists"`;

const STAGING_TEARDOWN = [
  retainedAs(
    'Cs2Analytics-staging-data/DatabasePostgresLogs807072D3 (AWS::Logs::LogGroup)',
    '/aws/rds/cluster/cs2analytics-staging/postgresql',
  ),
  retainedAs(
    'Cs2Analytics-staging-data/stagingDataDatabaseClusterSecretF4CE41DC3fdaad7efa858a3daf9490cf0a702aeb (AWS::SecretsManager::Secret)',
    'cs2analytics/staging/database/master',
  ),
  deletionProtected('Cs2Analytics-staging-data/DatabaseCluster5B53A178 (AWS::RDS::DBCluster)'),
  retainedAs(
    'Cs2Analytics-staging-data/DatabaseRotationLogsC2CD343A (AWS::Logs::LogGroup)',
    '/aws/lambda/cs2analytics-staging-db-rotation',
  ),
  retainedAs(
    'Cs2Analytics-staging-data/DatabaseLoginSecretCs2appB91407EE (AWS::SecretsManager::Secret)',
    'cs2analytics/staging/database/cs2app',
  ),
  retainedAs(
    'Cs2Analytics-staging-data/DatabaseLoginSecretCs2appClone045799B3 (AWS::SecretsManager::Secret)',
    'cs2analytics/staging/database/cs2app_clone',
  ),
  retainedAs(
    'Cs2Analytics-staging-data/DatabaseLoginSecretCs2MigratorA56F4908 (AWS::SecretsManager::Secret)',
    'cs2analytics/staging/database/cs2_migrator',
  ),
  retainedAs('Cs2Analytics-staging-data/JobQueueAuthToken5F960046 (AWS::SecretsManager::Secret)', 'cs2analytics/staging/redis/auth-token'),
  retainedAs('Cs2Analytics-staging-data/AppCredentialsSecretCB85E3F8 (AWS::SecretsManager::Secret)', 'cs2analytics/staging/database/app'),
  retainedAs('Cs2Analytics-staging-data/BackupVaultADF21B19 (AWS::Backup::BackupVault)', 'cs2analytics-staging'),
  retainedAs('Cs2Analytics-staging-registry/WebRepository0EB245C6 (AWS::ECR::Repository)', 'cs2analytics-staging/web'),
  retainedAs('Cs2Analytics-staging-registry/ApiRepositoryB8378B43 (AWS::ECR::Repository)', 'cs2analytics-staging/api'),
  retainedAs('Cs2Analytics-staging-registry/ParserRepository226D709D (AWS::ECR::Repository)', 'cs2analytics-staging/parser'),
];

/** Prod whatever its database: protected stacks, the load balancer, secrets, the vault and the repositories. */
const PROD_TEARDOWN = [
  terminationProtected('Cs2Analytics-prod-network'),
  terminationProtected('Cs2Analytics-prod-data'),
  terminationProtected('Cs2Analytics-prod-registry'),
  retainedAs('Cs2Analytics-prod-data/DatabaseRotationLogsC2CD343A (AWS::Logs::LogGroup)', '/aws/lambda/cs2analytics-prod-db-rotation'),
  retainedAs('Cs2Analytics-prod-data/DatabaseLoginSecretCs2appB91407EE (AWS::SecretsManager::Secret)', 'cs2analytics/prod/database/cs2app'),
  retainedAs(
    'Cs2Analytics-prod-data/DatabaseLoginSecretCs2appClone045799B3 (AWS::SecretsManager::Secret)',
    'cs2analytics/prod/database/cs2app_clone',
  ),
  retainedAs(
    'Cs2Analytics-prod-data/DatabaseLoginSecretCs2MigratorA56F4908 (AWS::SecretsManager::Secret)',
    'cs2analytics/prod/database/cs2_migrator',
  ),
  retainedAs('Cs2Analytics-prod-data/JobQueueAuthToken5F960046 (AWS::SecretsManager::Secret)', 'cs2analytics/prod/redis/auth-token'),
  retainedAs('Cs2Analytics-prod-data/AppCredentialsSecretCB85E3F8 (AWS::SecretsManager::Secret)', 'cs2analytics/prod/database/app'),
  retainedAs('Cs2Analytics-prod-data/BackupVaultADF21B19 (AWS::Backup::BackupVault)', 'cs2analytics-prod'),
  retainedAs('Cs2Analytics-prod-registry/WebRepository0EB245C6 (AWS::ECR::Repository)', 'cs2analytics-prod/web'),
  retainedAs('Cs2Analytics-prod-registry/ApiRepositoryB8378B43 (AWS::ECR::Repository)', 'cs2analytics-prod/api'),
  retainedAs('Cs2Analytics-prod-registry/ParserRepository226D709D (AWS::ECR::Repository)', 'cs2analytics-prod/parser'),
  deletionProtected('Cs2Analytics-prod-services/LoadBalancer8E47CE52 (AWS::ElasticLoadBalancingV2::LoadBalancer)'),
];

/** Prod's Aurora cluster, named `cluster` (cs2analytics-prod, or -r2 once restored). */
const prodAuroraTeardown = (cluster: string) => [
  retainedAs('Cs2Analytics-prod-data/DatabasePostgresLogs807072D3 (AWS::Logs::LogGroup)', `/aws/rds/cluster/${cluster}/postgresql`),
  retainedAs(
    'Cs2Analytics-prod-data/prodDataDatabaseClusterSecret3A54365E3fdaad7efa858a3daf9490cf0a702aeb (AWS::SecretsManager::Secret)',
    'cs2analytics/prod/database/master',
  ),
  deletionProtected('Cs2Analytics-prod-data/DatabaseCluster5B53A178 (AWS::RDS::DBCluster)'),
];

/** Prod's RDS for PostgreSQL primary, named `primary`, and its two replicas `<primary>-replica-<n>`. */
const prodInstanceTeardown = (primary: string) => [
  retainedAs('Cs2Analytics-prod-data/DatabasePostgresLogs807072D3 (AWS::Logs::LogGroup)', `/aws/rds/instance/${primary}/postgresql`),
  retainedAs('Cs2Analytics-prod-data/DatabaseUpgradeLogsA548C373 (AWS::Logs::LogGroup)', `/aws/rds/instance/${primary}/upgrade`),
  retainedAs(
    'Cs2Analytics-prod-data/prodDataDatabasePrimarySecret6BA335243fdaad7efa858a3daf9490cf0a702aeb (AWS::SecretsManager::Secret)',
    'cs2analytics/prod/database/master',
  ),
  deletionProtected('Cs2Analytics-prod-data/DatabasePrimaryEDE0B3D0 (AWS::RDS::DBInstance)'),
  retainedAs(
    'Cs2Analytics-prod-data/DatabaseReplica1PostgresLogsDA437A07 (AWS::Logs::LogGroup)',
    `/aws/rds/instance/${primary}-replica-1/postgresql`,
  ),
  retainedAs(
    'Cs2Analytics-prod-data/DatabaseReplica1UpgradeLogsB6609B07 (AWS::Logs::LogGroup)',
    `/aws/rds/instance/${primary}-replica-1/upgrade`,
  ),
  deletionProtected('Cs2Analytics-prod-data/DatabaseReplica1ED560A1F (AWS::RDS::DBInstance)'),
  retainedAs(
    'Cs2Analytics-prod-data/DatabaseReplica2PostgresLogsC8EE5308 (AWS::Logs::LogGroup)',
    `/aws/rds/instance/${primary}-replica-2/postgresql`,
  ),
  retainedAs(
    'Cs2Analytics-prod-data/DatabaseReplica2UpgradeLogs741CEC8A (AWS::Logs::LogGroup)',
    `/aws/rds/instance/${primary}-replica-2/upgrade`,
  ),
  deletionProtected('Cs2Analytics-prod-data/DatabaseReplica2035311FF (AWS::RDS::DBInstance)'),
];

const EXPECTED_TEARDOWN: Record<string, string[]> = {
  dev: [],
  staging: STAGING_TEARDOWN,
  prod: [...PROD_TEARDOWN, ...prodAuroraTeardown('cs2analytics-prod')],
  'prod-instance': [...PROD_TEARDOWN, ...prodInstanceTeardown('cs2analytics-prod')],
  'prod-restored': [...PROD_TEARDOWN, ...prodAuroraTeardown('cs2analytics-prod-r2')],
  'prod-restored-to-time': [...PROD_TEARDOWN, ...prodAuroraTeardown('cs2analytics-prod-r2')],
  'prod-instance-restored-snapshot': [...PROD_TEARDOWN, ...prodInstanceTeardown('cs2analytics-prod-r2')],
  'prod-instance-restored': [...PROD_TEARDOWN, ...prodInstanceTeardown('cs2analytics-prod-r3')],
};

test('every variant has its teardown findings written out', () => {
  expect(Object.keys(EXPECTED_TEARDOWN).sort()).toEqual(VARIANTS.map((variant) => variant.name).sort());
});

describe.each(VARIANTS.map((variant) => variant.name))('deploy rehearsal of %s', (variant) => {
  const model = () => modelOf(variant);

  test('creation order: whatever uses a role is created after every policy attached to it', () => {
    expect(creationOrderViolations(model())).toEqual([]);
  });

  test('schema first: roles, migrations, the conversion after them, then the services that run the migrated task definition', () => {
    // Not vacuous: every environment migrates at deploy.
    expect(modelOf(variant).resources('Custom::DeployTimeTask')).toHaveLength(1);
    expect(deployOrderViolations(model())).toEqual([]);
  });

  test('cross-stack references: every Fn::GetStackOutput sits where CloudFormation resolves it', () => {
    expect(crossStackReferenceViolations(model())).toEqual([]);
  });

  test("delivery: every write AWS makes on the system's behalf is allowed by the real policies", async () => {
    const rehearsal = new DeliveryRehearsal(model());
    // Not vacuous: alarms, events, key use, log delivery, exports, rotation and containers are all in.
    const actions = new Set(
      rehearsal.deliveries.map((delivery) => `${delivery.principal.includes(':') ? 'role' : delivery.principal} ${delivery.action}`),
    );
    for (const expected of [
      'cloudwatch.amazonaws.com sns:Publish',
      'events.rds.amazonaws.com sns:Publish',
      'events.amazonaws.com sns:Publish',
      'events.amazonaws.com sqs:SendMessage',
      'events.amazonaws.com lambda:InvokeFunction',
      `logs.${synthesized(variant).config.region}.amazonaws.com kms:GenerateDataKey`,
      'logging.s3.amazonaws.com s3:PutObject',
      'role s3:PutObject',
      'role sqs:SendMessage',
      'role secretsmanager:PutSecretValue',
      'role secretsmanager:GetSecretValue',
      'role kms:CreateGrant',
      'role ecr:BatchGetImage',
      'role elasticfilesystem:ClientMount',
    ]) {
      expect(actions).toContain(expected);
    }
    if (synthesized(variant).config.loadBalancer.waf) expect(actions).toContain('delivery.logs.amazonaws.com logs:PutLogEvents');
    expect(describeDeliveries(await rehearsal.denied())).toEqual([]);
  });

  test('network: every intended connection works, and nothing else reaches the data tier or comes in from the internet', () => {
    const table = new ConnectionTable(model(), intended);
    const pairs = table.required.map((connection) => `${label(connection.from).split(' ')[0]} -> ${label(connection.to).split(' ')[0]}`);
    for (const expected of [
      'the -> load',
      'load -> service',
      'service -> proxy',
      'service -> cache',
      'service -> file',
      'service -> service',
      'function -> database',
      'rotation -> database',
      'database -> the',
      'service -> the',
      'function -> the',
    ]) {
      expect(pairs).toContain(expected);
    }
    expect(describeConnections(table.missing())).toEqual([]);
    expect(describeConnections(table.open())).toEqual([]);
  });

  test('containers: scratch volumes writable by their non-root user, ECS Exec workable, health checks with tools the image has', () => {
    expect(containerViolations(model(), containerExpectations(variant))).toEqual([]);
  });

  test('teardown: a disposable environment can be destroyed and deployed again the same day; a retained one refuses or keeps exactly its data', () => {
    const violations = teardownViolations(
      model(),
      (stackName) => synthesized(variant).stacks.find((stack) => stack.stackName === stackName)!.terminationProtection,
    );
    // Where data is kept, deletion is meant to be refused or to leave the data behind: exactly these.
    expect([...violations].sort()).toEqual([...EXPECTED_TEARDOWN[variant]].sort());
  });
});

describe('each rehearsal check fails on a variant with its fault', () => {
  test('creation order: policies that attach themselves to their role (the old service roles)', () => {
    const faulty = withFault('dev', (templates) => {
      for (const template of Object.values(templates)) {
        for (const [, role] of resourcesOf(template, 'AWS::IAM::Role')) {
          const customer = (role.Properties.ManagedPolicyArns ?? []).filter((arn: Json) => arn.Ref);
          role.Properties.ManagedPolicyArns = (role.Properties.ManagedPolicyArns ?? []).filter((arn: Json) => !arn.Ref);
          for (const arn of customer)
            template.Resources[arn.Ref].Properties.Roles = [
              { Ref: Object.entries<Json>(template.Resources).find(([, candidate]) => candidate === role)![0] },
            ];
        }
      }
    });
    const users = creationOrderViolations(faulty).map((violation) => violation.user);
    expect(users.some((user) => /maintenance\/PartitionMaintenanceFunction\w+ \(AWS::Lambda::Function\)/.test(user))).toBe(true);
    expect(users.some((user) => /AWS::RDS::DBProxy/.test(user))).toBe(true);
    expect(users.some((user) => /AWS::EC2::FlowLog/.test(user))).toBe(true);
    expect(users.some((user) => /AWS::ECS::TaskDefinition/.test(user))).toBe(true);
  });

  test('schema first: an API service that does not wait for the migrations and the conversion', () => {
    const faulty = withFault('dev', (templates) => {
      for (const [, service] of resourcesOf(templates.services, 'AWS::ECS::Service')) {
        service.DependsOn = [service.DependsOn ?? []].flat().filter((id: string) => !/^(Migrations|TableConversion)/.test(id));
      }
    });
    expect(deployOrderViolations(faulty)).toEqual([
      expect.stringMatching(
        /ApiService\w+ \(AWS::ECS::Service\) may start new tasks before .*MigrationsRun\w+ \(Custom::DeployTimeTask\)$/,
      ),
      expect.stringMatching(
        /ApiService\w+ \(AWS::ECS::Service\) may start new tasks before .*TableConversion\w* \(Custom::TableConversion\)$/,
      ),
    ]);
  });

  test('cross-stack references: a repository name split out of its ARN, a reference in a condition and in an output', () => {
    const faulty = withFault('dev', (templates) => {
      const reference = (outputName: string) => ({
        'Fn::GetStackOutput': { StackName: 'Cs2Analytics-dev-registry', Region: 'eu-west-1', OutputName: outputName },
      });
      const [[, taskDefinition]] = resourcesOf(templates.services, 'AWS::ECS::TaskDefinition');
      taskDefinition.Properties.ContainerDefinitions[0].Image = {
        'Fn::Join': ['', [{ 'Fn::Select': [1, { 'Fn::Split': ['/', reference('RepositoryArn')] }] }, ':1.0']],
      };
      templates.monitoring.Conditions = { FaultCondition: { 'Fn::Equals': [reference('ServiceName'), ''] } };
      templates.monitoring.Outputs = { ...templates.monitoring.Outputs, FaultOutput: { Value: reference('ServiceName') } };
    });
    expect(crossStackReferenceViolations(faulty)).toEqual([
      expect.stringMatching(
        /^Cs2Analytics-dev-services\/\w+\/Properties\/ContainerDefinitions\/0\/Image\/.*: Fn::GetStackOutput inside Fn::Split$/,
      ),
      'Cs2Analytics-dev-monitoring/Outputs/FaultOutput/Value: Fn::GetStackOutput inside Outputs',
      'Cs2Analytics-dev-monitoring/Conditions/FaultCondition/Fn::Equals/0: Fn::GetStackOutput inside Fn::Equals',
    ]);
  });

  test('delivery: a topic policy that admits only EventBridge, and a dead-letter key that shuts EventBridge out', async () => {
    const faulty = withFault('dev', (templates) => {
      for (const [, policy] of resourcesOf(templates.monitoring, 'AWS::SNS::TopicPolicy')) {
        policy.Properties.PolicyDocument.Statement = policy.Properties.PolicyDocument.Statement.filter(
          (statement: Json) => !['cloudwatch.amazonaws.com', 'events.rds.amazonaws.com'].includes(statement.Principal?.Service),
        );
      }
      for (const [, key] of resourcesOf(templates.maintenance, 'AWS::KMS::Key')) {
        key.Properties.KeyPolicy.Statement = key.Properties.KeyPolicy.Statement.filter(
          (statement: Json) => statement.Sid !== 'AllowEventBridgeDeadLetters',
        );
      }
    });
    const denied = describeDeliveries(await new DeliveryRehearsal(faulty).denied());
    expect(denied.some((line) => /^alarm .*cloudwatch\.amazonaws\.com publishes .*\[sns:Publish\]: ImplicitlyDenied/.test(line))).toBe(
      true,
    );
    expect(denied.some((line) => /^RDS event subscription .*\[sns:Publish\]: ImplicitlyDenied/.test(line))).toBe(true);
    expect(denied.some((line) => /DailySchedule.*dead letters: events\.amazonaws\.com uses .*\[kms:GenerateDataKey\]/.test(line))).toBe(
      true,
    );
  });

  test("delivery: a bucket policy that refuses the database's exports, and a key that refuses CloudWatch Logs", async () => {
    const faulty = withFault('dev', (templates) => {
      for (const [, policy] of resourcesOf(templates.data, 'AWS::S3::BucketPolicy')) {
        policy.Properties.PolicyDocument.Statement.push({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: '*' });
      }
      for (const [, key] of resourcesOf(templates.network, 'AWS::KMS::Key')) {
        key.Properties.KeyPolicy.Statement = key.Properties.KeyPolicy.Statement.filter(
          (statement: Json) => statement.Sid !== 'AllowCloudWatchLogsOfThisAccountAndRegion',
        );
      }
    });
    const denied = describeDeliveries(await new DeliveryRehearsal(faulty).denied());
    expect(denied.some((line) => /^partition exports .*\[s3:PutObject\]: ExplicitlyDenied/.test(line))).toBe(true);
    expect(denied.some((line) => /^log group .*CloudWatch Logs uses .*network\/LogsKey/.test(line))).toBe(true);
  });

  test('network: a database that cannot reach S3, web let into the proxy, replicas the API cannot reach', () => {
    const faulty = withFault('prod-instance', (templates) => {
      const groups = resourcesOf(templates.data, 'AWS::EC2::SecurityGroup');
      const [, databaseGroup] = groups.find(([, group]) => /^PostgreSQL prod: proxy/.test(group.Properties.GroupDescription))!;
      // What CDK writes for a group that may send nothing (the template before the fix).
      databaseGroup.Properties.SecurityGroupEgress = [
        { CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', FromPort: 252, IpProtocol: 'icmp', ToPort: 86 },
      ];
      const [proxyGroupId] = groups.find(([, group]) => /^RDS Proxy /.test(group.Properties.GroupDescription))!;
      const [webGroupId] = resourcesOf(templates.services, 'AWS::EC2::SecurityGroup').find(([, group]) =>
        /web tasks/.test(group.Properties.GroupDescription),
      )!;
      const webGroupOutput = `FaultWebGroup`;
      templates.services.Outputs[webGroupOutput] = { Value: { 'Fn::GetAtt': [webGroupId, 'GroupId'] } };
      templates.data.Resources.FaultWebToProxy = {
        Type: 'AWS::EC2::SecurityGroupIngress',
        Properties: {
          IpProtocol: 'tcp',
          FromPort: 5432,
          ToPort: 5432,
          GroupId: { 'Fn::GetAtt': [proxyGroupId, 'GroupId'] },
          SourceSecurityGroupId: { 'Fn::GetStackOutput': { StackName: 'Cs2Analytics-prod-services', OutputName: webGroupOutput } },
        },
      };
      for (const [id, rule] of resourcesOf(templates.data, 'AWS::EC2::SecurityGroupIngress')) {
        if (/read replicas/.test(rule.Properties.Description ?? '')) delete templates.data.Resources[id];
      }
    });
    const table = new ConnectionTable(faulty, intended);
    const missing = describeConnections(table.missing());
    expect(missing.some((line) => /^database cs2analytics-prod -> the s3 API:443/.test(line))).toBe(true);
    expect(missing.some((line) => /^service api -> database cs2analytics-prod-replica-1:5532/.test(line))).toBe(true);
    expect(describeConnections(table.open()).some((line) => /^service web -> proxy cs2analytics-prod:5432/.test(line))).toBe(true);
  });

  test('containers: no volume preparation, ECS Exec on a read-only root, a wget health check', () => {
    const faulty = withFault('dev', (templates) => {
      for (const [, definition] of resourcesOf(templates.services, 'AWS::ECS::TaskDefinition')) {
        for (const container of definition.Properties.ContainerDefinitions) {
          if (container.Essential === false) continue;
          delete container.DependsOn;
          container.ReadonlyRootFilesystem = true;
          if (container.HealthCheck) container.HealthCheck.Command = ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1/ || exit 1'];
        }
      }
    });
    const violations = containerViolations(faulty, containerExpectations('dev'));
    expect(violations.some((line) => /^cs2analytics-dev-parser\/parser runs as 1000:1000 and writes volume tmp at \/tmp/.test(line))).toBe(
      true,
    );
    expect(violations.some((line) => /^cs2analytics-dev-api\/api has ECS Exec on but a read-only root/.test(line))).toBe(true);
    expect(violations.some((line) => /^cs2analytics-dev-web\/web's health check runs through a shell/.test(line))).toBe(true);
  });

  test('teardown: a retained fixed-name repository, a vault deleted with recovery points, a vault retained under a fixed name', () => {
    const faulty = withFault('dev', (templates) => {
      for (const [, repository] of resourcesOf(templates.registry, 'AWS::ECR::Repository')) {
        repository.DeletionPolicy = 'Retain';
        delete repository.Properties.EmptyOnDelete;
      }
      const [[, vault]] = resourcesOf(templates.data, 'AWS::Backup::BackupVault');
      vault.DeletionPolicy = 'Delete';
      templates.data.Resources.FaultSecondVault = {
        Type: 'AWS::Backup::BackupVault',
        DeletionPolicy: 'Retain',
        Properties: { BackupVaultName: 'cs2analytics-dev' },
      };
    });
    const violations = teardownViolations(faulty, () => false);
    expect(
      violations.some((line) =>
        /registry\/WebRepository\w+ \(AWS::ECR::Repository\) is retained with the fixed name "cs2analytics-dev\/web"/.test(line),
      ),
    ).toBe(true);
    expect(violations.some((line) => /BackupVault\w+ \(AWS::Backup::BackupVault\) is deleted with its stack/.test(line))).toBe(true);
    expect(
      violations.some((line) =>
        /FaultSecondVault \(AWS::Backup::BackupVault\) is retained with the fixed name "cs2analytics-dev"/.test(line),
      ),
    ).toBe(true);
    expect(teardownViolations(modelOf('dev'), (name) => name.endsWith('-data'))).toContain(
      'Cs2Analytics-dev-data is termination-protected',
    );
  });

  test('teardown: a retained environment with one finding more than written out (prod archive bucket deleted with its stack)', () => {
    const faulty = withFault('prod', (templates) => {
      for (const [id, bucket] of resourcesOf(templates.data, 'AWS::S3::Bucket')) {
        if (id.startsWith('PartitionArchiveBucket')) bucket.DeletionPolicy = 'Delete';
      }
    });
    const violations = teardownViolations(
      faulty,
      (name) => synthesized('prod').stacks.find((stack) => stack.stackName === name)!.terminationProtection,
    );
    expect(violations.filter((line) => !EXPECTED_TEARDOWN.prod.includes(line))).toEqual([
      expect.stringMatching(
        /^Cs2Analytics-prod-data\/PartitionArchiveBucket\w+ \(AWS::S3::Bucket\) is deleted with its stack, which fails while it holds objects$/,
      ),
    ]);
  });
});

test('the rehearsal reads stack order from the cloud assembly', () => {
  const model = modelOf('dev');
  expect(model.stackDependsOn('Cs2Analytics-dev-services', 'Cs2Analytics-dev-network')).toBe(true);
  expect(model.stackDependsOn('Cs2Analytics-dev-network', 'Cs2Analytics-dev-services')).toBe(false);
  expect(stackOf('dev', 'Network').stackName).toBe('Cs2Analytics-dev-network');
});
