import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ConfigError, loadConfig, type LoadConfigOptions } from '../config/load';
import { deliveryStackName, GITHUB_OIDC, githubEnvironmentSubject } from '../config/names';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../config/schema';
import { DeliveryRole, type WebIdentityTrust } from '../constructs/delivery-role';
import { APP_TAG } from '../environment';

/** An environment that gets a deploy role in this account. */
export interface DeliveryEnvironment {
  readonly envName: EnvironmentName;
  /** Its region: its CDK bootstrap roles and resources are there. Its account is the stack's. */
  readonly region: string;
}

/** Another OIDC provider (GitLab, a self-hosted CI, ...) trusted by the same roles, besides GitHub. */
export interface ExtraOidcTrust {
  /** `arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>`, in this stack's account. */
  readonly providerArn: string;
  /** The `aud` claim its tokens carry for AWS. */
  readonly audience: string;
  /** The exact `sub` claim per environment; an environment left out does not trust this provider. */
  readonly subjects: Readonly<Partial<Record<EnvironmentName, string>>>;
}

export interface DeliveryStackProps extends StackProps {
  /** The account (and a region to hold the stack): one delivery stack per account. */
  readonly env: { readonly account: string; readonly region: string };
  /** `owner/name` of the GitHub repository whose workflows deploy. */
  readonly githubRepository: string;
  /**
   * GitHub's OIDC provider where the account has one already (an account holds one per URL):
   * imported, not created.
   * @default - created by this stack
   */
  readonly githubOidcProviderArn?: string;
  /** The environments deployed to this account: one role each. */
  readonly environments: readonly DeliveryEnvironment[];
  /** @default - GitHub only */
  readonly extraOidcTrust?: ExtraOidcTrust;
}

/**
 * Short-lived credentials for the deploy workflows (issue 25, item 4), once per account: GitHub's
 * OIDC provider and one role per environment deployed to the account, each assumable only by a job
 * of this repository that runs in the GitHub environment of the same name (`sub` =
 * `repo:<owner>/<name>:environment:<env>`, `aud` = sts.amazonaws.com), for two hours at most, and
 * allowed only to assume the CDK bootstrap roles of its environment's account and region and read what
 * the deploy and verify read (lib/constructs/delivery-role.ts).
 */
export class DeliveryStack extends Stack {
  readonly roles: Readonly<Partial<Record<EnvironmentName, DeliveryRole>>>;
  readonly githubOidcProviderArn: string;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, props);
    const repository = props.githubRepository;
    if (props.githubOidcProviderArn) {
      this.githubOidcProviderArn = props.githubOidcProviderArn;
    } else {
      const provider = new iam.OidcProviderNative(this, 'GithubOidcProvider', {
        url: `https://${GITHUB_OIDC.host}`,
        clientIds: [GITHUB_OIDC.audience],
        // Account-wide, and other roles may come to trust it: kept when the stack goes (deploy again
        // with -c githubOidcProviderArn=<its ARN>).
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.githubOidcProviderArn = provider.oidcProviderArn;
    }
    new CfnOutput(this, 'GithubOidcProviderArn', {
      value: this.githubOidcProviderArn,
      description: `GitHub Actions' OIDC provider (${GITHUB_OIDC.host}, audience ${GITHUB_OIDC.audience})`,
    });

    const extra = props.extraOidcTrust;
    const roles: Partial<Record<EnvironmentName, DeliveryRole>> = {};
    for (const environment of props.environments) {
      const { envName } = environment;
      const trust: WebIdentityTrust[] = [
        {
          providerArn: this.githubOidcProviderArn,
          issuer: GITHUB_OIDC.host,
          audience: GITHUB_OIDC.audience,
          subject: githubEnvironmentSubject(repository, envName),
        },
      ];
      const subject = extra?.subjects[envName];
      if (extra && subject !== undefined) {
        trust.push({ providerArn: extra.providerArn, issuer: oidcIssuerOf(extra.providerArn), audience: extra.audience, subject });
      }
      const role = new DeliveryRole(this, `${envName[0].toUpperCase()}${envName.slice(1)}Role`, {
        envName,
        region: environment.region,
        trust,
      });
      roles[envName] = role;
      new CfnOutput(this, `${envName[0].toUpperCase()}${envName.slice(1)}RoleArn`, {
        value: role.role.roleArn,
        description: `The role ${envName}'s deploy job assumes: the GitHub environment ${envName}'s variable AWS_DEPLOY_ROLE_ARN`,
      });
    }
    this.roles = roles;
  }
}

/** The condition-key prefix of an OIDC provider: its URL without https://, which its ARN ends with. */
export function oidcIssuerOf(providerArn: string): string {
  const match = OIDC_PROVIDER_ARN.exec(providerArn);
  if (!match) throw new Error(`not an IAM OIDC provider ARN: ${providerArn}`);
  return match[3];
}

const OIDC_PROVIDER_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):oidc-provider\/([a-z0-9.-]+(?:\/[\w.~-]+)*)$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const ACCOUNT = /^\d{12}$/;

/** The context values the delivery stack reads (bin/app.ts passes them; docs/delivery.md lists them). */
export const DELIVERY_CONTEXT = {
  /** `true` synthesizes the delivery stack instead of an environment. */
  switch: 'delivery',
  githubRepository: 'githubRepository',
  githubOidcProviderArn: 'githubOidcProviderArn',
  account: 'deliveryAccount',
  environments: 'deliveryEnvironments',
  extraProviderArn: 'extraOidcProviderArn',
  extraAudience: 'extraOidcAudience',
  extraSubjects: 'extraOidcSubjects',
} as const;

/** Whether the context asks for the delivery stack (`-c delivery=true`); anything but true or false is refused. */
export function deliveryRequested(context: Readonly<Record<string, unknown>>): boolean {
  const value = context[DELIVERY_CONTEXT.switch];
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new ConfigError([`delivery: ${DELIVERY_CONTEXT.switch} must be true or false (got ${JSON.stringify(value)})`]);
}

export interface DeliveryDefaults {
  /** The credentials' account (CDK_DEFAULT_ACCOUNT), when no -c deliveryAccount is given. */
  readonly defaultAccount?: string;
  /** For an environment that pins no region (CDK_DEFAULT_REGION). */
  readonly defaultRegion?: string;
  /** The environments to choose from. @default ENVIRONMENTS (lib/config/environments.ts) */
  readonly environments?: LoadConfigOptions['environments'];
}

/**
 * The delivery stack's props from CDK context (`-c githubRepository=owner/name`, ...), each problem one
 * line naming the context value, thrown together as a ConfigError.
 */
export function deliveryStackProps(context: Readonly<Record<string, unknown>>, defaults: DeliveryDefaults = {}): DeliveryStackProps {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const value = context[key];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') {
      problems.push(`delivery: ${key} must be text (got ${JSON.stringify(value)})`);
      return undefined;
    }
    return value.trim();
  };

  const repository = text(DELIVERY_CONTEXT.githubRepository);
  if (repository === undefined) {
    problems.push(
      `delivery: ${DELIVERY_CONTEXT.githubRepository} is required: -c ${DELIVERY_CONTEXT.githubRepository}=<owner>/<name>, ` +
        'the GitHub repository whose workflows deploy',
    );
  } else if (!GITHUB_REPOSITORY.test(repository)) {
    problems.push(
      `delivery: ${DELIVERY_CONTEXT.githubRepository} must be <owner>/<name> of a GitHub repository, e.g. octo-org/cs2-analytics ` +
        `(got ${JSON.stringify(repository)})`,
    );
  }

  const account = text(DELIVERY_CONTEXT.account) ?? defaults.defaultAccount;
  if (account === undefined) {
    problems.push(
      `delivery: no account: deploy with the account's credentials (the CDK CLI passes their account), ` +
        `or give -c ${DELIVERY_CONTEXT.account}=<12-digit account id>`,
    );
  } else if (!ACCOUNT.test(account)) {
    problems.push(`delivery: ${DELIVERY_CONTEXT.account} must be a 12-digit AWS account id (got ${JSON.stringify(account)})`);
  }

  const providerArn = text(DELIVERY_CONTEXT.githubOidcProviderArn);
  if (providerArn !== undefined) {
    const match = OIDC_PROVIDER_ARN.exec(providerArn);
    if (!match || match[3] !== GITHUB_OIDC.host) {
      problems.push(
        `delivery: ${DELIVERY_CONTEXT.githubOidcProviderArn} must be the ARN of GitHub's OIDC provider, ` +
          `arn:aws:iam::<account>:oidc-provider/${GITHUB_OIDC.host} (got ${JSON.stringify(providerArn)})`,
      );
    } else if (account !== undefined && match[2] !== account) {
      problems.push(
        `delivery: ${DELIVERY_CONTEXT.githubOidcProviderArn} must be in account ${account}, whose roles trust it (got ${JSON.stringify(providerArn)})`,
      );
    }
  }

  // Every environment's config, as pinned (no default account): which ones deploy here, and where.
  const configs = ENVIRONMENT_NAMES.map((envName) =>
    loadConfig({ envName, defaultRegion: defaults.defaultRegion, environments: defaults.environments }),
  );
  const configOf = (envName: EnvironmentName) => configs.find((config) => config.envName === envName)!;
  const named = text(DELIVERY_CONTEXT.environments);
  let selected: EnvironmentName[];
  if (named !== undefined) {
    const names = named.split(',').map((name) => name.trim());
    const unknown = names.filter((name) => !(ENVIRONMENT_NAMES as readonly string[]).includes(name));
    if (unknown.length > 0 || names.length === 0) {
      problems.push(
        `delivery: ${DELIVERY_CONTEXT.environments} must list environments among ${ENVIRONMENT_NAMES.join(', ')}, comma-separated ` +
          `(got ${JSON.stringify(named)})`,
      );
    }
    selected = ENVIRONMENT_NAMES.filter((envName) => names.includes(envName));
  } else {
    selected = ENVIRONMENT_NAMES.filter((envName) => configOf(envName).account === undefined || configOf(envName).account === account);
  }
  for (const envName of selected) {
    const pinned = configOf(envName).account;
    if (pinned !== undefined && account !== undefined && pinned !== account) {
      problems.push(
        `delivery: ${envName} is pinned to account ${pinned}, not ${account}: its role belongs to the delivery stack of ${pinned} ` +
          "(npm run deploy refuses credentials of another account than the environment's)",
      );
    }
  }
  if (selected.length === 0 && named === undefined && account !== undefined) {
    problems.push(
      `delivery: no environment deploys to account ${account} (each pins another account in lib/config/environments.ts): ` +
        "deploy this stack with an environment's account",
    );
  }

  const extra = extraTrust(context, text, account, selected, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const environments: DeliveryEnvironment[] = selected.map((envName) => ({ envName, region: configOf(envName).region }));
  return {
    env: { account: account!, region: environments[0].region },
    stackName: deliveryStackName(account!),
    description: `CS2 Analytics delivery for account ${account}: GitHub's OIDC provider and the deploy roles of ${selected.join(', ')}`,
    // As every stack of the app: app, env (here the stack's role) and owner (the first environment's).
    tags: { app: APP_TAG, env: 'delivery', owner: configOf(selected[0]).owner },
    githubRepository: repository!,
    githubOidcProviderArn: providerArn,
    environments,
    extraOidcTrust: extra,
  };
}

function extraTrust(
  context: Readonly<Record<string, unknown>>,
  text: (key: string) => string | undefined,
  account: string | undefined,
  selected: readonly EnvironmentName[],
  problems: string[],
): ExtraOidcTrust | undefined {
  const providerArn = text(DELIVERY_CONTEXT.extraProviderArn);
  const audience = text(DELIVERY_CONTEXT.extraAudience);
  const rawSubjects = context[DELIVERY_CONTEXT.extraSubjects];
  if (providerArn === undefined && audience === undefined && rawSubjects === undefined) return undefined;
  const before = problems.length;
  const trio = `${DELIVERY_CONTEXT.extraProviderArn}, ${DELIVERY_CONTEXT.extraAudience} and ${DELIVERY_CONTEXT.extraSubjects}`;
  if (providerArn === undefined || audience === undefined || rawSubjects === undefined) {
    problems.push(`delivery: ${trio} are given together (another OIDC provider, its audience, the subject per environment)`);
    return undefined;
  }
  const match = OIDC_PROVIDER_ARN.exec(providerArn);
  if (!match) {
    problems.push(
      `delivery: ${DELIVERY_CONTEXT.extraProviderArn} must be an IAM OIDC provider ARN, arn:aws:iam::<account>:oidc-provider/<issuer> ` +
        `(got ${JSON.stringify(providerArn)})`,
    );
  } else if (account !== undefined && match[2] !== account) {
    problems.push(
      `delivery: ${DELIVERY_CONTEXT.extraProviderArn} must be in account ${account}, whose roles trust it (got ${JSON.stringify(providerArn)})`,
    );
  }
  let subjects: unknown = rawSubjects;
  if (typeof rawSubjects === 'string') {
    try {
      subjects = JSON.parse(rawSubjects);
    } catch {
      subjects = undefined;
    }
  }
  const entries = subjects !== null && typeof subjects === 'object' && !Array.isArray(subjects) ? Object.entries(subjects) : undefined;
  if (!entries || entries.length === 0 || entries.some(([, subject]) => typeof subject !== 'string' || subject.trim() === '')) {
    problems.push(
      `delivery: ${DELIVERY_CONTEXT.extraSubjects} must be a JSON object of environment and exact sub claim, ` +
        `e.g. {"prod":"project_path:group/project:ref_type:branch:ref:main"} (got ${JSON.stringify(rawSubjects)})`,
    );
  } else {
    for (const [envName] of entries) {
      if (!selected.includes(envName as EnvironmentName)) {
        problems.push(
          `delivery: ${DELIVERY_CONTEXT.extraSubjects} names ${JSON.stringify(envName)}, which has no role here (roles: ${selected.join(', ') || 'none'})`,
        );
      }
    }
    if (/[*?]/.test(entries.map(([, subject]) => subject).join(''))) {
      problems.push(
        `delivery: ${DELIVERY_CONTEXT.extraSubjects} must name each subject exactly: the trust compares them whole (no * or ?)`,
      );
    }
  }
  if (problems.length > before) return undefined;
  return { providerArn, audience, subjects: Object.fromEntries(entries!) as ExtraOidcTrust['subjects'] };
}
