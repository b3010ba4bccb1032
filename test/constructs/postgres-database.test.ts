/**
 * PostgresDatabase alone, in a bare stack, over the prop combinations the environments do not all
 * cover (the aws-solutions-constructs way): each engine mode with and without readers, and the props
 * it refuses up front.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { loadConfig } from '../../lib/config/load';
import type { DatabaseSettings } from '../../lib/config/schema';
import { APP_LOGINS, PostgresDatabase, type PostgresDatabaseProps } from '../../lib/constructs/postgres-database';

const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
const BASE = loadConfig({ envName: 'staging' }).database;
const INSTANCE = { multiAz: false, allocatedStorageGiB: 20, maxAllocatedStorageGiB: 100 };

function build(settings: DatabaseSettings, overrides: Partial<PostgresDatabaseProps> = {}) {
  // What these tests read is the construct's resources: no bundling, no CloudFormation validation
  // (the environments' templates are validated in test/compliance.test.ts).
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Bare', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ZONES,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  const key = new kms.Key(stack, 'Key');
  const database = new PostgresDatabase(stack, 'Database', {
    envName: 'bare',
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    rotationSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    availabilityZones: ZONES,
    settings,
    encryptionKey: key,
    logsKey: key,
    appLogins: APP_LOGINS,
    ...overrides,
  });
  return { database, template: Template.fromStack(stack), stack };
}

const instanceMode = (readers: number): DatabaseSettings => ({ ...BASE, engine: 'instance', readers, ...INSTANCE });
const auroraMode = (readers: number): DatabaseSettings => ({ ...BASE, engine: 'aurora', readers });

describe('PostgresDatabase in a bare stack', () => {
  test('instance mode with no readers: one primary, no replica, readers sent to the proxy', () => {
    const { database, template } = build(instanceMode(0));
    template.resourceCountIs('AWS::RDS::DBCluster', 0);
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.resourceCountIs('AWS::Route53::HostedZone', 0);
    expect(database.readerEndpoint).toBe(database.writerEndpoint);
    expect(database.instanceIdentifiers.readers).toEqual([]);
    const [targets] = Object.values(template.findResources('AWS::RDS::DBProxyTargetGroup'));
    expect(JSON.stringify(targets.Properties.DBInstanceIdentifiers)).toMatch(/"Ref":"DatabasePrimary\w+"/);
  });

  test('instance mode with readers: gp3 replicas in the next zones, one weighted name over them', () => {
    const { database, template } = build(instanceMode(2));
    const replicas = Object.values(template.findResources('AWS::RDS::DBInstance')).filter(
      (instance) => instance.Properties.SourceDBInstanceIdentifier,
    );
    expect(replicas.map((replica) => replica.Properties.AvailabilityZone)).toEqual(['eu-west-1b', 'eu-west-1c']);
    for (const replica of replicas) expect(replica.Properties.StorageType).toBe('gp3');
    expect(database.readerEndpoint).toBe('reader.db.bare.cs2analytics.internal');
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
  });

  test('aurora with no readers: a writer only, readers sent to the proxy, no read-only endpoint', () => {
    const { database, template } = build(auroraMode(0));
    template.resourceCountIs('AWS::RDS::DBCluster', 1);
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.resourceCountIs('AWS::RDS::DBProxyEndpoint', 0);
    expect(database.readerEndpoint).toBe(database.writerEndpoint);
  });

  test("aurora with readers: one instance per reader, and the proxy's read-only endpoint", () => {
    const { database, template } = build(auroraMode(2));
    template.resourceCountIs('AWS::RDS::DBInstance', 3);
    template.hasResourceProperties('AWS::RDS::DBProxyEndpoint', { TargetRole: 'READ_ONLY' });
    expect(database.instanceIdentifiers.readers).toHaveLength(2);
  });

  test.each<[string, Partial<PostgresDatabaseProps>, RegExp]>([
    ['no zone', { availabilityZones: [] }, /availabilityZones must list at least one zone/],
    ['a zone twice', { availabilityZones: ['eu-west-1a', 'eu-west-1a'] }, /availabilityZones lists a zone twice/],
    ['a login PostgreSQL would need quoted', { appLogins: ['App-User'] }, /'App-User' \(appLogins or migrationLogin\) is not a lower-case/],
    ['the master user as a login', { appLogins: ['cs2admin'] }, /'cs2admin' \(appLogins or migrationLogin\) is not a lower-case/],
    ['the master user as the migration login', { migrationLogin: 'cs2admin' }, /'cs2admin' \(appLogins or migrationLogin\)/],
    ['a login twice', { appLogins: ['cs2app', 'cs2app'] }, /appLogins and migrationLogin name a login twice \(cs2app, cs2app\)/],
    [
      'the migration login among the app logins',
      { appLogins: ['cs2app', 'cs2_migrator'], migrationLogin: 'cs2_migrator' },
      /name a login twice \(cs2app, cs2_migrator, cs2_migrator\)/,
    ],
  ])('refuses %s, naming the prop', (_case, overrides, message) => {
    expect(() => build(instanceMode(0), overrides)).toThrow(message);
  });
});

describe('PostgresDatabase restored (database.restore)', () => {
  const only = (template: Template, type: string) => {
    const resources = Object.entries(template.findResources(type));
    expect(resources).toHaveLength(1);
    return resources[0];
  };
  const logicalIds = (settings: DatabaseSettings) =>
    Object.entries(build(settings).template.toJSON().Resources as Record<string, { Type: string }>)
      .filter(([, resource]) => resource.Type.startsWith('AWS::RDS::') || resource.Type === 'AWS::SecretsManager::Secret')
      .map(([id, resource]) => `${resource.Type} ${id}`)
      .sort();

  test('aurora from a cluster snapshot: a new identifier, the snapshot, the master password kept; the proxy keeps its name', () => {
    const { database, template } = build({ ...auroraMode(1), restore: { generation: 2, snapshot: 'cs2-before-migration' } });
    const [clusterId, cluster] = only(template, 'AWS::RDS::DBCluster');
    expect(cluster.Properties).toMatchObject({
      DBClusterIdentifier: 'cs2analytics-bare-r2',
      SnapshotIdentifier: 'cs2-before-migration',
      MasterUsername: 'cs2admin',
      StorageEncrypted: true,
    });
    expect(cluster.Properties.MasterUserPassword).toBeDefined();
    expect(cluster.UpdateReplacePolicy).toBe('Retain');
    expect(database.identifier).toBe('cs2analytics-bare-r2');
    template.hasResourceProperties('AWS::RDS::DBProxy', { DBProxyName: 'cs2analytics-bare' });
    template.hasResourceProperties('AWS::RDS::DBProxyEndpoint', { DBProxyEndpointName: 'cs2analytics-bare-read-only' });
    template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', { DBClusterIdentifiers: [{ Ref: clusterId }] });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/rds/cluster/cs2analytics-bare-r2/postgresql' });
  });

  test('aurora to a point in time: a full copy of the source at that time, without what the resource schema excludes next to a source', () => {
    const { template } = build({
      ...auroraMode(1),
      restore: { generation: 3, pointInTime: { source: 'cs2analytics-bare-r2', time: '2026-12-07T03:15:00Z' } },
    });
    const [, cluster] = only(template, 'AWS::RDS::DBCluster');
    expect(cluster.Properties).toMatchObject({
      DBClusterIdentifier: 'cs2analytics-bare-r3',
      SourceDBClusterIdentifier: 'cs2analytics-bare-r2',
      RestoreType: 'full-copy',
      RestoreToTime: '2026-12-07T03:15:00Z',
    });
    for (const property of ['MasterUsername', 'MasterUserPassword', 'StorageEncrypted', 'SnapshotIdentifier', 'UseLatestRestorableTime'])
      expect(cluster.Properties).not.toHaveProperty(property);
    expect(cluster.Properties.KmsKeyId).toBeDefined();
  });

  test('instance to the latest restorable time: the primary and its replicas renamed, the replicas from the restored primary', () => {
    const { template } = build({
      ...instanceMode(2),
      restore: { generation: 2, pointInTime: { source: 'cs2analytics-bare', time: 'latest' } },
    });
    const instances = Object.entries(template.findResources('AWS::RDS::DBInstance'));
    const [primaryId, primary] = instances.find(([id]) => id.startsWith('DatabasePrimary'))!;
    expect(primary.Properties).toMatchObject({
      DBInstanceIdentifier: 'cs2analytics-bare-r2',
      SourceDBInstanceIdentifier: 'cs2analytics-bare',
      UseLatestRestorableTime: true,
    });
    for (const property of [
      'MasterUsername',
      'MasterUserPassword',
      'StorageEncrypted',
      'KmsKeyId',
      'DBName',
      'RestoreTime',
      'DBSnapshotIdentifier',
    ])
      expect(primary.Properties).not.toHaveProperty(property);
    const replicas = instances.filter(([id]) => id.startsWith('DatabaseReplica'));
    expect(replicas.map(([, replica]) => replica.Properties.DBInstanceIdentifier).sort()).toEqual([
      'cs2analytics-bare-r2-replica-1',
      'cs2analytics-bare-r2-replica-2',
    ]);
    for (const [, replica] of replicas)
      expect(JSON.stringify(replica.Properties.SourceDBInstanceIdentifier)).toContain(`"Ref":"${primaryId}"`);
    template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', { DBInstanceIdentifiers: [{ Ref: primaryId }] });
  });

  test('instance from a snapshot: the snapshot, master credentials and encryption as when created', () => {
    const { template } = build({ ...instanceMode(0), restore: { generation: 2, snapshot: 'awsbackup:job-0f1e2d3c' } });
    const [, primary] = only(template, 'AWS::RDS::DBInstance');
    expect(primary.Properties).toMatchObject({
      DBInstanceIdentifier: 'cs2analytics-bare-r2',
      DBSnapshotIdentifier: 'awsbackup:job-0f1e2d3c',
      MasterUsername: 'cs2admin',
      StorageEncrypted: true,
    });
    expect(primary.Properties).not.toHaveProperty('SourceDBInstanceIdentifier');
    // RDS takes a database name on a restore for Oracle and SQL Server only: the snapshot's stays.
    expect(primary.Properties).not.toHaveProperty('DBName');
  });

  test.each([
    ['aurora', auroraMode(2)],
    ['instance', instanceMode(2)],
  ])('%s: a restore keeps every logical id of the database, its instances, proxy and secrets', (_mode, settings) => {
    expect(logicalIds({ ...settings, restore: { generation: 2, snapshot: 'snap' } })).toEqual(logicalIds(settings));
  });

  test('without retainData the database replaced by a restore goes (dev keeps no data)', () => {
    const { template } = build({ ...auroraMode(0), restore: { generation: 2, snapshot: 'snap' } }, { retainData: false });
    expect(only(template, 'AWS::RDS::DBCluster')[1].UpdateReplacePolicy).toBe('Delete');
  });
});
