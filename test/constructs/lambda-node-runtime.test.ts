import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NagRuleCompliance, rules } from 'cdk-nag';
import { bundleTarget, LAMBDA_BUNDLE_TARGET, LAMBDA_NODE_RUNTIME, newestNodeRuntime } from '../../lib/constructs/lambda-node-runtime';

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
    expect(LAMBDA_BUNDLE_TARGET).toBe(`node${/^nodejs(\d+)\.x$/.exec(LAMBDA_NODE_RUNTIME.name)![1]}`);
  });

  test('is what cdk-nag AwsSolutions-L1 calls the latest runtime of the installed aws-cdk-lib', () => {
    const latestVersion = (runtime: lambda.Runtime) => {
      const stack = new Stack(new App(), 'Probe');
      const fn = new lambda.Function(stack, 'Function', {
        code: lambda.Code.fromInline('exports.handler=1'),
        handler: 'index.handler',
        runtime,
      });
      return rules.lambda.LambdaLatestVersion(fn.node.defaultChild as lambda.CfnFunction);
    };
    expect(latestVersion(LAMBDA_NODE_RUNTIME)).toBe(NagRuleCompliance.COMPLIANT);
    expect(latestVersion(lambda.Runtime.NODEJS_20_X)).toBe(NagRuleCompliance.NON_COMPLIANT);
  });
});
