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
    ['a login PostgreSQL would need quoted', { appLogins: ['App-User'] }, /appLogins has 'App-User'/],
    ['the master user as a login', { appLogins: ['cs2admin'] }, /appLogins has 'cs2admin'/],
    ['a login twice', { appLogins: ['cs2app', 'cs2app'] }, /appLogins lists a login twice/],
  ])('refuses %s, naming the prop', (_case, overrides, message) => {
    expect(() => build(instanceMode(0), overrides)).toThrow(message);
  });
});
