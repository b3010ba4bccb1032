/**
 * The log groups a service names itself (Lambda, RDS's exports, Container Insights) are created first
 * under a key whose policy covers the environment's prefixes: each such name must fall under one.
 */
import {
  clusterName,
  containerInsightsLogGroupName,
  databaseIdentifier,
  environmentLogGroupPrefixes,
  lambdaLogGroupName,
  masterRotationFunctionName,
  rdsLogGroupName,
} from '../lib/config/names';

test("every log group a service names for prod falls under one of prod's prefixes", () => {
  const names = [
    lambdaLogGroupName(masterRotationFunctionName('prod')),
    rdsLogGroupName('cluster', databaseIdentifier('prod'), 'postgresql'),
    rdsLogGroupName('instance', databaseIdentifier('prod'), 'postgresql'),
    rdsLogGroupName('instance', databaseIdentifier('prod'), 'upgrade'),
    rdsLogGroupName('instance', `${databaseIdentifier('prod')}-replica-2`, 'postgresql'),
    rdsLogGroupName('cluster', databaseIdentifier('prod', 3), 'postgresql'),
    containerInsightsLogGroupName(clusterName('prod')),
  ];
  expect(names).toEqual([
    '/aws/lambda/cs2analytics-prod-db-rotation',
    '/aws/rds/cluster/cs2analytics-prod/postgresql',
    '/aws/rds/instance/cs2analytics-prod/postgresql',
    '/aws/rds/instance/cs2analytics-prod/upgrade',
    '/aws/rds/instance/cs2analytics-prod-replica-2/postgresql',
    '/aws/rds/cluster/cs2analytics-prod-r3/postgresql',
    '/aws/ecs/containerinsights/cs2analytics-prod/performance',
  ]);
  const prefixes = environmentLogGroupPrefixes('prod');
  expect(names.filter((name) => !prefixes.some((prefix) => name.startsWith(prefix)))).toEqual([]);
  // Another environment's groups are not covered.
  expect(prefixes.some((prefix) => rdsLogGroupName('instance', databaseIdentifier('staging'), 'postgresql').startsWith(prefix))).toBe(
    false,
  );
});
