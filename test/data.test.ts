import { Match, type Template } from 'aws-cdk-lib/assertions';
import { DATABASE_PORT, PROXY_PORT } from '../lib/constructs/postgres-database';
import { stackOf, synthesized, templateOf } from './support/synthesized';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;

const VARIANTS = ['dev', 'staging', 'prod', 'prod-instance'] as const;

/** Where an environment keeps its data (retainData): deletion kept, a final snapshot where one exists, deletion protection on. */
const KEPT = { key: 'Retain', database: 'Snapshot', secret: 'Retain', redis: 'Snapshot', fileSystem: 'Retain', deletionProtection: true };
const DISPOSABLE = {
  key: 'Delete',
  database: 'Delete',
  secret: 'Delete',
  redis: 'Delete',
  fileSystem: 'Delete',
  deletionProtection: false,
};

/**
 * What each variant's data tier must be, written out rather than worked out from its config with the
 * stacks' own conditions: a test that computed `retainData ? 'Retain' : 'Delete'` or
 * `2 * (1 + readers)` would agree with the stacks whatever they did with those settings.
 */
const EXPECTED = {
  dev: {
    engine: 'instance',
    primary: { MultiAZ: false, AllocatedStorage: '20', MaxAllocatedStorage: 100 },
    kept: DISPOSABLE,
    instances: 1,
    instanceParameterGroups: 1,
    logExports: { prefix: '/aws/rds/instance/', groups: 2 },
    readers: 'none',
    backupDeleteAfterDays: [7],
    backupSelects: 'DatabasePrimary',
  },
  staging: {
    engine: 'aurora',
    kept: KEPT,
    instances: 2,
    instanceParameterGroups: 0,
    logExports: { prefix: '/aws/rds/cluster/', groups: 1 },
    readers: 'proxy endpoint',
    backupDeleteAfterDays: [14, 90],
    backupSelects: 'DatabaseCluster',
  },
  prod: {
    engine: 'aurora',
    kept: KEPT,
    instances: 3,
    instanceParameterGroups: 0,
    logExports: { prefix: '/aws/rds/cluster/', groups: 1 },
    readers: 'proxy endpoint',
    backupDeleteAfterDays: [35, 365],
    backupSelects: 'DatabaseCluster',
  },
  // The primary and two replicas, each with its postgresql and upgrade log groups.
  'prod-instance': {
    engine: 'instance',
    primary: { MultiAZ: true, AllocatedStorage: '100', MaxAllocatedStorage: 1000 },
    kept: KEPT,
    instances: 3,
    instanceParameterGroups: 2,
    logExports: { prefix: '/aws/rds/instance/', groups: 6 },
    readers: 'weighted DNS',
    backupDeleteAfterDays: [35, 365],
    backupSelects: 'DatabasePrimary',
  },
} as const;

function resources(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

function only<T>(values: Record<string, T>): [string, T] {
  const entries = Object.entries(values);
  expect(entries).toHaveLength(1);
  return entries[0];
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at. */
function target(value: any): string | undefined {
  return value?.Ref ?? value?.['Fn::GetAtt']?.[0];
}

function isDynamicSecretReference(value: unknown): boolean {
  return /\{\{resolve:secretsmanager:/.test(JSON.stringify(value));
}

describe.each(VARIANTS)('data tier in %s', (variant) => {
  const { config } = synthesized(variant);
  const { database, cache } = config;
  const expected = EXPECTED[variant];
  const template = templateOf(variant, 'Data');
  const [keyId] = only(resources(template, 'AWS::KMS::Key'));
  const dataKey = { 'Fn::GetAtt': [keyId, 'Arn'] };
  const securityGroupId = (description: RegExp) => {
    const [id] = only(
      Object.fromEntries(
        Object.entries(resources(template, 'AWS::EC2::SecurityGroup')).filter(([, group]) =>
          description.test(group.Properties.GroupDescription),
        ),
      ),
    );
    return id;
  };
  const databaseGroup = securityGroupId(/^PostgreSQL \w+: proxy/);
  const proxyGroup = securityGroupId(/^RDS Proxy \w+: the service tier only/);
  // Aurora with readers only: the read-only endpoint's own group.
  const proxyReadOnlyGroup = () => securityGroupId(/^RDS Proxy \w+ read-only endpoint: the application only/);
  const redisGroup = securityGroupId(/^Redis job queue /);
  const efsGroup = securityGroupId(/^Demo files /);
  const retiredServiceTier = securityGroupId(/API and parser tasks/);
  const apiClient = securityGroupId(/: API tasks \(the proxy, the demo files\)/);
  const parserClient = securityGroupId(/: parser tasks \(Redis, the demo files\)/);
  const migrationClient = securityGroupId(/: the migration task \(the proxy\)/);
  const maintenance = securityGroupId(/partition-maintenance job/);
  const databaseCredentials = securityGroupId(/rotation of the app database credentials/);
  const redisCredentials = securityGroupId(/Redis token rotation and connection refresh/);
  const ingress = Object.values(resources(template, 'AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
  const ingressTo = (group: string) => ingress.filter((rule) => target(rule.GroupId) === group);

  test('is a stateful stack named after the environment, termination-protected where configured', () => {
    const stack = stackOf(variant, 'Data');
    expect(stack.stackName).toBe(`Cs2Analytics-${config.envName}-data`);
    expect(stack.terminationProtection).toBe(config.terminationProtection);
  });

  test('encrypts with one rotating customer-managed key, kept where data is kept', () => {
    const [, key] = only(resources(template, 'AWS::KMS::Key'));
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe(expected.kept.key);
  });

  test('places the database, proxy, cache and file system in the isolated subnets', () => {
    const isolated = /IsolatedSubnet/;
    const subnetImports = (ids: unknown) => JSON.stringify(ids).match(/Vpc\w*Subnet\w*/g) ?? [];
    const [, dbSubnets] = only(resources(template, 'AWS::RDS::DBSubnetGroup'));
    expect(subnetImports(dbSubnets.Properties.SubnetIds)).toHaveLength(config.network.availabilityZones.length);
    expect(subnetImports(dbSubnets.Properties.SubnetIds).every((name) => isolated.test(name))).toBe(true);
    const [, proxy] = only(resources(template, 'AWS::RDS::DBProxy'));
    expect(subnetImports(proxy.Properties.VpcSubnetIds).every((name) => isolated.test(name))).toBe(true);
    const [, cacheSubnets] = only(resources(template, 'AWS::ElastiCache::SubnetGroup'));
    expect(subnetImports(cacheSubnets.Properties.SubnetIds).every((name) => isolated.test(name))).toBe(true);
    const mountTargets = Object.values(resources(template, 'AWS::EFS::MountTarget'));
    expect(mountTargets).toHaveLength(config.network.availabilityZones.length);
    for (const mount of mountTargets) expect(subnetImports(mount.Properties.SubnetId)[0]).toMatch(isolated);
  });

  describe('PostgreSQL', () => {
    const instances = resources(template, 'AWS::RDS::DBInstance');

    test(`runs PostgreSQL ${database.postgresVersion} in the configured engine mode`, () => {
      expect(Object.keys(instances)).toHaveLength(expected.instances);
      if (expected.engine === 'aurora') {
        const [, cluster] = only(resources(template, 'AWS::RDS::DBCluster'));
        expect(cluster.Properties).toMatchObject({ Engine: 'aurora-postgresql', EngineVersion: database.postgresVersion });
      } else {
        template.resourceCountIs('AWS::RDS::DBCluster', 0);
        const primaries = Object.values(instances).filter((instance) => !instance.Properties.SourceDBInstanceIdentifier);
        expect(primaries).toHaveLength(1);
        expect(primaries[0].Properties).toMatchObject({
          Engine: 'postgres',
          EngineVersion: database.postgresVersion,
          // Storage autoscaling: RDS grows the volume up to MaxAllocatedStorage.
          ...expected.primary,
          StorageType: 'gp3',
          StorageEncrypted: true,
          KmsKeyId: dataKey,
          EnableIAMDatabaseAuthentication: true,
          BackupRetentionPeriod: database.backupRetentionDays,
          DeletionProtection: expected.kept.deletionProtection,
        });
        const replicas = Object.values(instances).filter((instance) => instance.Properties.SourceDBInstanceIdentifier);
        expect(replicas).toHaveLength(expected.instances - 1);
        // The primary's gp3, not CDK's gp2 default for replicas: a promoted replica performs as the primary did.
        for (const replica of replicas) expect(replica.Properties.StorageType).toBe('gp3');
      }
    });

    test('encrypts storage with the data key, enforces TLS and enables IAM authentication', () => {
      if (expected.engine === 'aurora') {
        const [, cluster] = only(resources(template, 'AWS::RDS::DBCluster'));
        expect(cluster.Properties).toMatchObject({
          StorageEncrypted: true,
          KmsKeyId: dataKey,
          EnableIAMDatabaseAuthentication: true,
        });
        template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
          Parameters: Match.objectLike({ 'rds.force_ssl': '1' }),
        });
      } else {
        // No cluster group: every instance's own group forces TLS, replicas included.
        const groups = Object.values(resources(template, 'AWS::RDS::DBParameterGroup'));
        expect(groups.length).toBe(expected.instanceParameterGroups);
        for (const group of groups) expect(group.Properties.Parameters['rds.force_ssl']).toBe('1');
      }
    });

    test('keeps its data where configured: deletion protection, snapshot on delete, backups', () => {
      const protectedResource =
        expected.engine === 'aurora'
          ? only(resources(template, 'AWS::RDS::DBCluster'))[1]
          : Object.values(instances).find((instance) => !instance.Properties.SourceDBInstanceIdentifier)!;
      expect(protectedResource.Properties.DeletionProtection).toBe(expected.kept.deletionProtection);
      expect(protectedResource.DeletionPolicy).toBe(expected.kept.database);
      expect(protectedResource.Properties.BackupRetentionPeriod).toBe(database.backupRetentionDays);
    });

    test('every instance: Performance Insights (encrypted), Enhanced Monitoring, private, its version pinned by config', () => {
      for (const instance of Object.values(instances)) {
        expect(instance.Properties).toMatchObject({
          EnablePerformanceInsights: true,
          PerformanceInsightsKMSKeyId: dataKey,
          PerformanceInsightsRetentionPeriod: database.performanceInsightsRetentionDays,
          MonitoringInterval: database.monitoringIntervalSeconds,
          // An upgrade AWS made by itself would make the next deploy ask to go back to the pinned minor.
          AutoMinorVersionUpgrade: false,
          PubliclyAccessible: false,
        });
        expect(instance.Properties.DBInstanceClass).toBe(`db.${database.instanceType}`);
      }
    });

    test('spreads the readers over the zones, away from the writer', () => {
      if (expected.readers === 'none' || (expected.engine === 'instance' && expected.primary.MultiAZ)) return;
      const zones = Object.values(instances).map((instance) => instance.Properties.AvailabilityZone);
      const distinct = new Set(zones);
      expect(distinct.size).toBe(Math.min(zones.length, config.network.availabilityZones.length));
    });

    test('exports PostgreSQL logs to a log group encrypted with the data key, with the configured retention', () => {
      const exports =
        expected.engine === 'aurora'
          ? only(resources(template, 'AWS::RDS::DBCluster'))[1].Properties.EnableCloudwatchLogsExports
          : Object.values(instances)[0].Properties.EnableCloudwatchLogsExports;
      expect(exports).toContain('postgresql');
      const exportGroups = Object.values(resources(template, 'AWS::Logs::LogGroup')).filter((group) =>
        String(group.Properties.LogGroupName).startsWith(expected.logExports.prefix),
      );
      expect(exportGroups).toHaveLength(expected.logExports.groups);
      for (const group of exportGroups) {
        expect(group.Properties.KmsKeyId).toEqual(dataKey);
        expect(group.Properties.RetentionInDays).toBe(database.logRetentionDays);
      }
    });

    test('carries the original tuning: writer and reader profiles', () => {
      const groups = Object.values(resources(template, 'AWS::RDS::DBParameterGroup')).map(
        (group) => group.Properties.Parameters as Record<string, string>,
      );
      const writer = groups.find((parameters) => parameters.work_mem === '16384');
      expect(writer).toMatchObject({ max_connections: String(database.maxConnections), max_parallel_workers_per_gather: '2' });
      const allSettings = Object.assign(
        {},
        ...Object.values(resources(template, 'AWS::RDS::DBClusterParameterGroup')).map((g) => g.Properties.Parameters),
        writer,
      );
      expect(allSettings).toMatchObject({
        shared_preload_libraries: 'pg_stat_statements',
        log_min_duration_statement: '1000',
      });
      if (expected.readers === 'none') return;
      const reader = groups.find((parameters) => parameters.work_mem === '65536');
      expect(reader).toMatchObject({
        max_parallel_workers_per_gather: '4',
        effective_cache_size: '{DBInstanceClassMemory*3/32768}',
        max_connections: String(database.maxConnections),
      });
      if (expected.engine === 'instance') expect(reader).toMatchObject({ hot_standby_feedback: '1', 'rds.force_ssl': '1' });
      else expect(reader).not.toHaveProperty('hot_standby_feedback');
    });
  });

  describe('credentials', () => {
    test('are generated in Secrets Manager, encrypted with the data key, retained with the data', () => {
      const secrets = Object.entries(resources(template, 'AWS::SecretsManager::Secret'));
      const [, secret] = secrets.find(([id]) => /Database\w*Secret/.test(id))!;
      expect(secret.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'password' });
      expect(secret.Properties.KmsKeyId).toEqual(dataKey);
      expect(secret.DeletionPolicy).toBe(expected.kept.secret);
    });

    test("the master user rotates on a schedule by a hosted function; the app's credentials and the Redis token by functions only Secrets Manager of this account may invoke, for their secret", () => {
      const schedules = Object.values(resources(template, 'AWS::SecretsManager::RotationSchedule')).map((schedule) => schedule.Properties);
      // The others start in the services stack (test/services.test.ts), after the roles and the services exist.
      expect(schedules).toHaveLength(1);
      expect(schedules[0].HostedRotationLambda).toMatchObject({ RotationType: 'PostgreSQLSingleUser' });
      expect(JSON.stringify(schedules[0].SecretId)).toMatch(/Database\w*Secret/);
      expect(schedules[0].RotationRules.ScheduleExpression).toBe(`rate(${database.credentialRotationDays} days)`);
      const functions = resources(template, 'AWS::Lambda::Function');
      const permissions = Object.values(resources(template, 'AWS::Lambda::Permission')).filter(
        (permission) => permission.Properties.Principal === 'secretsmanager.amazonaws.com',
      );
      const rotated = permissions.map((permission) => [
        functions[target(permission.Properties.FunctionName)!].Properties.Handler,
        JSON.stringify(permission.Properties.SourceArn),
      ]);
      expect(rotated.map(([handler]) => handler).sort()).toEqual(['index.postgresApp', 'index.redisToken']);
      expect(rotated.find(([handler]) => handler === 'index.postgresApp')![1]).toMatch(/AppCredentialsSecret/);
      expect(rotated.find(([handler]) => handler === 'index.redisToken')![1]).toMatch(/JobQueueAuthToken/);
      for (const permission of permissions) expect(permission.Properties.SourceAccount).toBeDefined();
    });

    test('each rotation function checks, before it starts, that the services that use its credential run on the current values', () => {
      const functions = Object.values(resources(template, 'AWS::Lambda::Function'));
      const all = template.toJSON().Resources;
      for (const [handler, service] of [
        ['index.postgresApp', 'api'],
        ['index.redisToken', 'parser'],
      ]) {
        const fn = functions.find((candidate) => candidate.Properties.Handler === handler)!;
        const kind = service === 'api' ? 'database' : 'redis';
        expect(fn.Properties.Environment.Variables).toMatchObject({
          CONNECTION_VALUES_SECRET_NAME: `cs2analytics/${config.envName}/services/connections/${kind}`,
          CLUSTER: `cs2analytics-${config.envName}`,
          SERVICES: JSON.stringify([`cs2analytics-${config.envName}-${service}`]),
        });
        const role = all[fn.Properties.Role['Fn::GetAtt'][0]];
        const statements = (role.Properties.ManagedPolicyArns as { Ref: string }[]).flatMap(
          (arn) => all[arn.Ref].Properties.PolicyDocument.Statement as any[],
        );
        const resourceOf = (action: string) =>
          JSON.stringify(
            statements.filter((statement) => [statement.Action].flat().includes(action)).map((statement) => statement.Resource),
          );
        expect(resourceOf('ecs:DescribeServices')).toContain(
          `service/cs2analytics-${config.envName}/cs2analytics-${config.envName}-${service}`,
        );
        expect(resourceOf('secretsmanager:ListSecretVersionIds')).toContain(
          `secret:cs2analytics/${config.envName}/services/connections/${kind}-??????`,
        );
      }
    });

    test('each app login and the migration login has its own secret, which the proxy knows it by; the app secret names the login in use', () => {
      const secrets = resources(template, 'AWS::SecretsManager::Secret');
      const logins = Object.entries(secrets).filter(([id]) => /^DatabaseLoginSecret/.test(id));
      expect(logins.map(([, secret]) => JSON.parse(secret.Properties.GenerateSecretString.SecretStringTemplate).username).sort()).toEqual([
        'cs2_migrator',
        'cs2app',
        'cs2app_clone',
      ]);
      const [, app] = Object.entries(secrets).find(([id]) => /^AppCredentialsSecret/.test(id))!;
      const value = JSON.stringify(app.Properties.SecretString);
      expect(value).toContain('\\"username\\":\\"cs2app\\"');
      expect(value).toMatch(/masterarn/);
      expect(value).not.toMatch(/password/);
    });

    test('never appear in the template: passwords and tokens are dynamic references', () => {
      const text = JSON.stringify(template.toJSON());
      expect(text).not.toMatch(/"(MasterUserPassword|AuthToken)":"[^{]/);
      for (const [property, type] of [
        ['MasterUserPassword', expected.engine === 'aurora' ? 'AWS::RDS::DBCluster' : 'AWS::RDS::DBInstance'],
        ['AuthToken', 'AWS::ElastiCache::ReplicationGroup'],
      ] as const) {
        const values = Object.values(resources(template, type))
          .map((resource) => resource.Properties[property])
          .filter((value) => value !== undefined);
        expect(values.length).toBeGreaterThan(0);
        for (const value of values) expect(isDynamicSecretReference(value)).toBe(true);
      }
      for (const output of Object.values(template.toJSON().Outputs ?? {}) as { Value: unknown }[]) {
        expect(isDynamicSecretReference(output.Value)).toBe(false);
      }
    });
  });

  describe('RDS Proxy', () => {
    const [, proxy] = only(resources(template, 'AWS::RDS::DBProxy'));
    const [, targetGroup] = only(resources(template, 'AWS::RDS::DBProxyTargetGroup'));

    test("requires TLS and accepts the app's two logins and the migration login, each through its own secret, and never the master user", () => {
      expect(proxy.Properties.RequireTLS).toBe(true);
      expect(proxy.Properties.EngineFamily).toBe('POSTGRESQL');
      for (const auth of proxy.Properties.Auth) expect(auth).toMatchObject({ AuthScheme: 'SECRETS', IAMAuth: 'DISABLED' });
      const secrets: string[] = proxy.Properties.Auth.map((auth: { SecretArn: unknown }) => target(auth.SecretArn));
      expect(secrets.map((secret) => secret.replace(/[0-9A-F]{8}$/, ''))).toEqual([
        'DatabaseLoginSecretCs2app',
        'DatabaseLoginSecretCs2appClone',
        'DatabaseLoginSecretCs2Migrator',
      ]);
      const roleId = proxy.Properties.RoleArn['Fn::GetAtt'][0];
      const all = template.toJSON().Resources;
      const proxyReads = (all[roleId].Properties.ManagedPolicyArns as { Ref: string }[])
        .flatMap((arn) => all[arn.Ref].Properties.PolicyDocument.Statement as any[])
        .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
        .flatMap((statement) => [statement.Resource].flat().map(target));
      expect(proxyReads.some((secret) => /^Database(Cluster|Primary)Secret/.test(secret!))).toBe(false);
      expect(proxyReads).toHaveLength(3);
    });

    test('pools connections with the settings derived from PgBouncer', () => {
      expect(targetGroup.Properties.ConnectionPoolConfigurationInfo).toEqual({
        MaxConnectionsPercent: database.proxy.maxConnectionsPercent,
        MaxIdleConnectionsPercent: database.proxy.maxIdleConnectionsPercent,
        ConnectionBorrowTimeout: database.proxy.borrowTimeoutSeconds,
      });
      expect(proxy.Properties.IdleClientTimeout).toBe(database.proxy.idleClientTimeoutSeconds);
    });

    test('fronts the writer only: the cluster (aurora) or the primary, never a replica', () => {
      if (expected.engine === 'aurora') {
        expect(targetGroup.Properties.DBClusterIdentifiers).toHaveLength(1);
        expect(targetGroup.Properties.DBInstanceIdentifiers).toBeUndefined();
      } else {
        const [primaryId] = Object.entries(resources(template, 'AWS::RDS::DBInstance')).find(
          ([, instance]) => !instance.Properties.SourceDBInstanceIdentifier,
        )!;
        expect(targetGroup.Properties.DBInstanceIdentifiers).toEqual([{ Ref: primaryId }]);
      }
    });

    test('gives readers one read-only name: a proxy endpoint (aurora) or weighted DNS over the replicas (instance)', () => {
      const endpoints = Object.values(resources(template, 'AWS::RDS::DBProxyEndpoint'));
      const records = Object.values(resources(template, 'AWS::Route53::RecordSet'));
      if (expected.readers === 'none') {
        expect(endpoints).toHaveLength(0);
        expect(records).toHaveLength(0);
      } else if (expected.readers === 'proxy endpoint') {
        expect(endpoints).toHaveLength(1);
        expect(endpoints[0].Properties.TargetRole).toBe('READ_ONLY');
        expect(records).toHaveLength(0);
      } else {
        // RDS Proxy has no read-only endpoint for RDS instances, so none is created.
        expect(endpoints).toHaveLength(0);
        const [, zone] = only(resources(template, 'AWS::Route53::HostedZone'));
        expect(zone.Properties.Name).toBe(`db.${config.envName}.cs2analytics.internal.`);
        expect(zone.Properties.VPCs).toHaveLength(1);
        expect(records).toHaveLength(expected.instances - 1);
        for (const record of records) {
          expect(record.Properties).toMatchObject({
            Name: `reader.db.${config.envName}.cs2analytics.internal.`,
            Type: 'CNAME',
            Weight: 1,
            TTL: '10',
          });
        }
        expect(new Set(records.map((record) => record.Properties.SetIdentifier)).size).toBe(expected.instances - 1);
      }
    });
  });

  describe('Redis job queue', () => {
    const [, group] = only(resources(template, 'AWS::ElastiCache::ReplicationGroup'));

    test('runs the configured engine, encrypted at rest with the data key and in transit', () => {
      expect(group.Properties).toMatchObject({
        Engine: cache.engine,
        EngineVersion: cache.engineVersion,
        CacheNodeType: cache.nodeType,
        NumCacheClusters: cache.nodes,
        AtRestEncryptionEnabled: true,
        KmsKeyId: dataKey,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'required',
        AutoMinorVersionUpgrade: true,
      });
    });

    test('fails over across zones exactly when configured', () => {
      expect(group.Properties.AutomaticFailoverEnabled).toBe(cache.automaticFailover);
      expect(group.Properties.MultiAZEnabled).toBe(cache.automaticFailover);
    });

    test('keeps snapshots (the original redis-data volume) and a final one where data is kept', () => {
      expect(group.Properties.SnapshotRetentionLimit).toBe(cache.snapshotRetentionDays);
      expect(group.DeletionPolicy).toBe(expected.kept.redis);
    });

    test('takes its AUTH token from a generated secret encrypted with the data key', () => {
      const [, token] = Object.entries(resources(template, 'AWS::SecretsManager::Secret')).find(([id]) =>
        id.startsWith('JobQueueAuthToken'),
      )!;
      expect(token.Properties.KmsKeyId).toEqual(dataKey);
      expect(token.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'token', PasswordLength: 64 });
      expect(JSON.stringify(group.Properties.AuthToken)).toContain('JobQueueAuthToken');
    });
  });

  describe('demo files (EFS)', () => {
    const [, fileSystem] = only(resources(template, 'AWS::EFS::FileSystem'));

    test('is encrypted with the data key, backed up, and moves cold files to Infrequent Access', () => {
      expect(fileSystem.Properties).toMatchObject({
        Encrypted: true,
        KmsKeyId: dataKey,
        BackupPolicy: { Status: 'ENABLED' },
        LifecyclePolicies: expect.arrayContaining([{ TransitionToIA: `AFTER_${config.fileSystem.transitionToInfrequentAccessDays}_DAYS` }]),
      });
      expect(fileSystem.DeletionPolicy).toBe(expected.kept.fileSystem);
    });

    test('refuses requests without TLS and mounts outside the access point', () => {
      const statements = fileSystem.Properties.FileSystemPolicy.Statement as any[];
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          expect.objectContaining({
            Effect: 'Deny',
            Condition: expect.objectContaining({ Null: { 'elasticfilesystem:AccessPointArn': 'true' } }),
          }),
        ]),
      );
    });

    test('has an access point with the fixed POSIX user the containers run as', () => {
      const [, accessPoint] = only(resources(template, 'AWS::EFS::AccessPoint'));
      const { uid, gid } = config.fileSystem;
      expect(accessPoint.Properties.PosixUser).toEqual({ Uid: String(uid), Gid: String(gid) });
      expect(accessPoint.Properties.RootDirectory).toEqual({
        Path: '/demos',
        CreationInfo: { OwnerUid: String(uid), OwnerGid: String(gid), Permissions: '750' },
      });
    });
  });

  describe('network paths', () => {
    test('nothing in the data tier accepts traffic from an address range', () => {
      expect(ingress.filter((rule) => rule.CidrIp || rule.CidrIpv6)).toEqual([]);
      for (const group of Object.values(resources(template, 'AWS::EC2::SecurityGroup'))) {
        expect(group.Properties.SecurityGroupIngress ?? []).toEqual([]);
      }
    });

    test('the database accepts only the proxy (and its read-only endpoint), credential rotation and the maintenance job, on its port', () => {
      const rules = ingressTo(databaseGroup);
      const sources = rules.map((rule) => target(rule.SourceSecurityGroupId));
      expect(sources).toContain(proxyGroup);
      expect(sources).toContain(maintenance);
      expect(sources).toContain(databaseCredentials);
      for (const client of [retiredServiceTier, apiClient, parserClient, migrationClient]) expect(sources).not.toContain(client);
      const readOnlyEndpoint = expected.readers === 'proxy endpoint' ? proxyReadOnlyGroup() : undefined;
      if (readOnlyEndpoint) expect(sources).toContain(readOnlyEndpoint);
      expect(rules).toHaveLength(readOnlyEndpoint ? 5 : 4);
      const rotation = sources.find((source) => ![proxyGroup, readOnlyEndpoint, maintenance, databaseCredentials].includes(source!));
      expect(rotation).toMatch(/CredentialRotation/);
      for (const rule of rules.filter((r) => target(r.SourceSecurityGroupId) !== proxyGroup)) {
        expect(rule).toMatchObject({ FromPort: DATABASE_PORT, ToPort: DATABASE_PORT, IpProtocol: 'tcp' });
      }
    });

    test('the proxy accepts the API and the migrations, Redis the parser, the demo files API and parser (and each its rotation), on its own port', () => {
      for (const [group, port, clients] of [
        [proxyGroup, PROXY_PORT, [apiClient, migrationClient, databaseCredentials]],
        [redisGroup, 6379, [parserClient, redisCredentials]],
        [efsGroup, 2049, [apiClient, parserClient]],
      ] as const) {
        const rules = ingressTo(group);
        // The retired shared group keeps its rules for the release that moves the tasks off it (attached to nothing).
        expect(rules.map((rule) => target(rule.SourceSecurityGroupId)).sort()).toEqual([...clients, retiredServiceTier].sort());
        for (const rule of rules) expect(rule).toMatchObject({ FromPort: port, ToPort: port, IpProtocol: 'tcp' });
      }
    });

    test("the proxy's read-only endpoint (aurora) accepts the API alone: migrations and rotation need the read/write endpoint only", () => {
      if (expected.readers !== 'proxy endpoint') return;
      const rules = ingressTo(proxyReadOnlyGroup());
      expect(rules.map((rule) => target(rule.SourceSecurityGroupId)).sort()).toEqual([apiClient, retiredServiceTier].sort());
      for (const rule of rules) expect(rule).toMatchObject({ FromPort: PROXY_PORT, ToPort: PROXY_PORT, IpProtocol: 'tcp' });
    });

    test('the file system allows no one by its policy (clients need their own grant), and refuses root to all', () => {
      const [, fileSystem] = only(resources(template, 'AWS::EFS::FileSystem'));
      const statements = fileSystem.Properties.FileSystemPolicy.Statement as any[];
      expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([]);
      expect(statements.map((statement) => statement.Sid)).toEqual(['DenyWithoutTls', 'DenyOutsideTheAccessPoint', 'DenyRootAccess']);
      expect(statements.find((statement) => statement.Sid === 'DenyRootAccess')).toEqual({
        Sid: 'DenyRootAccess',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'elasticfilesystem:ClientRootAccess',
      });
    });

    test('the proxy may only reach the database', () => {
      const egress = Object.values(resources(template, 'AWS::EC2::SecurityGroupEgress'))
        .map((rule) => rule.Properties)
        .filter((rule) => target(rule.GroupId) === proxyGroup);
      expect(egress).toHaveLength(1);
      expect(target(egress[0].DestinationSecurityGroupId)).toBe(databaseGroup);
    });
  });

  test('an AWS Backup plan with its own encrypted vault selects the database and the file system', () => {
    const [, vault] = only(resources(template, 'AWS::Backup::BackupVault'));
    expect(vault.Properties.EncryptionKeyArn).toEqual(dataKey);
    const [, plan] = only(resources(template, 'AWS::Backup::BackupPlan'));
    const rules = plan.Properties.BackupPlan.BackupPlanRule as any[];
    expect(rules.map((rule) => rule.Lifecycle.DeleteAfterDays)).toEqual(expected.backupDeleteAfterDays);
    const [, selection] = only(resources(template, 'AWS::Backup::BackupSelection'));
    const selected = JSON.stringify(selection.Properties.BackupSelection.Resources);
    expect(selected).toContain(expected.backupSelects);
    expect(selected).toContain('DemoFilesFileSystem');
    expect(selected).not.toMatch(/Replica|Reader/);
  });

  test('outputs the endpoints, ids and secret ARNs, and nothing secret', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    // PublishOutput* are CDK's cross-stack references (read by the maintenance stack), not ours.
    expect(
      Object.keys(outputs)
        .filter((name) => !name.startsWith('PublishOutput'))
        .sort(),
    ).toEqual(
      [
        'DatabaseProxyEndpoint',
        'DatabaseReaderEndpoint',
        'DatabaseSecretArn',
        'DemoFilesAccessPointId',
        'DemoFilesFileSystemId',
        'PartitionArchiveBucketName',
        'RedisAuthTokenSecretArn',
        'RedisEndpoint',
        'MigrationClientSecurityGroupId',
      ].sort(),
    );
    // The release before's services stack read the shared group from this output: a rollback of its upgrade reads it again.
    expect(outputs.PublishOutputFnGetAttServiceTierSecurityGroupC223F0D0GroupIdB59A4A6B.Value).toEqual({
      'Fn::GetAtt': [retiredServiceTier, 'GroupId'],
    });
    const reader = JSON.stringify(outputs.DatabaseReaderEndpoint.Value);
    if (expected.readers === 'none') expect(reader).toBe(JSON.stringify(outputs.DatabaseProxyEndpoint.Value));
    else if (expected.readers === 'proxy endpoint') expect(reader).toContain('ProxyReadOnlyEndpoint');
    else expect(reader).toBe(JSON.stringify(`reader.db.${config.envName}.cs2analytics.internal`));
  });
});

describe('stateful resources keep their logical ids (a rename would replace them and lose data)', () => {
  test.each<[string, string, string[]]>([
    // dev moved from Aurora to RDS for PostgreSQL on purpose (cost, README "Cost"): a deliberate
    // replacement of dev's database, which keeps no data (retainData false). These ids hold from now on.
    [
      'dev',
      'instance',
      ['DataKey2A0DE9E6', 'DatabasePrimaryEDE0B3D0', 'devDataDatabasePrimarySecretB911B4463fdaad7efa858a3daf9490cf0a702aeb'],
    ],
    [
      'staging',
      'aurora',
      ['DataKey2A0DE9E6', 'DatabaseCluster5B53A178', 'stagingDataDatabaseClusterSecretF4CE41DC3fdaad7efa858a3daf9490cf0a702aeb'],
    ],
    [
      'prod',
      'aurora',
      ['DataKey2A0DE9E6', 'DatabaseCluster5B53A178', 'prodDataDatabaseClusterSecret3A54365E3fdaad7efa858a3daf9490cf0a702aeb'],
    ],
    [
      'prod-instance',
      'instance',
      ['DataKey2A0DE9E6', 'DatabasePrimaryEDE0B3D0', 'prodDataDatabasePrimarySecret6BA335243fdaad7efa858a3daf9490cf0a702aeb'],
    ],
  ])('%s (%s)', (variant, _engine, databaseIds) => {
    const ids = Object.keys(templateOf(variant, 'Data').toJSON().Resources);
    for (const id of [
      ...databaseIds,
      'JobQueueReplicationGroup1053FEE6',
      'JobQueueAuthToken5F960046',
      'DemoFilesFileSystem0CEEE1B5',
      'BackupVaultADF21B19',
    ]) {
      expect(ids).toContain(id);
    }
  });
});

test('stacks depend one way: data on network, never the reverse', () => {
  const manifest = require(`${synthesized('prod').outdir}/manifest.json`);
  const artifact = (suffix: string) =>
    Object.entries(manifest.artifacts as Record<string, any>).find(([id]) => id.startsWith(`prod${suffix}`) && !id.endsWith('.assets'))!;
  const [networkId, network] = artifact('Network');
  const [, data] = artifact('Data');
  expect(data.dependencies).toContain(networkId);
  expect((network.dependencies ?? []).some((dependency: string) => dependency.includes('Data'))).toBe(false);
});
