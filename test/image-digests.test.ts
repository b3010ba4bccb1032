/**
 * Promotion by digest (issue 25, item 3): `images.<service>.tag` holds a tag or an image digest; the
 * services run a digest as `<repository uri>@sha256:...`; the preflight looks a digest up by digest;
 * the services stack outputs the image each service runs (WebImage, ApiImage, ParserImage).
 */
import { DescribeImagesCommand, ECRClient, ImageNotFoundException } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError, loadConfig } from '../lib/config/load';
import { imageReference, isImageDigest, OPERATOR_OUTPUTS, stackName } from '../lib/config/names';
import { imageProblems } from '../scripts/lib/preflight';
import { TEST_ACCOUNT } from './support/context';
import { templatesForConfig } from './support/synthesized';

type Json = any;

const DIGEST = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';
const OTHER_DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

const config = (envName: string, overrides: Record<string, unknown> = {}) =>
  loadConfig({ envName, overrides, defaultAccount: TEST_ACCOUNT });

/** The one line a refused value gives. */
function refusal(envName: string, overrides: Record<string, unknown>): string[] {
  try {
    config(envName, overrides);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error(`${JSON.stringify(overrides)} was accepted`);
}

describe('the schema: images.<service>.tag is a tag or a digest', () => {
  test('a digest is accepted as written, for each service', () => {
    const accepted = config('prod', { 'images.web.tag': DIGEST, 'images.api.tag': OTHER_DIGEST, 'images.parser.tag': DIGEST });
    expect(accepted.images).toEqual({ web: { tag: DIGEST }, api: { tag: OTHER_DIGEST }, parser: { tag: DIGEST } });
  });

  test('tags are still accepted', () => {
    expect(config('staging', { 'images.api.tag': '1.4.2' }).images.api.tag).toBe('1.4.2');
    expect(config('staging', { 'images.api.tag': 'sha256-looking_tag.1' }).images.api.tag).toBe('sha256-looking_tag.1');
  });

  test.each([
    [
      'upper-case hex',
      'sha256:4F53CDA18C2BAA0C0354BB5F9A3ECBE5ED12AB4D8E11BA873C2F11161202B945',
      'prod: images.api.tag must be an image digest: sha256: and 64 lower-case hex digits (got "sha256:4F53CDA18C2BAA0C0354BB5F9A3ECBE5ED12AB4D8E11BA873C2F11161202B945")',
    ],
    [
      'a short digest',
      'sha256:4f53cda18c2b',
      'prod: images.api.tag must be an image digest: sha256: and 64 lower-case hex digits (got "sha256:4f53cda18c2b")',
    ],
    [
      'a digest one digit too long',
      `${DIGEST}0`,
      `prod: images.api.tag must be an image digest: sha256: and 64 lower-case hex digits (got "${DIGEST}0")`,
    ],
    [
      'a digest with its repository',
      `cs2analytics-prod/api@${DIGEST}`,
      `prod: images.api.tag must be a Docker image tag, e.g. 1.4.2 (got "cs2analytics-prod/api@${DIGEST}")`,
    ],
    [
      'another algorithm',
      'sha512:4f53cda18c2baa0c',
      'prod: images.api.tag must be a Docker image tag, e.g. 1.4.2 (got "sha512:4f53cda18c2baa0c")',
    ],
  ])('%s is refused, naming the environment and the field', (_, value, message) => {
    expect(refusal('prod', { 'images.api.tag': value })).toEqual([message]);
  });

  test('the names module tells a digest from a tag, and writes the reference as Docker does', () => {
    expect([isImageDigest(DIGEST), isImageDigest('1.4.2'), isImageDigest('sha256:abc')]).toEqual([true, false, false]);
    expect(imageReference('cs2analytics-prod/api', DIGEST)).toBe(`cs2analytics-prod/api@${DIGEST}`);
    expect(imageReference('cs2analytics-prod/api', '1.4.2')).toBe('cs2analytics-prod/api:1.4.2');
  });
});

describe('the services stack runs a digest by digest', () => {
  const promoted = config('prod', { 'images.api.tag': DIGEST });
  const services: Json = templatesForConfig(promoted).get(stackName('prod', 'Services'));
  const registry = `${TEST_ACCOUNT}.dkr.ecr.eu-west-1.`;

  /** The image every container of a task definition family runs, the registry's reference shown as <repository>. */
  function imagesOf(family: string): string[] {
    const definitions = Object.values<Json>(services.Resources).filter(
      (resource) => resource.Type === 'AWS::ECS::TaskDefinition' && resource.Properties.Family === family,
    );
    expect(definitions).toHaveLength(1);
    return definitions[0].Properties.ContainerDefinitions.map((container: Json) => written(container.Image));
  }

  /** An image's Fn::Join as text, the repository's cross-stack reference as <repository>. */
  function written(image: Json): string {
    const [separator, parts] = image['Fn::Join'];
    expect(separator).toBe('');
    return parts
      .map((part: Json) =>
        typeof part === 'string'
          ? part
          : part.Ref === 'AWS::URLSuffix'
            ? 'amazonaws.com'
            : part['Fn::GetStackOutput']
              ? '<repository>'
              : '?',
      )
      .join('');
  }

  test('the API, its scratch-volume preparation and the migrations: <repository uri>@sha256:...', () => {
    expect(imagesOf('cs2analytics-prod-api')).toEqual([
      `${registry}amazonaws.com/<repository>@${DIGEST}`,
      `${registry}amazonaws.com/<repository>@${DIGEST}`,
    ]);
    expect(imagesOf('cs2analytics-prod-migrations')).toEqual([
      `${registry}amazonaws.com/<repository>@${DIGEST}`,
      `${registry}amazonaws.com/<repository>@${DIGEST}`,
    ]);
  });

  test('web and parser keep their tag: <repository uri>:<tag>', () => {
    expect(imagesOf('cs2analytics-prod-web')).toEqual([
      `${registry}amazonaws.com/<repository>:0.1.0`,
      `${registry}amazonaws.com/<repository>:0.1.0`,
    ]);
    expect(imagesOf('cs2analytics-prod-parser')).toEqual([
      `${registry}amazonaws.com/<repository>:0.1.0`,
      `${registry}amazonaws.com/<repository>:0.1.0`,
    ]);
  });

  test('the outputs name the image each service runs, as its task definition does', () => {
    const outputs = services.Outputs;
    expect([OPERATOR_OUTPUTS.webImage.name, OPERATOR_OUTPUTS.apiImage.name, OPERATOR_OUTPUTS.parserImage.name]).toEqual([
      'WebImage',
      'ApiImage',
      'ParserImage',
    ]);
    // The repository by its name (an output cannot carry the registry stack's reference, which the
    // container's image holds: CloudFormation does not resolve one in an output).
    expect(written(outputs.ApiImage.Value)).toBe(`${registry}amazonaws.com/cs2analytics-prod/api@${DIGEST}`);
    expect(written(outputs.WebImage.Value)).toBe(`${registry}amazonaws.com/cs2analytics-prod/web:0.1.0`);
    expect(written(outputs.ParserImage.Value)).toBe(`${registry}amazonaws.com/cs2analytics-prod/parser:0.1.0`);
    expect(JSON.stringify(outputs)).not.toContain('Fn::GetStackOutput');
    // The same repository as the container's: the registry stack names it cs2analytics-prod/api.
    const registryTemplate = templatesForConfig(config('prod', { 'images.api.tag': DIGEST })).get(stackName('prod', 'Registry'));
    const repositories = Object.values<Json>(registryTemplate.Resources).filter((resource) => resource.Type === 'AWS::ECR::Repository');
    expect(repositories.map((repository) => repository.Properties.RepositoryName).sort()).toEqual([
      'cs2analytics-prod/api',
      'cs2analytics-prod/parser',
      'cs2analytics-prod/web',
    ]);
    expect(outputs.ApiImage.Description).toBe('The image the api service runs (images.api.tag): by digest (@sha256:...) or by tag');
  });

  test('with tags only, every output holds <repository uri>:<tag>', () => {
    const outputs = templatesForConfig(config('dev')).get(stackName('dev', 'Services')).Outputs;
    for (const name of ['WebImage', 'ApiImage', 'ParserImage']) {
      const service = name.replace('Image', '').toLowerCase();
      expect([name, written(outputs[name].Value)]).toEqual([name, `${registry}amazonaws.com/cs2analytics-dev/${service}:0.1.0`]);
    }
  });
});

describe('the preflight looks a digest up by digest', () => {
  const ecr = mockClient(ECRClient);
  beforeEach(() => ecr.reset());

  test('one DescribeImages per service: imageDigest for a digest, imageTag for a tag', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST }] });
    expect(await imageProblems(config('staging', { 'images.api.tag': DIGEST }), new ECRClient({}))).toEqual([]);
    expect(ecr.commandCalls(DescribeImagesCommand).map((call) => call.args[0].input)).toEqual([
      { repositoryName: 'cs2analytics-staging/web', imageIds: [{ imageTag: '0.1.0' }] },
      { repositoryName: 'cs2analytics-staging/api', imageIds: [{ imageDigest: DIGEST }] },
      { repositoryName: 'cs2analytics-staging/parser', imageIds: [{ imageTag: '0.1.0' }] },
    ]);
  });

  test('a digest not in the repository says how to copy it there, keeping the digest', async () => {
    ecr.on(DescribeImagesCommand).resolves({});
    ecr
      .on(DescribeImagesCommand, { repositoryName: 'cs2analytics-prod/parser' })
      .rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));
    expect(await imageProblems(config('prod', { 'images.parser.tag': DIGEST }), new ECRClient({}))).toEqual([
      `prod: image cs2analytics-prod/parser@${DIGEST} (images.parser.tag) is not in ECR; copy that image there under a tag, ` +
        'which keeps its digest (untagged images expire): docker buildx imagetools create --prefer-index=false ' +
        `--tag <account>.dkr.ecr.eu-west-1.amazonaws.com/cs2analytics-prod/parser:<tag> <repository it ran from>@${DIGEST}`,
    ]);
  });
});
