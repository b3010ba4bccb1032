import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NagRuleCompliance, rules } from 'cdk-nag';
import * as cr from 'aws-cdk-lib/custom-resources';
import { bundleTarget, lambdaNodeRuntime, newestNodeRuntime } from '../../lib/constructs/lambda-node-runtime';

// Plain names: a `new lambda.Runtime` of a name aws-cdk-lib does not have would join lambda.Runtime.ALL.
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

  test("is the runtime aws-cdk-lib gives its own custom-resource framework functions in the stack's region", () => {
    for (const region of ['eu-west-1', 'us-east-1', 'cn-north-1', 'us-gov-west-1']) {
      const stack = new Stack(new App(), 'Probe', { env: { account: '111111111111', region } });
      const onEvent = new lambda.Function(stack, 'OnEvent', {
        code: lambda.Code.fromInline('exports.handler=1'),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_22_X,
      });
      const provider = new cr.Provider(stack, 'Provider', { onEventHandler: onEvent });
      const framework = provider.node.findChild('framework-onEvent').node.defaultChild as lambda.CfnFunction;
      expect(lambdaNodeRuntime(stack).name).toBe(framework.runtime);
    }
  });

  test('refuses a stack whose region is not known at synth, naming it', () => {
    const stack = new Stack(new App(), 'Agnostic');
    expect(() => lambdaNodeRuntime(stack)).toThrow(
      "Agnostic: the Lambda runtime follows the stack's region, which must be known at synth (give the stack an env)",
    );
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
