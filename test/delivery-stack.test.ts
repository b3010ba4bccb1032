/**
 * Short-lived credentials (issue 25, item 4): the account's delivery stack, its selection from context,
 * its validators, and its roles' trust and permissions put to the real IAM evaluator.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { addComplianceGates, FAIL_ON_FINDINGS_CONTEXT } from '../lib/compliance/gates';
import { ENVIRONMENTS } from '../lib/config/environments';
import { ConfigError } from '../lib/config/load';
import { DeliveryStack, deliveryRequested, deliveryStackProps, oidcIssuerOf } from '../lib/stacks/delivery-stack';
import { authorizeWithEveryContextKey, evaluate, type Decision } from './rehearsal/iam-evaluator';
import { cdkJsonContext, TEST_ACCOUNT } from './support/context';

type Json = any;

const REPOSITORY = 'octo-org/cs2-analytics';
const OTHER_ACCOUNT = '222222222222';
const GITHUB_PROVIDER = `arn:aws:iam::${TEST_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const GITLAB_PROVIDER = `arn:aws:iam::${TEST_ACCOUNT}:oidc-provider/gitlab.example.com`;
const BASE_CONTEXT = { githubRepository: REPOSITORY, deliveryAccount: TEST_ACCOUNT };

/** The stack's template, built without the validators (they run once, in the first describe). */
function templateFor(context: Record<string, unknown>): Json {
  const app = new App({ context: cdkJsonContext() });
  const stack = new DeliveryStack(app, 'Delivery', deliveryStackProps(context));
  return Template.fromStack(stack).toJSON();
}

function resourcesOf(template: Json, type: string): [string, Json][] {
  return Object.entries<Json>(template.Resources).filter(([, resource]) => resource.Type === type);
}

function roleNamed(template: Json, name: string): Json {
  const [found] = resourcesOf(template, 'AWS::IAM::Role').filter(([, role]) => role.Properties.RoleName === name);
  if (!found) throw new Error(`no role ${name}`);
  return found[1];
}

/** The role's one managed policy document (the role lists it by Ref). */
function policyOf(template: Json, roleName: string): Json {
  const role = roleNamed(template, roleName);
  expect(role.Properties.ManagedPolicyArns).toHaveLength(1);
  expect(role.Properties.Policies).toBeUndefined();
  return template.Resources[role.Properties.ManagedPolicyArns[0].Ref].Properties.PolicyDocument;
}

/** The trust policy as IAM holds it: the provider's Ref replaced by its ARN. */
function trustOf(template: Json, roleName: string): Json {
  const replace = (node: Json): Json => {
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map(replace);
    if (typeof node.Ref === 'string' && template.Resources[node.Ref]?.Type === 'AWS::IAM::OIDCProvider') return GITHUB_PROVIDER;
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, replace(value)]));
  };
  return replace(roleNamed(template, roleName).Properties.AssumeRolePolicyDocument);
}

function refusal(context: Record<string, unknown>, environments?: Json): string[] {
  try {
    deliveryStackProps(context, { environments });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error(`${JSON.stringify(context)} was accepted`);
}

describe('the delivery stack with every validator', () => {
  let outdir: string;
  let error: unknown;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs2-delivery-'));
    const app = new App({ outdir, context: cdkJsonContext(), postCliContext: FAIL_ON_FINDINGS_CONTEXT });
    addComplianceGates(app, { validationCache: false });
    new DeliveryStack(app, 'Delivery', deliveryStackProps(BASE_CONTEXT));
    try {
      app.synth();
    } catch (caught) {
      error = caught;
    }
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('synthesizes with zero unacknowledged findings, each acknowledgement a wildcard IAM5 with its reason', () => {
    expect(error).toBeUndefined();
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    for (const plugin of report.pluginReports) {
      expect({ plugin: plugin.pluginName, violations: plugin.violations, conclusion: plugin.conclusion }).toEqual({
        plugin: plugin.pluginName,
        violations: [],
        conclusion: 'success',
      });
    }
    const acknowledged = report.pluginReports.flatMap((plugin: Json) =>
      (plugin.suppressedViolations ?? []).map(
        (violation: Json) => `${violation.violatingConstructs[0].constructPath} ${violation.ruleName}`,
      ),
    );
    const prefix = `arn:aws:iam::${TEST_ACCOUNT}`;
    const regional = (service: string) => `arn:aws:${service}:eu-west-1:${TEST_ACCOUNT}`;
    const expected = (role: string, envName: string) => [
      `Delivery/${role}/Policy/Resource AwsSolutions-IAM5[Resource::${prefix}:role/cdk-hnb659fds-*-role-${TEST_ACCOUNT}-eu-west-1]`,
      `Delivery/${role}/Policy/Resource AwsSolutions-IAM5[Resource::${regional('cloudformation')}:stack/Cs2Analytics-${envName}-*/*]`,
      `Delivery/${role}/Policy/Resource AwsSolutions-IAM5[Resource::${regional('cloudwatch')}:alarm:*]`,
      `Delivery/${role}/Policy/Resource AwsSolutions-IAM5[Resource::*]`,
      `Delivery/${role}/Policy/Resource AwsSolutions-IAM5[Resource::${regional('rds')}:db:cs2analytics-${envName}*]`,
      `Delivery/${role}/Policy/Resource AwsSolutions-IAM5[Resource::${regional('rds')}:cluster:cs2analytics-${envName}*]`,
    ];
    expect(acknowledged.sort()).toEqual(
      [...expected('DevRole', 'dev'), ...expected('StagingRole', 'staging'), ...expected('ProdRole', 'prod')].sort(),
    );
  });

  test('the stack is named after the account, and the CLI finds it as Delivery', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.Delivery.properties.stackName).toBe(`Cs2Analytics-${TEST_ACCOUNT}-delivery`);
    expect(manifest.artifacts.Delivery.environment).toBe(`aws://${TEST_ACCOUNT}/eu-west-1`);
    expect(manifest.artifacts.Delivery.properties.tags).toEqual({ app: 'cs2-analytics', env: 'delivery', owner: 'platform-team' });
  });
});

describe('the template', () => {
  const template = templateFor(BASE_CONTEXT);

  test("GitHub's OIDC provider: its URL, the audience sts.amazonaws.com, kept when the stack goes", () => {
    expect(resourcesOf(template, 'AWS::IAM::OIDCProvider').map(([, resource]) => resource)).toEqual([
      {
        Type: 'AWS::IAM::OIDCProvider',
        Properties: { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] },
        UpdateReplacePolicy: 'Retain',
        DeletionPolicy: 'Retain',
      },
    ]);
  });

  test.each(['dev', 'staging', 'prod'])(
    '%s: one role, an hour at most, trusted only by this repository in the GitHub environment of that name',
    (envName) => {
      expect(roleNamed(template, `cs2analytics-${envName}-delivery`).Properties.MaxSessionDuration).toBe(7200);
      expect(trustOf(template, `cs2analytics-${envName}-delivery`)).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: GITHUB_PROVIDER },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': `repo:octo-org/cs2-analytics:environment:${envName}`,
              },
            },
          },
        ],
      });
    },
  );

  test('prod: assume the bootstrap roles; read its images, stacks, services, alarms, target health, metrics and database', () => {
    const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:${TEST_ACCOUNT}:${resource}`;
    expect(policyOf(template, 'cs2analytics-prod-delivery')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DeployThroughCdkBootstrapRoles',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: `arn:aws:iam::${TEST_ACCOUNT}:role/cdk-hnb659fds-*-role-${TEST_ACCOUNT}-eu-west-1`,
        },
        {
          Sid: 'ReadImages',
          Effect: 'Allow',
          Action: ['ecr:BatchGetImage', 'ecr:DescribeImages'],
          Resource: [
            arn('ecr', 'repository/cs2analytics-prod/api'),
            arn('ecr', 'repository/cs2analytics-prod/parser'),
            arn('ecr', 'repository/cs2analytics-prod/web'),
          ],
        },
        {
          Sid: 'DescribeStacks',
          Effect: 'Allow',
          Action: ['cloudformation:DescribeStackResources', 'cloudformation:DescribeStacks'],
          Resource: arn('cloudformation', 'stack/Cs2Analytics-prod-*/*'),
        },
        {
          Sid: 'DescribeServices',
          Effect: 'Allow',
          Action: 'ecs:DescribeServices',
          Resource: [
            arn('ecs', 'service/cs2analytics-prod/cs2analytics-prod-api'),
            arn('ecs', 'service/cs2analytics-prod/cs2analytics-prod-parser'),
            arn('ecs', 'service/cs2analytics-prod/cs2analytics-prod-web'),
          ],
        },
        { Sid: 'DescribeAlarms', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: arn('cloudwatch', 'alarm:*') },
        {
          Sid: 'ReadTargetHealthAndMetrics',
          Effect: 'Allow',
          Action: ['cloudwatch:GetMetricStatistics', 'elasticloadbalancing:DescribeTargetHealth'],
          Resource: '*',
        },
        {
          Sid: 'DescribeDatabase',
          Effect: 'Allow',
          Action: ['rds:DescribeDBClusters', 'rds:DescribeDBInstances'],
          Resource: [arn('rds', 'cluster:cs2analytics-prod*'), arn('rds', 'db:cs2analytics-prod*')],
        },
      ],
    });
  });

  test('dev and staging: the same statements, on their own environment', () => {
    const prod = JSON.stringify(policyOf(template, 'cs2analytics-prod-delivery'));
    for (const envName of ['dev', 'staging']) {
      expect(policyOf(template, `cs2analytics-${envName}-delivery`)).toEqual(JSON.parse(prod.replace(/prod/g, envName)));
    }
  });

  test("outputs: the provider's ARN and each role's ARN, for the GitHub environments' variables", () => {
    expect(Object.keys(template.Outputs).sort()).toEqual(['DevRoleArn', 'GithubOidcProviderArn', 'ProdRoleArn', 'StagingRoleArn']);
    const [prodRoleId] = resourcesOf(template, 'AWS::IAM::Role').find(
      ([, role]) => role.Properties.RoleName === 'cs2analytics-prod-delivery',
    )!;
    expect(template.Outputs.ProdRoleArn.Value).toEqual({ 'Fn::GetAtt': [prodRoleId, 'Arn'] });
  });

  test('an existing GitHub provider is imported by ARN: none created, the roles trust that one', () => {
    const imported = templateFor({ ...BASE_CONTEXT, githubOidcProviderArn: GITHUB_PROVIDER });
    expect(resourcesOf(imported, 'AWS::IAM::OIDCProvider')).toEqual([]);
    expect(roleNamed(imported, 'cs2analytics-staging-delivery').Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Federated: GITHUB_PROVIDER,
    });
    expect(imported.Outputs.GithubOidcProviderArn.Value).toBe(GITHUB_PROVIDER);
  });

  test('another OIDC provider: a second trust statement with its own audience and exact subject, for the environments named', () => {
    const extra = templateFor({
      ...BASE_CONTEXT,
      extraOidcProviderArn: GITLAB_PROVIDER,
      extraOidcAudience: 'https://gitlab.example.com',
      extraOidcSubjects: '{"prod":"project_path:platform/cs2-analytics:ref_type:branch:ref:main"}',
    });
    expect(trustOf(extra, 'cs2analytics-prod-delivery').Statement).toEqual([
      expect.objectContaining({ Principal: { Federated: GITHUB_PROVIDER } }),
      {
        Effect: 'Allow',
        Principal: { Federated: GITLAB_PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'gitlab.example.com:aud': 'https://gitlab.example.com',
            'gitlab.example.com:sub': 'project_path:platform/cs2-analytics:ref_type:branch:ref:main',
          },
        },
      },
    ]);
    expect(trustOf(extra, 'cs2analytics-dev-delivery').Statement).toHaveLength(1);
    expect(oidcIssuerOf(`arn:aws:iam::${TEST_ACCOUNT}:oidc-provider/ci.example.com/oidc`)).toBe('ci.example.com/oidc');
  });
});

describe('selection from context', () => {
  test('-c delivery=true selects it; false or nothing builds an environment; anything else is refused', () => {
    expect([deliveryRequested({ delivery: 'true' }), deliveryRequested({ delivery: true })]).toEqual([true, true]);
    expect([deliveryRequested({}), deliveryRequested({ delivery: 'false' })]).toEqual([false, false]);
    expect(() => deliveryRequested({ delivery: 'yes' })).toThrow('delivery: delivery must be true or false (got "yes")');
  });

  test('the environments of this account: every one that pins it or none, each with its region', () => {
    const props = deliveryStackProps(BASE_CONTEXT);
    expect(props.stackName).toBe(`Cs2Analytics-${TEST_ACCOUNT}-delivery`);
    expect(props.env).toEqual({ account: TEST_ACCOUNT, region: 'eu-west-1' });
    expect(props.tags).toEqual({ app: 'cs2-analytics', env: 'delivery', owner: 'platform-team' });
    expect(props.environments).toEqual([
      { envName: 'dev', region: 'eu-west-1' },
      { envName: 'staging', region: 'eu-west-1' },
      { envName: 'prod', region: 'eu-west-1' },
    ]);
    expect(deliveryStackProps(BASE_CONTEXT, { defaultAccount: OTHER_ACCOUNT }).env.account).toBe(TEST_ACCOUNT);
    expect(deliveryStackProps({ githubRepository: REPOSITORY }, { defaultAccount: OTHER_ACCOUNT }).env.account).toBe(OTHER_ACCOUNT);
  });

  test('an environment that pins no account goes with any; one pinned to another account has its role there', () => {
    const prodElsewhere = { ...ENVIRONMENTS, prod: { ...ENVIRONMENTS.prod, account: OTHER_ACCOUNT } };
    expect(deliveryStackProps(BASE_CONTEXT, { environments: prodElsewhere }).environments).toEqual([
      { envName: 'dev', region: 'eu-west-1' },
      { envName: 'staging', region: 'eu-west-1' },
    ]);
    expect(refusal({ ...BASE_CONTEXT, deliveryEnvironments: 'staging,prod' }, prodElsewhere)).toEqual([
      `delivery: prod is pinned to account ${OTHER_ACCOUNT}, not ${TEST_ACCOUNT}: its role belongs to the delivery stack of ${OTHER_ACCOUNT} ` +
        "(npm run deploy refuses credentials of another account than the environment's)",
    ]);
  });

  test("prod in an account of its own: that account's stack holds prod's role alone", () => {
    const pinned = {
      dev: { ...ENVIRONMENTS.dev, account: TEST_ACCOUNT },
      staging: { ...ENVIRONMENTS.staging, account: TEST_ACCOUNT },
      prod: { ...ENVIRONMENTS.prod, account: OTHER_ACCOUNT },
    };
    const props = deliveryStackProps({ githubRepository: REPOSITORY, deliveryAccount: OTHER_ACCOUNT }, { environments: pinned });
    expect(props.environments).toEqual([{ envName: 'prod', region: 'eu-west-1' }]);
    expect(props.stackName).toBe(`Cs2Analytics-${OTHER_ACCOUNT}-delivery`);
    expect(deliveryStackProps({ ...BASE_CONTEXT, deliveryEnvironments: 'dev' }, { environments: pinned }).environments).toEqual([
      { envName: 'dev', region: 'eu-west-1' },
    ]);
  });

  test('no environment deploys to the account: refused, saying why', () => {
    const elsewhere = Object.fromEntries(
      Object.entries(ENVIRONMENTS).map(([envName, settings]) => [envName, { ...settings, account: OTHER_ACCOUNT }]),
    );
    expect(refusal(BASE_CONTEXT, elsewhere)).toEqual([
      `delivery: no environment deploys to account ${TEST_ACCOUNT} (each pins another account in lib/config/environments.ts): ` +
        "deploy this stack with an environment's account",
    ]);
  });

  test.each<[string, Record<string, unknown>, string]>([
    [
      'no repository',
      { deliveryAccount: TEST_ACCOUNT },
      'delivery: githubRepository is required: -c githubRepository=<owner>/<name>, the GitHub repository whose workflows deploy',
    ],
    [
      'a repository without its owner',
      { ...BASE_CONTEXT, githubRepository: 'cs2-analytics' },
      'delivery: githubRepository must be <owner>/<name> of a GitHub repository, e.g. octo-org/cs2-analytics (got "cs2-analytics")',
    ],
    [
      'a repository pattern',
      { ...BASE_CONTEXT, githubRepository: 'octo-org/*' },
      'delivery: githubRepository must be <owner>/<name> of a GitHub repository, e.g. octo-org/cs2-analytics (got "octo-org/*")',
    ],
    [
      'no account',
      { githubRepository: REPOSITORY },
      "delivery: no account: deploy with the account's credentials (the CDK CLI passes their account), or give -c deliveryAccount=<12-digit account id>",
    ],
    [
      'a short account',
      { ...BASE_CONTEXT, deliveryAccount: '12345' },
      'delivery: deliveryAccount must be a 12-digit AWS account id (got "12345")',
    ],
    [
      'another provider given as GitHub’s',
      { ...BASE_CONTEXT, githubOidcProviderArn: GITLAB_PROVIDER },
      `delivery: githubOidcProviderArn must be the ARN of GitHub's OIDC provider, arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com (got "${GITLAB_PROVIDER}")`,
    ],
    [
      "another account's GitHub provider",
      { ...BASE_CONTEXT, githubOidcProviderArn: `arn:aws:iam::${OTHER_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
      `delivery: githubOidcProviderArn must be in account ${TEST_ACCOUNT}, whose roles trust it (got "arn:aws:iam::${OTHER_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")`,
    ],
    [
      'an unknown environment',
      { ...BASE_CONTEXT, deliveryEnvironments: 'prod,qa' },
      'delivery: deliveryEnvironments must list environments among dev, staging, prod, comma-separated (got "prod,qa")',
    ],
    [
      'an extra provider without its audience',
      { ...BASE_CONTEXT, extraOidcProviderArn: GITLAB_PROVIDER, extraOidcSubjects: '{"prod":"x"}' },
      'delivery: extraOidcProviderArn, extraOidcAudience and extraOidcSubjects are given together (another OIDC provider, its audience, the subject per environment)',
    ],
    [
      'extra subjects that are not JSON',
      { ...BASE_CONTEXT, extraOidcProviderArn: GITLAB_PROVIDER, extraOidcAudience: 'aud', extraOidcSubjects: 'prod=x' },
      'delivery: extraOidcSubjects must be a JSON object of environment and exact sub claim, e.g. {"prod":"project_path:group/project:ref_type:branch:ref:main"} (got "prod=x")',
    ],
    [
      'an extra subject with a wildcard',
      {
        ...BASE_CONTEXT,
        extraOidcProviderArn: GITLAB_PROVIDER,
        extraOidcAudience: 'aud',
        extraOidcSubjects: '{"prod":"project_path:platform/*"}',
      },
      'delivery: extraOidcSubjects must name each subject exactly: the trust compares them whole (no * or ?)',
    ],
    [
      'an extra subject for an environment without a role here',
      {
        ...BASE_CONTEXT,
        deliveryEnvironments: 'prod',
        extraOidcProviderArn: GITLAB_PROVIDER,
        extraOidcAudience: 'aud',
        extraOidcSubjects: '{"dev":"x"}',
      },
      'delivery: extraOidcSubjects names "dev", which has no role here (roles: prod)',
    ],
    [
      'an extra provider of another account',
      {
        ...BASE_CONTEXT,
        extraOidcProviderArn: `arn:aws:iam::${OTHER_ACCOUNT}:oidc-provider/gitlab.example.com`,
        extraOidcAudience: 'aud',
        extraOidcSubjects: '{"prod":"x"}',
      },
      `delivery: extraOidcProviderArn must be in account ${TEST_ACCOUNT}, whose roles trust it (got "arn:aws:iam::${OTHER_ACCOUNT}:oidc-provider/gitlab.example.com")`,
    ],
  ])('%s is refused with one line naming the context value', (_, context, message) => {
    expect(refusal(context)).toEqual([message]);
  });
});

/**
 * sts:AssumeRoleWithWebIdentity evaluated by the package's own engine with every context key: the
 * evaluator's public entry point refuses `<provider>:sub` and `<provider>:aud`, which AWS's service
 * reference does not list for the action (IAM documents them for every OIDC provider, "Available keys
 * for AWS OIDC federation"). The same engine and settings as test/rehearsal/iam-evaluator.ts uses for
 * the keys it lets through.
 */
function assumeWithWebIdentity(trustPolicy: Json, role: string, provider: string, claims: Record<string, string>): Decision {
  return authorizeWithEveryContextKey({
    request: {
      principal: provider,
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: { resource: role, accountId: TEST_ACCOUNT },
      contextVariables: claims,
    },
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: trustPolicy,
  }).result;
}

describe('the trust policy, evaluated: a GitHub token for the prod role', () => {
  const template = templateFor({
    ...BASE_CONTEXT,
    extraOidcProviderArn: GITLAB_PROVIDER,
    extraOidcAudience: 'https://gitlab.example.com',
    extraOidcSubjects: '{"prod":"project_path:platform/cs2-analytics:ref_type:branch:ref:main"}',
  });
  const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/cs2analytics-prod-delivery`;
  const github = (claims: Record<string, string>, provider = GITHUB_PROVIDER) =>
    assumeWithWebIdentity(trustOf(template, 'cs2analytics-prod-delivery'), ROLE, provider, claims);
  const token = (sub: string, aud = 'sts.amazonaws.com') => ({
    'token.actions.githubusercontent.com:sub': sub,
    'token.actions.githubusercontent.com:aud': aud,
  });

  test('this repository, in the GitHub environment prod: Allowed', () => {
    expect(github(token('repo:octo-org/cs2-analytics:environment:prod'))).toBe('Allowed');
  });

  test.each<[string, Record<string, string>]>([
    ['another repository of the same owner', token('repo:octo-org/other-app:environment:prod')],
    ['a fork (another owner, the same name)', token('repo:someone/cs2-analytics:environment:prod')],
    ['another branch (a job without an environment)', token('repo:octo-org/cs2-analytics:ref:refs/heads/main')],
    ['a pull request (what a fork’s pull request gets too)', token('repo:octo-org/cs2-analytics:pull_request')],
    ["another environment's subject (staging)", token('repo:octo-org/cs2-analytics:environment:staging')],
    ['a subject that only starts like prod’s', token('repo:octo-org/cs2-analytics:environment:prod-copy')],
    ['a subject in other letter case', token('repo:Octo-Org/CS2-Analytics:environment:prod')],
    ['a wrong audience', token('repo:octo-org/cs2-analytics:environment:prod', 'https://github.com/octo-org')],
    ['no audience', { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/cs2-analytics:environment:prod' }],
  ])('%s: ImplicitlyDenied', (_, claims) => {
    expect(github(claims)).toBe('ImplicitlyDenied');
  });

  test("GitHub's claims presented by another provider: ImplicitlyDenied", () => {
    expect(github(token('repo:octo-org/cs2-analytics:environment:prod'), GITLAB_PROVIDER)).toBe('ImplicitlyDenied');
  });

  test('the other provider, with its exact subject and audience: Allowed; another of its subjects: ImplicitlyDenied', () => {
    const gitlab = (sub: string, aud = 'https://gitlab.example.com') =>
      github({ 'gitlab.example.com:sub': sub, 'gitlab.example.com:aud': aud }, GITLAB_PROVIDER);
    expect(gitlab('project_path:platform/cs2-analytics:ref_type:branch:ref:main')).toBe('Allowed');
    expect(gitlab('project_path:platform/cs2-analytics:ref_type:branch:ref:feature')).toBe('ImplicitlyDenied');
    expect(gitlab('project_path:platform/cs2-analytics:ref_type:branch:ref:main', 'sts.amazonaws.com')).toBe('ImplicitlyDenied');
  });

  test('each role admits only its own environment: decisions for every role and subject', () => {
    const decisions = Object.fromEntries(
      ['dev', 'staging', 'prod'].map((role) => [
        role,
        Object.fromEntries(
          ['dev', 'staging', 'prod'].map((subject) => [
            subject,
            assumeWithWebIdentity(
              trustOf(template, `cs2analytics-${role}-delivery`),
              `arn:aws:iam::${TEST_ACCOUNT}:role/cs2analytics-${role}-delivery`,
              GITHUB_PROVIDER,
              token(`repo:octo-org/cs2-analytics:environment:${subject}`),
            ),
          ]),
        ),
      ]),
    );
    expect(decisions).toEqual({
      dev: { dev: 'Allowed', staging: 'ImplicitlyDenied', prod: 'ImplicitlyDenied' },
      staging: { dev: 'ImplicitlyDenied', staging: 'Allowed', prod: 'ImplicitlyDenied' },
      prod: { dev: 'ImplicitlyDenied', staging: 'ImplicitlyDenied', prod: 'Allowed' },
    });
  });
});

describe("the permissions, evaluated: the prod role's session", () => {
  const template = templateFor(BASE_CONTEXT);
  const policy = policyOf(template, 'cs2analytics-prod-delivery');
  const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/cs2analytics-prod-delivery`;
  const decide = async (action: string, resource: string, resourceAccount = TEST_ACCOUNT) =>
    (await evaluate({ principal: ROLE, action, resource, resourceAccount, context: {}, identityPolicies: [policy] })).decision;
  const arn = (service: string, resource: string, region = 'eu-west-1', account = TEST_ACCOUNT) =>
    `arn:aws:${service}:${region}:${account}:${resource}`;
  const bootstrap = (kind: string, account = TEST_ACCOUNT, region = 'eu-west-1') =>
    `arn:aws:iam::${account}:role/cdk-hnb659fds-${kind}-role-${account}-${region}`;

  test.each([
    ['sts:AssumeRole', bootstrap('deploy')],
    ['sts:AssumeRole', bootstrap('file-publishing')],
    ['sts:AssumeRole', bootstrap('image-publishing')],
    ['sts:AssumeRole', bootstrap('lookup')],
    ['ecr:DescribeImages', arn('ecr', 'repository/cs2analytics-prod/api')],
    ['ecr:BatchGetImage', arn('ecr', 'repository/cs2analytics-prod/parser')],
    ['cloudformation:DescribeStacks', arn('cloudformation', 'stack/Cs2Analytics-prod-services/0f1e2d3c-aaaa-bbbb-cccc-123456789012')],
    [
      'cloudformation:DescribeStackResources',
      arn('cloudformation', 'stack/Cs2Analytics-prod-services/0f1e2d3c-aaaa-bbbb-cccc-123456789012'),
    ],
    ['ecs:DescribeServices', arn('ecs', 'service/cs2analytics-prod/cs2analytics-prod-web')],
    ['cloudwatch:DescribeAlarms', arn('cloudwatch', 'alarm:cs2analytics-prod-database-cpu')],
    ['cloudwatch:GetMetricStatistics', '*'],
    ['elasticloadbalancing:DescribeTargetHealth', '*'],
    ['rds:DescribeDBInstances', arn('rds', 'db:cs2analytics-prod-r2')],
    ['rds:DescribeDBClusters', arn('rds', 'cluster:cs2analytics-prod')],
  ])('%s on %s: Allowed', async (action, resource) => {
    expect(await decide(action, resource)).toBe('Allowed');
  });

  test.each([
    ['sts:AssumeRole', bootstrap('deploy', OTHER_ACCOUNT), OTHER_ACCOUNT],
    ['sts:AssumeRole', bootstrap('deploy', TEST_ACCOUNT, 'us-east-1'), TEST_ACCOUNT],
    ['sts:AssumeRole', `arn:aws:iam::${TEST_ACCOUNT}:role/cdk-othrqualf-deploy-role-${TEST_ACCOUNT}-eu-west-1`, TEST_ACCOUNT],
    ['sts:AssumeRole', `arn:aws:iam::${TEST_ACCOUNT}:role/cs2analytics-dev-delivery`, TEST_ACCOUNT],
    ['iam:PassRole', bootstrap('cfn-exec'), TEST_ACCOUNT],
    ['ecr:PutImage', arn('ecr', 'repository/cs2analytics-prod/api'), TEST_ACCOUNT],
    ['ecr:BatchDeleteImage', arn('ecr', 'repository/cs2analytics-prod/api'), TEST_ACCOUNT],
    ['ecr:DescribeImages', arn('ecr', 'repository/cs2analytics-staging/api'), TEST_ACCOUNT],
    ['ecr:GetDownloadUrlForLayer', arn('ecr', 'repository/cs2analytics-prod/api'), TEST_ACCOUNT],
    [
      'cloudformation:DescribeStacks',
      arn('cloudformation', 'stack/Cs2Analytics-staging-data/0f1e2d3c-aaaa-bbbb-cccc-123456789012'),
      TEST_ACCOUNT,
    ],
    [
      'cloudformation:DescribeStackResources',
      arn('cloudformation', 'stack/Cs2Analytics-staging-services/0f1e2d3c-aaaa-bbbb-cccc-123456789012'),
      TEST_ACCOUNT,
    ],
    [
      'cloudformation:UpdateStack',
      arn('cloudformation', 'stack/Cs2Analytics-prod-services/0f1e2d3c-aaaa-bbbb-cccc-123456789012'),
      TEST_ACCOUNT,
    ],
    [
      'cloudformation:DeleteStack',
      arn('cloudformation', 'stack/Cs2Analytics-prod-data/0f1e2d3c-aaaa-bbbb-cccc-123456789012'),
      TEST_ACCOUNT,
    ],
    ['ecs:UpdateService', arn('ecs', 'service/cs2analytics-prod/cs2analytics-prod-api'), TEST_ACCOUNT],
    ['ecs:DescribeServices', arn('ecs', 'service/cs2analytics-staging/cs2analytics-staging-api'), TEST_ACCOUNT],
    ['rds:RebootDBInstance', arn('rds', 'db:cs2analytics-prod'), TEST_ACCOUNT],
    ['rds:DescribeDBInstances', arn('rds', 'db:cs2analytics-staging'), TEST_ACCOUNT],
    ['secretsmanager:GetSecretValue', arn('secretsmanager', 'secret:cs2analytics/prod/services/connections/database-AbCdEf'), TEST_ACCOUNT],
  ])('%s on %s: ImplicitlyDenied', async (action, resource, account) => {
    expect(await decide(action, resource, account)).toBe('ImplicitlyDenied');
  });
});
