/**
 * Least privilege across identities: the access matrix computed from the synthesized templates with
 * the real IAM evaluator (test/rehearsal/access-matrix.ts) equals the intended one, written once in
 * docs/security.md, in every environment and engine mode. A new grant anywhere (an identity policy,
 * a key, bucket or topic policy, a function permission, a statement naming a service without a
 * condition on its source, a security-group rule) fails here until the doc says so; each kind of
 * check is shown to fail on templates with one extra grant.
 *
 * `PRINT_ACCESS_MATRIX=1 npx jest test/access-matrix.test.ts` also writes docs/security.md as the
 * templates compute it to /tmp/security.md (or to the path the variable names), keeping each cell's
 * "why" and marking new cells: review it and copy it over.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../lib/config/load';
import {
  appliesTo,
  computeAccessMatrix,
  formatMatrix,
  matrixDifferences,
  MATRIX_BEGIN,
  MATRIX_END,
  OTHER_ACCOUNT,
  parseIntendedMatrix,
  type ComputedCell,
  type VariantTraits,
} from './rehearsal/access-matrix';
import { TemplateModel, type Json } from './rehearsal/template-model';
import { TEST_ACCOUNT } from './support/context';
import { templatesForConfig } from './support/synthesized';
import { VARIANTS } from './support/variants';

const DOC = path.join(__dirname, '..', 'docs', 'security.md');
const doc = () => fs.readFileSync(DOC, 'utf8');

interface Loaded {
  readonly traits: VariantTraits;
  readonly templates: ReadonlyMap<string, Json>;
  readonly model: TemplateModel;
}

const loaded = new Map<string, Loaded>();

/** A variant's templates (synthesized without validators, cached across runs: test/support/synthesized.ts). */
function load(variant: string): Loaded {
  let result = loaded.get(variant);
  if (!result) {
    const definition = VARIANTS.find((candidate) => candidate.name === variant)!;
    const config = loadConfig({ envName: definition.envName, overrides: definition.overrides, defaultAccount: TEST_ACCOUNT });
    const templates = templatesForConfig(config);
    result = {
      traits: { name: variant, environment: config.envName, engine: config.database.engine },
      templates,
      model: modelOf(templates, config.region),
    };
    loaded.set(variant, result);
  }
  return result;
}

function modelOf(templates: ReadonlyMap<string, Json>, region: string): TemplateModel {
  return new TemplateModel(
    [...templates].map(([stackName, template]) => ({ stackName, template, dependencies: [] })),
    { account: TEST_ACCOUNT, region },
  );
}

const computed = new Map<string, Promise<ComputedCell[]>>();
const matrixOf = (variant: string) => {
  if (!computed.has(variant))
    computed.set(
      variant,
      computeAccessMatrix(load(variant).model).then((matrix) => matrix.cells),
    );
  return computed.get(variant)!;
};

/** What docs/security.md intends for a variant. */
function intendedFor(variant: string) {
  return parseIntendedMatrix(doc()).filter((cell) => appliesTo(cell.onlyIn, load(variant).traits));
}

describe.each(VARIANTS.map((variant) => variant.name))('access matrix of %s', (variant) => {
  test('equals the intended matrix of docs/security.md', async () => {
    const differences = matrixDifferences(await matrixOf(variant), intendedFor(variant));
    // `+` lines: grants the doc does not intend; `-` lines: intended grants the templates no longer make.
    expect(differences).toEqual([]);
  });
});

describe('docs/security.md', () => {
  test('every row holds in some variant, and says why', () => {
    const traits = VARIANTS.map((variant) => load(variant.name).traits);
    const cells = parseIntendedMatrix(doc());
    expect(cells.length).toBeGreaterThan(50);
    expect(cells.filter((cell) => !traits.some((variant) => appliesTo(cell.onlyIn, variant)))).toEqual([]);
    expect(cells.filter((cell) => !cell.why || cell.why.startsWith('NEW'))).toEqual([]);
  });

  test('the matrix is not vacuous: roles, service principals and the network are all in', async () => {
    const cells = await matrixOf('prod');
    const identities = new Set(cells.map((cell) => cell.identity));
    for (const identity of ['Services/ApiExecutionRole', 'Data/DatabaseProxyRole', 'events.amazonaws.com', 'service api'])
      expect(identities).toContain(identity);
    expect(new Set(cells.map((cell) => cell.group))).toEqual(
      new Set(['secrets', 'keys', 'buckets', 'functions', 'messaging', 'ecs', 'pass-role', 'file-systems', 'network']),
    );
  });
});

// ---------------------------------------------------------------- one extra grant, one changed cell

type Templates = Record<string, Json>;

/** The variant's templates with a fault put in: `mutate` edits a copy of every stack's template, by tier. */
function withFault(variant: string, mutate: (templates: Templates, clean: TemplateModel) => void): TemplateModel {
  const { templates, model } = load(variant);
  const copies = new Map([...templates].map(([name, template]) => [name, structuredClone(template)]));
  mutate(Object.fromEntries([...copies].map(([name, template]) => [name.split('-').pop()!, template])), model);
  return modelOf(copies, model.region);
}

/** The logical id of the one resource of a type whose logical id starts with `prefix`. */
function logicalId(template: Json, type: string, prefix: string): string {
  const ids = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === type && id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`${ids.length} ${type} resources start with ${prefix}: ${ids.join(', ')}`);
  return ids[0];
}

/** What AWS would call a resource of the clean templates (an ARN, a group id). */
function attribute(model: TemplateModel, type: string, prefix: string, name: string): string {
  const resource = model.resources(type).filter((candidate) => candidate.logicalId.startsWith(prefix));
  if (resource.length !== 1) throw new Error(`${resource.length} ${type} resources start with ${prefix}`);
  return model.attribute(resource[0], name);
}

/** An extra policy attached to a role of the same template. */
function grant(template: Json, rolePrefix: string, statements: Json[]): void {
  template.Resources.ExtraGrant = {
    Type: 'AWS::IAM::Policy',
    Properties: {
      PolicyName: 'extra-grant',
      Roles: [{ Ref: logicalId(template, 'AWS::IAM::Role', rolePrefix) }],
      PolicyDocument: { Version: '2012-10-17', Statement: statements },
    },
  };
}

const secretOf = (model: TemplateModel, name: string) => {
  const secret = model.resources('AWS::SecretsManager::Secret').find((candidate) => model.physicalName(candidate).endsWith(`/${name}`));
  if (!secret) throw new Error(`no secret named */${name}`);
  return model.attribute(secret, 'Ref');
};
const viaSecretsManager = (model: TemplateModel) => ({
  StringEquals: { 'kms:ViaService': `secretsmanager.${model.region}.amazonaws.com` },
});

/** The cells a faulty variant changes against the intended matrix: `+ identity: capability` or `- ...`. */
async function changedCells(variant: string, faulty: TemplateModel): Promise<string[]> {
  const differences = matrixDifferences((await computeAccessMatrix(faulty)).cells, intendedFor(variant));
  return differences.map((line) => line.replace(/^([+-]) (.*?) (can|cannot) (.*?), which docs.*$/, '$1 $2: $4'));
}

const FAULTS: { name: string; variant: string; mutate: (templates: Templates, clean: TemplateModel) => void; changed: string[] }[] = [
  {
    name: 'the web task role reads the master secret',
    variant: 'prod',
    mutate: (templates, clean) =>
      grant(templates.services, 'WebTaskRole', [
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretOf(clean, 'database/master') },
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: attribute(clean, 'AWS::KMS::Key', 'DataKey', 'Arn'),
          Condition: viaSecretsManager(clean),
        },
      ]),
    changed: ['+ Services/WebTaskRole: read secret database/master'],
  },
  {
    name: "another account in the data key's policy",
    variant: 'prod-instance',
    mutate: (templates) =>
      templates.data.Resources[logicalId(templates.data, 'AWS::KMS::Key', 'DataKey')].Properties.KeyPolicy.Statement.push({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
        Action: 'kms:Decrypt',
        Resource: '*',
      }),
    changed: ['+ another account: decrypt with key Data/DataKey'],
  },
  {
    name: 'another account may delete archived partitions',
    variant: 'staging',
    mutate: (templates) =>
      templates.data.Resources[
        logicalId(templates.data, 'AWS::S3::BucketPolicy', 'PartitionArchiveBucketPolicy')
      ].Properties.PolicyDocument.Statement.push({
        Effect: 'Allow',
        Principal: { AWS: OTHER_ACCOUNT },
        Action: 's3:DeleteObject',
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(templates.data, 'AWS::S3::Bucket', 'PartitionArchiveBucket'), 'Arn'] }, '/*']],
        },
      }),
    changed: ['+ another account: delete in bucket Data/PartitionArchive'],
  },
  {
    name: 'another account may invoke the maintenance function',
    variant: 'dev',
    mutate: (templates) => {
      templates.maintenance.Resources.ExtraPermission = {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: {
            'Fn::GetAtt': [logicalId(templates.maintenance, 'AWS::Lambda::Function', 'PartitionMaintenanceFunction'), 'Arn'],
          },
          Principal: OTHER_ACCOUNT,
        },
      };
    },
    changed: ['+ another account: invoke Maintenance/PartitionMaintenanceFunction'],
  },
  {
    name: "EventBridge's permission on the connections function without its source rule",
    variant: 'prod',
    mutate: (templates) => {
      const refresh = logicalId(templates.services, 'AWS::Lambda::Function', 'ConnectionsRefreshFunction');
      const permission = Object.values<Json>(templates.services.Resources).find(
        (resource) =>
          resource.Type === 'AWS::Lambda::Permission' &&
          resource.Properties.Principal === 'events.amazonaws.com' &&
          JSON.stringify(resource.Properties.FunctionName).includes(refresh),
      );
      delete permission.Properties.SourceArn;
    },
    changed: ['+ events.amazonaws.com for another account: invoke Services/ConnectionsRefreshFunction'],
  },
  {
    name: 'the API task role publishes to the alarm topic',
    variant: 'staging',
    mutate: (templates, clean) =>
      grant(templates.services, 'ApiTaskRole', [
        { Effect: 'Allow', Action: 'sns:Publish', Resource: attribute(clean, 'AWS::SNS::Topic', 'AlarmTopic', 'TopicArn') },
        {
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: clean
            .resources('AWS::KMS::Key')
            .filter((key) => key.stack.stackName.endsWith('-monitoring'))
            .map((key) => clean.attribute(key, 'Arn')),
          Condition: { StringEquals: { 'kms:ViaService': `sns.${clean.region}.amazonaws.com` } },
        },
      ]),
    changed: ['+ Services/ApiTaskRole: publish to Monitoring/AlarmTopic'],
  },
  {
    name: 'the web task role scales the API',
    variant: 'prod-instance',
    mutate: (templates) =>
      grant(templates.services, 'WebTaskRole', [
        { Effect: 'Allow', Action: 'ecs:UpdateService', Resource: `arn:aws:ecs:*:${TEST_ACCOUNT}:service/*/cs2analytics-prod-api` },
      ]),
    changed: ['+ Services/WebTaskRole: ecs:UpdateService api'],
  },
  {
    name: "the parser's task role passes the API's task role",
    variant: 'dev',
    mutate: (templates, clean) =>
      grant(templates.services, 'ParserTaskRole', [
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: attribute(clean, 'AWS::IAM::Role', 'ApiTaskRole', 'Arn') },
      ]),
    changed: ['+ Services/ParserTaskRole: iam:PassRole Services/ApiTaskRole'],
  },
  {
    name: 'the web service let into the proxy',
    variant: 'dev',
    mutate: (templates, clean) => {
      templates.services.Resources.ExtraIngress = {
        Type: 'AWS::EC2::SecurityGroupIngress',
        Properties: {
          GroupId: attribute(clean, 'AWS::EC2::SecurityGroup', 'DatabaseProxySecurityGroup', 'GroupId'),
          SourceSecurityGroupId: {
            'Fn::GetAtt': [logicalId(templates.services, 'AWS::EC2::SecurityGroup', 'WebSecurityGroup'), 'GroupId'],
          },
          IpProtocol: 'tcp',
          FromPort: 5432,
          ToPort: 5432,
        },
      };
    },
    changed: ['+ service web: connect to proxy:5432'],
  },
];

describe('each check fails on templates with one extra grant', () => {
  test.each(FAULTS.map((fault) => [fault.name, fault] as const))('%s', async (_name, fault) => {
    expect(await changedCells(fault.variant, withFault(fault.variant, fault.mutate))).toEqual(fault.changed);
  });

  test('reading a secret takes its key too: GetSecretValue alone changes nothing, Decrypt through Secrets Manager completes it', async () => {
    const getOnly = withFault('prod', (templates, clean) =>
      grant(templates.services, 'WebTaskRole', [
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretOf(clean, 'database/master') },
      ]),
    );
    expect(await changedCells('prod', getOnly)).toEqual([]);
  });

  test("the file system's policy is a gate: an allow for another account lets it mount and write, never as root", async () => {
    const granted = withFault('prod', (templates) =>
      templates.data.Resources[
        logicalId(templates.data, 'AWS::EFS::FileSystem', 'DemoFilesFileSystem')
      ].Properties.FileSystemPolicy.Statement.push({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
        Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite', 'elasticfilesystem:ClientRootAccess'],
      }),
    );
    // Root stays refused to everyone (DenyRootAccess).
    expect(await changedCells('prod', granted)).toEqual([
      '+ another account: mount file system Data/DemoFilesFileSystem',
      '+ another account: write file system Data/DemoFilesFileSystem',
    ]);
  });
});

// ---------------------------------------------------------------- printing the doc

(process.env.PRINT_ACCESS_MATRIX ? test : test.skip)('print docs/security.md as the templates compute it', async () => {
  const variants = VARIANTS.map((variant) => load(variant.name).traits);
  const cells = new Map<string, ComputedCell[]>();
  for (const variant of variants) cells.set(variant.name, await matrixOf(variant.name));
  const current = doc();
  const section = formatMatrix(cells, variants, parseIntendedMatrix(current));
  const updated =
    current.slice(0, current.indexOf(MATRIX_BEGIN)) + section + current.slice(current.indexOf(MATRIX_END) + MATRIX_END.length);
  const target = process.env.PRINT_ACCESS_MATRIX === '1' ? '/tmp/security.md' : process.env.PRINT_ACCESS_MATRIX!;
  fs.writeFileSync(target, updated);
  process.stdout.write(`access matrix written to ${target}\n`);
});
