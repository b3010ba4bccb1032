/**
 * A real IAM policy evaluator for the rehearsal: @cloud-copilot/iam-simulate (AGPL-3.0; a test-only
 * dev dependency, never bundled or deployed). It validates the action against AWS's service
 * reference and evaluates identity and resource policies with AWS's rules (explicit deny, same-
 * account roles, service principals, KMS key policies that must delegate to IAM).
 *
 * One gap is worked around: its public entry point drops context keys of the form
 * `kms:EncryptionContext:<key>` (which CloudWatch Logs' key grants depend on). When it reports such
 * a key as ignored, the request is evaluated again by the package's own engine, with every key.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { createRequire } from 'module';
import * as path from 'path';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface AccessRequest {
  /** A role ARN, an account root ARN, or a service principal (`cloudwatch.amazonaws.com`). */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** The account that owns the resource. */
  readonly resourceAccount: string;
  readonly context: Record<string, string | string[]>;
  readonly identityPolicies: readonly unknown[];
  readonly resourcePolicy?: unknown;
}

export interface Evaluation {
  readonly decision: Decision;
  /** The statements that decided, or why nothing allowed. */
  readonly detail: string;
}

export async function evaluate(request: AccessRequest): Promise<Evaluation> {
  // AWS puts the calling role's ARN (with its path) in every request of it; the package leaves it to the caller.
  const principalArn: Record<string, string> = /^arn:[^:]+:iam::\d{12}:role\//.test(request.principal)
    ? { 'aws:PrincipalArn': request.principal }
    : {};
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: { ...principalArn, ...request.context },
    },
    identityPolicies: request.identityPolicies.map((policy, index) => ({ name: `identity-${index + 1}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy,
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`the evaluator rejected ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
  }
  if (result.resultType !== 'single') throw new Error(`${request.resource} is a pattern; the rehearsal asks about one resource`);
  const ignored = result.result.ignoredContextKeys ?? [];
  const unexpected = ignored.filter((key) => !/^kms:encryptioncontext:/i.test(key));
  if (unexpected.length) throw new Error(`${request.action} does not take the context keys ${unexpected.join(', ')}: fix the request`);
  const analysis = ignored.length ? authorizeWithEveryContextKey(simulation) : result.result.analysis;
  const statements = (side: 'identityAnalysis' | 'resourceAnalysis', kind: 'allowStatements' | 'denyStatements') =>
    ((analysis as any)[side]?.[kind] ?? []).map(
      (statement: any) => `${side === 'identityAnalysis' ? 'identity' : 'resource'} ${statement.explain?.identifier}`,
    );
  const decided =
    analysis.result === 'Allowed'
      ? statements('resourceAnalysis', 'allowStatements').concat(statements('identityAnalysis', 'allowStatements'))
      : statements('resourceAnalysis', 'denyStatements').concat(statements('identityAnalysis', 'denyStatements'));
  return {
    decision: analysis.result as Decision,
    detail: decided.length
      ? decided.join(', ')
      : `identity ${analysis.identityAnalysis?.result ?? 'n/a'}, resource ${analysis.resourceAnalysis?.result ?? 'n/a'}`,
  };
}

/**
 * The package's engine called directly, so that no context key is filtered out (its public entry point
 * also refuses keys AWS's service reference does not list for an action, e.g. an OIDC provider's
 * `<provider>:sub` for sts:AssumeRoleWithWebIdentity, which IAM documents for every OIDC provider).
 */
export function authorizeWithEveryContextKey(simulation: Simulation): any {
  const packageRequire = createRequire(require.resolve('@cloud-copilot/iam-simulate'));
  const internal = (file: string) => packageRequire(path.join(path.dirname(require.resolve('@cloud-copilot/iam-simulate')), file));
  const { authorize } = internal('core_engine/CoreSimulatorEngine.js');
  const { AwsRequestImpl } = internal('request/request.js');
  const { RequestContextImpl } = internal('requestContext.js');
  const { DiscoveryContextKeyConstraints } = internal('context_keys/discoveryContextKeyConstraints.js');
  const { loadPolicy } = packageRequire('@cloud-copilot/iam-policy');
  const { request } = simulation;
  return authorize({
    request: new AwsRequestImpl(
      request.principal,
      request.resource,
      request.action,
      new RequestContextImpl(request.contextVariables),
      false,
    ),
    identityPolicies: simulation.identityPolicies.map((policy) => loadPolicy(policy.policy, { name: policy.name })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: simulation.resourcePolicy ? loadPolicy(simulation.resourcePolicy, { name: 'ResourcePolicy' }) : undefined,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: {} },
  });
}
