import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The Node.js runtime of every function of this app, and the target its bundle is built for.
 *
 * It is the newest Node.js runtime the installed aws-cdk-lib knows, chosen the way cdk-nag's
 * AwsSolutions-L1 (latest runtime) chooses it, so that an aws-cdk-lib upgrade that adds a runtime
 * is a version bump: the functions move to it, `npm run impact` lists them as updated, and nothing
 * is edited by hand.
 */
export const LAMBDA_NODE_RUNTIME: lambda.Runtime = newestNodeRuntime(lambda.Runtime.ALL);

/** esbuild's `target` for a bundle that runs on {@link LAMBDA_NODE_RUNTIME}. */
export const LAMBDA_BUNDLE_TARGET: string = bundleTarget(LAMBDA_NODE_RUNTIME);

/** What the choice reads of a runtime: its name, e.g. `nodejs24.x`. */
export interface NamedRuntime {
  readonly name: string;
}

/** The Node.js runtime with the highest version among `known` (`nodejs24.x` over `nodejs22.x`). */
export function newestNodeRuntime<R extends NamedRuntime>(known: readonly R[]): R {
  let newest: { readonly runtime: R; readonly major: number } | undefined;
  for (const runtime of known) {
    const major = nodeMajor(runtime);
    if (major !== undefined && (newest === undefined || major > newest.major)) newest = { runtime, major };
  }
  if (!newest) throw new Error('aws-cdk-lib knows no Node.js Lambda runtime with a version (nodejs<major>.x)');
  return newest.runtime;
}

/** `node24` for `nodejs24.x`. */
export function bundleTarget(runtime: NamedRuntime): string {
  const major = nodeMajor(runtime);
  if (major === undefined) throw new Error(`${runtime.name} is not a Node.js runtime of the form nodejs<major>.x`);
  return `node${major}`;
}

function nodeMajor(runtime: NamedRuntime): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return match ? Number(match[1]) : undefined;
}
