/**
 * When aws-cdk-lib knows a Node.js runtime newer than the one it lists for a region (launched, not yet
 * offered everywhere), the functions stay on the region's, and cdk-nag's latest-runtime rules are
 * acknowledged on them with that reason. A runtime aws-cdk-lib does not have yet stands in for the
 * newer one: `new lambda.Runtime` adds it to Runtime.ALL, for this file only.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { PROJECT_ACKNOWLEDGEMENT_METADATA_KEY } from '../../lib/compliance/acknowledge';
import { loadConfig } from '../../lib/config/load';
import { Cs2AnalyticsEnvironment } from '../../lib/environment';
import { cdkJsonContext } from '../../scripts/lib/cdk-json';
import { acknowledgeRegionalRuntime, lambdaNodeRuntime, newestNodeRuntime } from '../../lib/constructs/lambda-node-runtime';

const LAUNCHED = new lambda.Runtime('nodejs98.x', lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });

function acknowledgedOn(runtime: (stack: Stack) => lambda.Runtime): string[] {
  const stack = new Stack(new App(), 'Probe', { env: { account: '111111111111', region: 'eu-west-1' } });
  const fn = new lambda.Function(stack, 'Function', {
    code: lambda.Code.fromInline('exports.handler=1'),
    handler: 'index.handler',
    runtime: runtime(stack),
  });
  acknowledgeRegionalRuntime(fn);
  return fn.node.metadata.filter((entry) => entry.type === PROJECT_ACKNOWLEDGEMENT_METADATA_KEY).map((entry) => entry.data as string);
}

test('the newer runtime is known to aws-cdk-lib, yet the region keeps its own', () => {
  expect(newestNodeRuntime(lambda.Runtime.ALL)).toBe(LAUNCHED);
  const stack = new Stack(new App(), 'Probe', { env: { account: '111111111111', region: 'eu-west-1' } });
  expect(lambdaNodeRuntime(stack).name).not.toBe('nodejs98.x');
});

test("a function on its region's runtime: both latest-runtime rules acknowledged, once each", () => {
  expect(acknowledgedOn(lambdaNodeRuntime)).toEqual(['AwsSolutions::AwsSolutions-L1', 'Serverless::Serverless-LambdaLatestVersion']);
});

test('a function on the newest runtime, or on an old one, gets no acknowledgement', () => {
  expect(acknowledgedOn(() => LAUNCHED)).toEqual([]);
  expect(acknowledgedOn(() => lambda.Runtime.NODEJS_20_X)).toEqual([]);
});

test("every function of an environment, the app's and the custom-resource framework's, is acknowledged on its region's runtime", () => {
  // cdk.json's feature flags, as the app runs; no bundling: only the construct tree is read.
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  new Cs2AnalyticsEnvironment(app, { config: loadConfig({ envName: 'dev', defaultAccount: '111111111111' }) });
  const functions = app.node.findAll().filter((construct) => construct instanceof lambda.CfnFunction) as lambda.CfnFunction[];
  const acknowledged = (resource: lambda.CfnFunction) =>
    resource.node.scope!.node.metadata.filter((entry) => entry.type === PROJECT_ACKNOWLEDGEMENT_METADATA_KEY).map((entry) => entry.data);
  expect(
    functions.map((resource) => [
      resource.node.scope!.node.path,
      resource.runtime,
      acknowledged(resource).filter((id) => /L1|Latest/.test(id)),
    ]),
  ).toEqual(
    [
      'dev/Data/AppCredentials/Rotation/Function',
      'dev/Data/RedisTokenRotation/Rotation/Function',
      'dev/Maintenance/PartitionMaintenance/Function',
      'dev/Services/Connections/Refresh/Function',
      'dev/Services/Migrations/Start/Function',
      'dev/Services/Migrations/Watch/Function',
      'dev/Services/Migrations/Provider/framework-onEvent',
      'dev/Services/Migrations/Provider/framework-isComplete',
      'dev/Services/Migrations/Provider/framework-onTimeout',
    ].map((path) => [path, 'nodejs24.x', ['AwsSolutions::AwsSolutions-L1', 'Serverless::Serverless-LambdaLatestVersion']]),
  );
});
