import { DescribeImagesCommand, ECRClient, ImageNotFoundException, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../lib/config/load';
import { findPlaceholders } from '../lib/config/placeholders';
import { accountProblems, imageProblems, placeholderProblems, preflightProblems } from '../scripts/lib/preflight';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterDeploy, parseDeployArguments, stackSelectors } from '../scripts/deploy';
import { runInProcess } from './support/command';

const ACCOUNT = '210987654321';
const sts = mockClient(STSClient);
const ecr = mockClient(ECRClient);
beforeEach(() => {
  sts.reset();
  ecr.reset();
});

const config = (envName: string, overrides: Record<string, unknown> = {}) => loadConfig({ envName, overrides });

describe('placeholders', () => {
  test('prod as committed is refused, naming each example field', () => {
    expect(placeholderProblems(config('prod'))).toEqual([
      'prod: loadBalancer.domainName is a domain reserved for examples (cs2.example.com): set the real value in lib/config/environments.ts',
      'prod: loadBalancer.hostedZoneId is an example hosted zone id (Z0123456789EXAMPLE): set the real value in lib/config/environments.ts',
      'prod: monitoring.alarmEmails[0] is a domain reserved for examples (oncall@example.com): set the real value in lib/config/environments.ts',
    ]);
  });

  test('real values pass', () => {
    const real = config('prod', {
      'loadBalancer.domainName': 'cs2.analytics-esports.net',
      'loadBalancer.hostedZoneId': 'Z04518262YI1ZP7J2X4B9',
      'monitoring.alarmEmails': 'oncall@analytics-esports.net',
      account: ACCOUNT,
    });
    expect(placeholderProblems(real)).toEqual([]);
    expect(placeholderProblems(config('dev'))).toEqual([]);
  });

  test('documentation accounts, .test and .invalid domains are placeholders too', () => {
    expect(
      findPlaceholders({ account: '123456789012', a: { b: ['x@ops.test', 'site.invalid', 'ok.example.co.uk'] } }).map(
        (found) => found.field,
      ),
    ).toEqual(['account', 'a.b[0]', 'a.b[1]']);
  });
});

describe('account', () => {
  test('credentials of the pinned account pass', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    expect(await accountProblems(config('prod', { account: ACCOUNT }), new STSClient({}))).toEqual([]);
  });

  test('credentials of another account are refused', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999' });
    expect(await accountProblems(config('prod', { account: ACCOUNT }), new STSClient({}))).toEqual([
      `prod: your credentials are for account 999999999999, but prod is pinned to ${ACCOUNT}`,
    ]);
  });

  test("outside dev the account must be pinned; dev takes the credentials' account", async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    expect(await accountProblems(config('staging'), new STSClient({}))).toEqual([
      `staging: account is not pinned; set account in lib/config/environments.ts (your credentials are for ${ACCOUNT})`,
    ]);
    expect(await accountProblems(config('dev'), new STSClient({}))).toEqual([]);
  });

  test('no credentials stop the deploy with the reason', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    expect(await accountProblems(config('dev'), new STSClient({}))).toEqual([
      'dev: no usable AWS credentials (CredentialsProviderError: Could not load credentials from any providers); log in to the account first',
    ]);
  });
});

describe('images', () => {
  test('every configured tag present: nothing to say, one DescribeImages per service', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ['0.1.0'] }] });
    expect(await imageProblems(config('dev'), new ECRClient({}))).toEqual([]);
    expect(ecr.commandCalls(DescribeImagesCommand).map((call) => call.args[0].input)).toEqual(
      ['web', 'api', 'parser'].map((service) => ({ repositoryName: `cs2analytics-dev/${service}`, imageIds: [{ imageTag: '0.1.0' }] })),
    );
  });

  test('a missing tag says what to push', async () => {
    ecr.on(DescribeImagesCommand).resolves({});
    ecr
      .on(DescribeImagesCommand, { repositoryName: 'cs2analytics-dev/api' })
      .rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));
    expect(await imageProblems(config('dev', { 'images.api.tag': '1.4.2' }), new ECRClient({}))).toEqual([
      'dev: image cs2analytics-dev/api:1.4.2 (images.api.tag) is not in ECR; push it: docker push <account>.dkr.ecr.eu-west-1.amazonaws.com/cs2analytics-dev/api:1.4.2',
    ]);
  });

  test('missing repositories (first deploy) give the order: registry, push, the rest', async () => {
    ecr.on(DescribeImagesCommand).rejects(new RepositoryNotFoundException({ message: 'no repository', $metadata: {} }));
    const problems = await imageProblems(config('staging'), new ECRClient({}));
    expect(problems).toContain('staging: ECR repository cs2analytics-staging/parser does not exist yet');
    expect(problems[problems.length - 1]).toBe(
      'staging: first deploy: create the repositories, push the images, then deploy the rest: npm run deploy -- --env staging --stacks registry, ' +
        'then docker push each image (README, First deploy), then npm run deploy -- --env staging',
    );
  });
});

describe('every problem in one round (each round costs a synth)', () => {
  const clients = () => ({ sts: new STSClient({}), ecr: new ECRClient({}) });
  const PLACEHOLDERS = [
    'prod: loadBalancer.domainName is a domain reserved for examples (cs2.example.com): set the real value in lib/config/environments.ts',
    'prod: loadBalancer.hostedZoneId is an example hosted zone id (Z0123456789EXAMPLE): set the real value in lib/config/environments.ts',
    'prod: monitoring.alarmEmails[0] is a domain reserved for examples (oncall@example.com): set the real value in lib/config/environments.ts',
  ];
  const API_IMAGE_MISSING =
    'prod: image cs2analytics-prod/api:1.4.2 (images.api.tag) is not in ECR; push it: docker push <account>.dkr.ecr.eu-west-1.amazonaws.com/cs2analytics-prod/api:1.4.2';

  test('a deploy with example values and a missing image: both, together', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    ecr.on(DescribeImagesCommand).resolves({});
    ecr
      .on(DescribeImagesCommand, { repositoryName: 'cs2analytics-prod/api' })
      .rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));
    const prod = config('prod', { account: ACCOUNT, 'images.api.tag': '1.4.2' });
    expect(await preflightProblems({ command: 'deploy' }, prod, clients())).toEqual([...PLACEHOLDERS, API_IMAGE_MISSING]);
  });

  test("example values and another account's credentials: both; the images are not looked up in the wrong account", async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999' });
    expect(await preflightProblems({ command: 'deploy' }, config('prod', { account: ACCOUNT }), clients())).toEqual([
      ...PLACEHOLDERS,
      `prod: your credentials are for account 999999999999, but prod is pinned to ${ACCOUNT}`,
    ]);
    expect(ecr.commandCalls(DescribeImagesCommand)).toEqual([]);
  });

  test('diff and destroy check the account only; a deploy without the services stack skips the images', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999' });
    const prod = config('prod', { account: ACCOUNT });
    for (const command of ['diff', 'destroy'] as const) {
      expect(await preflightProblems({ command }, prod, clients())).toEqual([
        `prod: your credentials are for account 999999999999, but prod is pinned to ${ACCOUNT}`,
      ]);
    }
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    expect(await preflightProblems({ command: 'deploy', stacks: ['Registry', 'Data'] }, prod, clients())).toEqual(PLACEHOLDERS);
    expect(ecr.commandCalls(DescribeImagesCommand)).toEqual([]);
  });
});

describe('arguments', () => {
  test("select the environment's stacks inside its Stage, or the ones named", () => {
    expect(stackSelectors(parseDeployArguments(['deploy', '--env', 'prod']))).toEqual(['prod/*']);
    expect(stackSelectors(parseDeployArguments(['deploy', '--env', 'prod', '--stacks', 'registry,Data']))).toEqual([
      'prod/Registry',
      'prod/Data',
    ]);
    expect(parseDeployArguments(['diff', '--env', 'dev', '-c', 'images.api.tag=1.4.2', '--', '--require-approval', 'never'])).toEqual({
      command: 'diff',
      envName: 'dev',
      stacks: undefined,
      context: ['images.api.tag=1.4.2'],
      cdkOptions: ['--require-approval', 'never'],
      verify: false,
    });
    expect(parseDeployArguments(['deploy', '--env=prod']).verify).toBe(true);
    expect(parseDeployArguments(['deploy', '--env', 'prod', '--no-verify']).verify).toBe(false);
  });

  test('refuse what they cannot mean', () => {
    expect(() => parseDeployArguments(['deploy'])).toThrow('--env is required');
    expect(() => parseDeployArguments(['deploy', '--env', 'dev', '--stacks', 'database'])).toThrow('unknown stack database');
    expect(() => parseDeployArguments(['deploy', '--env', 'dev', '-c', 'env=prod'])).toThrow('the environment is --env');
    expect(() => parseDeployArguments(['upgrade', '--env', 'dev'])).toThrow('unknown command upgrade');
    expect(() => parseDeployArguments(['diff', '--env', 'dev', '--no-verify'])).toThrow('--no-verify is an option of deploy');
  });
});

describe('after a deploy that succeeded', () => {
  const rds = mockClient(RDSClient);
  beforeEach(() => {
    rds.reset();
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  });
  const deployed = async (argv: string[], verifyStatus = 0) => {
    const verified: string[] = [];
    const args = parseDeployArguments(argv);
    const result = await runInProcess(
      () =>
        afterDeploy(args, config(args.envName), {
          rds: new RDSClient({}),
          verify: async (checked) => {
            verified.push(checked.envName);
            return verifyStatus;
          },
        }),
      [],
    );
    return { ...result, verified };
  };

  test('a deploy of every stack ends with verify, whose verdict is the exit code', async () => {
    expect(await deployed(['deploy', '--env', 'staging'])).toMatchObject({ status: 0, verified: ['staging'] });
    const failed = await deployed(['deploy', '--env', 'staging'], 1);
    expect(failed).toMatchObject({ status: 1, verified: ['staging'] });
    expect(failed.stderr).toBe('the deploy of staging succeeded, but the environment failed verify (above)\n');
  });

  test('--no-verify, a change set not executed, or some stacks only: no verify', async () => {
    expect(await deployed(['deploy', '--env', 'staging', '--no-verify'])).toMatchObject({ status: 0, verified: [] });
    for (const changeSetOnly of [
      ['--no-execute'],
      ['--execute=false'],
      ['--execute', 'false'],
      ['--method', 'prepare-change-set'],
      ['--method=prepare-change-set'],
    ])
      expect(await deployed(['deploy', '--env', 'staging', '--', ...changeSetOnly])).toMatchObject({ status: 0, verified: [] });
    expect(await deployed(['deploy', '--env', 'staging', '--', '--method', 'direct'])).toMatchObject({ status: 0, verified: ['staging'] });
    const registry = await deployed(['deploy', '--env', 'staging', '--stacks', 'registry']);
    expect(registry).toMatchObject({ status: 0, verified: [] });
    expect(registry.stdout).toBe(
      'some stacks only: once every stack is deployed, check the environment with npm run verify -- --env staging\n',
    );
  });
});
