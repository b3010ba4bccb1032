import { Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';

/**
 * The Node.js runtime of the functions in `scope`'s region, and the one place that decides it:
 * aws-cdk-lib's latest Node.js runtime for that region (its region facts, which its own
 * custom-resource functions use too). An aws-cdk-lib upgrade that moves that fact is a version bump:
 * the functions move with it and `npm run impact` lists them as updated.
 *
 * Not simply the newest runtime aws-cdk-lib knows (`lambda.Runtime.ALL`): aws-cdk-lib adds a runtime
 * when Lambda launches it, before every region offers it, and Lambda refuses to create a function on
 * a runtime its region lacks. The aws-cdk team moves the fact by hand, per partition, once the
 * runtime is offered across it and their own handlers run on it, which can be months after the launch.
 */
export function lambdaNodeRuntime(scope: IConstruct): lambda.Runtime {
  if (Token.isUnresolved(Stack.of(scope).region)) {
    throw new Error(
      `${scope.node.path}: the Lambda runtime follows the stack's region, which must be known at synth (give the stack an env)`,
    );
  }
  return lambda.determineLatestNodeRuntime(scope);
}

/** What the choice reads of a runtime: its name, e.g. `nodejs24.x`. */
export interface NamedRuntime {
  readonly name: string;
}

/**
 * The Node.js runtime with the highest version among `known` (`nodejs24.x` over `nodejs22.x`): what
 * cdk-nag's latest-runtime rules (AwsSolutions-L1, Serverless-LambdaLatestVersion) ask for.
 */
export function newestNodeRuntime<R extends NamedRuntime>(known: readonly R[]): R {
  let newest: { readonly runtime: R; readonly major: number } | undefined;
  for (const runtime of known) {
    const major = nodeMajor(runtime);
    if (major !== undefined && (newest === undefined || major > newest.major)) newest = { runtime, major };
  }
  if (!newest) throw new Error('aws-cdk-lib knows no Node.js Lambda runtime with a version (nodejs<major>.x)');
  return newest.runtime;
}

/** esbuild's `target` for a bundle that runs on `runtime`: `node24` for `nodejs24.x`. */
export function bundleTarget(runtime: NamedRuntime): string {
  const major = nodeMajor(runtime);
  if (major === undefined) throw new Error(`${runtime.name} is not a Node.js runtime of the form nodejs<major>.x`);
  return `node${major}`;
}

/**
 * Where a function runs its region's runtime while aws-cdk-lib already knows a newer one (launched,
 * not yet offered everywhere), acknowledges cdk-nag's latest-runtime rules on it, with that reason.
 * Does nothing for a function on the newest runtime, or on any other (that finding stands).
 */
export function acknowledgeRegionalRuntime(fn: IConstruct): void {
  const resource = fn.node.defaultChild as lambda.CfnFunction | undefined;
  const runtime = resource?.runtime;
  const regional = lambdaNodeRuntime(fn).name;
  const newest = newestNodeRuntime(lambda.Runtime.ALL).name;
  if (runtime === undefined || runtime === newest || runtime !== regional) return;
  acknowledge(fn, {
    reason:
      `${runtime} is aws-cdk-lib's latest Node.js runtime for this region (its region facts, which its own ` +
      `custom-resource functions use); it knows ${newest} too, launched but not yet adopted there, and Lambda ` +
      'refuses a function on a runtime its region does not offer. The functions move when aws-cdk-lib moves the fact',
    rules: { AwsSolutions: ['AwsSolutions-L1'], Serverless: ['Serverless-LambdaLatestVersion'] },
  });
}

function nodeMajor(runtime: NamedRuntime): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return match ? Number(match[1]) : undefined;
}
