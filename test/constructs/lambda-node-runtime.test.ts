import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NagRuleCompliance, rules } from 'cdk-nag';
import { Fact, FactName } from 'aws-cdk-lib/region-info';
import { bundleTarget, lambdaNodeRuntime, newestNodeRuntime } from '../../lib/constructs/lambda-node-runtime';

// Plain names: a `new lambda.Runtime` would join lambda.Runtime.ALL for the rest of the file.
const named = (...names: string[]) => names.map((name) => ({ name }));

describe('the Lambda Node.js runtime', () => {
  test('is the highest Node.js major known, compared as numbers, whatever the order', () => {
    expect(newestNodeRuntime(named('nodejs', 'nodejs8.10', 'nodejs24.x', 'nodejs26.x', 'nodejs22.x')).name).toBe('nodejs26.x');
    expect(newestNodeRuntime(named('nodejs9.x', 'nodejs10.x')).name).toBe('nodejs10.x');
    expect(newestNodeRuntime(named('python3.14', 'nodejs20.x', 'java25')).name).toBe('nodejs20.x');
  });

  test('refuses a list with no versioned Node.js runtime', () => {
    expect(() => newestNodeRuntime(named('nodejs', 'python3.14'))).toThrow(/no Node\.js Lambda runtime/);
  });

  test('the bundle targets the runtime it runs on', () => {
    expect(bundleTarget({ name: 'nodejs24.x' })).toBe('node24');
    expect(bundleTarget({ name: 'nodejs26.x' })).toBe('node26');
    expect(() => bundleTarget({ name: 'python3.14' })).toThrow(/python3\.14 is not a Node\.js runtime/);
  });

  test("is the newest aws-cdk-lib lists for the stack's region, region by region", () => {
    for (const region of ['eu-west-1', 'us-east-1', 'eu-central-1']) {
      const stack = new Stack(new App(), 'Probe', { env: { account: '111111111111', region } });
      expect(lambdaNodeRuntime(stack).name).toBe(Fact.find(region, FactName.LATEST_NODE_RUNTIME));
      expect(lambdaNodeRuntime(stack).name).toMatch(/^nodejs\d+\.x$/);
    }
  });

  test("cdk-nag's latest-runtime rule asks for the newest aws-cdk-lib knows, which the newest of Runtime.ALL is", () => {
    const latestVersion = (runtime: lambda.Runtime) => {
      const stack = new Stack(new App(), 'Probe');
      const fn = new lambda.Function(stack, 'Function', {
        code: lambda.Code.fromInline('exports.handler=1'),
        handler: 'index.handler',
        runtime,
      });
      return rules.lambda.LambdaLatestVersion(fn.node.defaultChild as lambda.CfnFunction);
    };
    expect(latestVersion(newestNodeRuntime(lambda.Runtime.ALL))).toBe(NagRuleCompliance.COMPLIANT);
    expect(latestVersion(lambda.Runtime.NODEJS_20_X)).toBe(NagRuleCompliance.NON_COMPLIANT);
  });
});
