/**
 * The impact report's verdicts on the changes that matter over an environment's life, on small
 * templates written out here: each verdict with the AWS behaviour it stands for.
 */
import { analyzeImpact, type Effect } from '../scripts/lib/impact';

const stack = (resources: Record<string, unknown>) => new Map([['Cs2Analytics-dev-data', { Resources: resources }]]);
const summary = (effects: readonly Effect[]) => effects.map((effect) => [effect.logicalId, effect.change, effect.verdict, effect.cause]);

const group = (engine: string, version: string) => ({
  Type: 'AWS::ElastiCache::ReplicationGroup',
  Properties: { ReplicationGroupId: 'cs2analytics-dev-jobs', Engine: engine, EngineVersion: version, CacheNodeType: 'cache.t4g.micro' },
});

test('a resource under a new logical id that keeps its fixed name: created first, refused ("already exists")', () => {
  const secret = (suffix: string) => ({
    [`DatabaseSecret${suffix}`]: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'cs2analytics/dev/database/master' } },
  });
  const impact = analyzeImpact(stack(secret('Cluster')), stack(secret('Primary')));
  expect(impact.verdict).toBe('refused');
  expect(impact.effects.find((effect) => effect.change === 'added')).toMatchObject({
    verdict: 'refused',
    detail: expect.stringMatching(
      /^added under the fixed name cs2analytics\/dev\/database\/master, which Cs2Analytics-dev-data\/DatabaseSecretCluster holds/,
    ),
  });
});

test('ElastiCache: Redis OSS to Valkey is an upgrade in place (connections reset); Valkey back to Redis OSS is refused', () => {
  const upgrade = analyzeImpact(stack({ Jobs: group('redis', '7.1') }), stack({ Jobs: group('valkey', '8.0') }));
  expect(summary(upgrade.effects)).toEqual([['Jobs', 'updated', 'reboot or failover', 'Cs2Analytics-dev-data/Jobs']]);
  expect(upgrade.effects[0].detail).toMatch(/upgraded in place to Valkey/);
  const back = analyzeImpact(stack({ Jobs: group('valkey', '8.0') }), stack({ Jobs: group('redis', '7.1') }));
  expect(back.verdict).toBe('refused');
  expect(back.effects[0].detail).toMatch(/never back/);
  // A property the specification still calls replacing is replaced, name and all: refused.
  const port = analyzeImpact(
    stack({ Jobs: group('redis', '7.1') }),
    stack({ Jobs: { ...group('redis', '7.1'), Properties: { ...group('redis', '7.1').Properties, Port: 6380 } } }),
  );
  expect(port.effects[0]).toMatchObject({ change: 'replaced', verdict: 'refused' });
});

test('a static parameter waits for a restart (npm run reboot); a dynamic one applies at once', () => {
  const parameters = (values: Record<string, string>) => ({
    Writer: { Type: 'AWS::RDS::DBParameterGroup', Properties: { Family: 'postgres17', Parameters: values } },
  });
  const maxConnections = analyzeImpact(stack(parameters({ max_connections: '250' })), stack(parameters({ max_connections: '2100' })));
  expect(maxConnections.verdict).toBe('reboot or failover');
  expect(maxConnections.effects[0].detail).toMatch(/static parameters max_connections wait for each instance to restart.*npm run reboot/);
  const workMem = analyzeImpact(stack(parameters({ work_mem: '16384' })), stack(parameters({ work_mem: '32768' })));
  expect(workMem.verdict).toBe('safe');
});

test('a new task definition is a new revision: the service that names it rolls its tasks; ECS Exec alone starts no deployment', () => {
  const services = (image: string, exec: boolean) => ({
    Task: { Type: 'AWS::ECS::TaskDefinition', Properties: { Family: 'api', ContainerDefinitions: [{ Name: 'api', Image: image }] } },
    Service: { Type: 'AWS::ECS::Service', Properties: { ServiceName: 'api', TaskDefinition: { Ref: 'Task' }, EnableExecuteCommand: exec } },
  });
  const image = analyzeImpact(stack(services('api:1.0', false)), stack(services('api:1.1', false)));
  expect(summary(image.effects)).toEqual([
    ['Task', 'replaced', 'restarts tasks', 'Cs2Analytics-dev-data/Task'],
    ['Service', 'updated', 'restarts tasks', 'Cs2Analytics-dev-data/Task'],
  ]);
  const exec = analyzeImpact(stack(services('api:1.0', false)), stack(services('api:1.0', true)));
  expect(summary(exec.effects)).toEqual([['Service', 'updated', 'safe', 'Cs2Analytics-dev-data/Service']]);
});

test('a replacement follows through the stack: what names the replaced resource in a replacing property is replaced too, under the same cause', () => {
  const network = (cidr: string) => ({
    Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: cidr } },
    Group: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'app', VpcId: { Ref: 'Vpc' } } },
    Database: {
      Type: 'AWS::RDS::DBInstance',
      Properties: { DBInstanceIdentifier: 'cs2analytics-dev', VPCSecurityGroups: [{ 'Fn::GetAtt': ['Group', 'GroupId'] }] },
    },
  });
  const impact = analyzeImpact(stack(network('10.10.0.0/16')), stack(network('10.40.0.0/16')));
  expect(summary(impact.effects)).toEqual([
    ['Vpc', 'replaced', 'safe', 'Cs2Analytics-dev-data/Vpc'],
    ['Group', 'replaced', 'safe', 'Cs2Analytics-dev-data/Vpc'],
    // Its security groups change in place: the database keeps its data and its name.
    ['Database', 'updated', 'safe', 'Cs2Analytics-dev-data/Vpc'],
  ]);
});
