import * as fs from 'fs';
import * as path from 'path';
import { planGuardRuns, type CfnTemplate, type GuardRuleFile } from '../lib/compliance/guard-runs';

const rule = (file: string, ...resourceTypes: string[]): GuardRuleFile => ({ file, resourceTypes: new Set(resourceTypes) });
const resourceIds = (template: CfnTemplate) => Object.keys(template.Resources ?? {});

/** A function with its role, a bucket it reads, and resources it never names. */
const template: CfnTemplate = {
  AWSTemplateFormatVersion: '2010-09-09',
  Parameters: { BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>' } },
  Outputs: { BucketName: { Value: { Ref: 'Bucket' } } },
  Resources: {
    Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
    Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } } },
    Role: { Type: 'AWS::IAM::Role', Properties: { Description: { 'Fn::Sub': 'reads ${Bucket} in ${AWS::Region}, not ${!Literal}' } } },
    Policy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }] } },
    Function: {
      Type: 'AWS::Lambda::Function',
      DependsOn: 'Policy',
      Properties: { Role: { 'Fn::GetAtt': 'Role.Arn' }, Environment: { Variables: { REGION: { Ref: 'AWS::Region' } } } },
    },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
    // Each reached one way only: Fn::GetAtt's string form, Fn::Sub with a variables map.
    QueueAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmActions: [{ 'Fn::GetAtt': 'Queue.Arn' }] } },
    TopicAlarm: { Type: 'AWS::CloudWatch::CompositeAlarm', Properties: { AlarmRule: { 'Fn::Sub': ['${Topic} ${Name}', { Name: 'x' }] } } },
  },
};

describe('planGuardRuns', () => {
  test('puts every rule file in exactly one run, in the given order within a run', () => {
    const rules = [rule('a', 'AWS::S3::Bucket'), rule('b', 'AWS::SQS::Queue'), rule('c', 'AWS::S3::Bucket'), rule('d', 'AWS::SNS::Topic')];
    for (const perRun of [0, 25, 1e6]) {
      const runs = planGuardRuns(template, rules, { perRun, perRuleFile: 0.5, perRuleFileAndKiB: 0.16 });
      expect(runs.flatMap((run) => run.rules).sort()).toEqual(['a', 'b', 'c', 'd']);
      for (const run of runs) expect([...run.rules]).toEqual([...run.rules].sort());
    }
  });

  test('a run keeps the resources of the types its rule files name and all they refer to, transitively', () => {
    const [run] = planGuardRuns(template, [rule('lambda', 'AWS::Lambda::Function')]);
    // Function -> Policy (DependsOn) and Role (Fn::GetAtt "Role.Arn"); Role -> Bucket (Fn::Sub);
    // Bucket -> Key (Fn::GetAtt [Key, Arn]). Pseudo parameters and ${!Literal} are not resources.
    expect(resourceIds(run.template).sort()).toEqual(['Bucket', 'Function', 'Key', 'Policy', 'Role']);
    const [queues] = planGuardRuns(template, [rule('sqs', 'AWS::SQS::Queue')]);
    expect(resourceIds(queues.template)).toEqual(['Queue']);
    const [queueAlarm] = planGuardRuns(template, [rule('alarm', 'AWS::CloudWatch::Alarm')]);
    expect(resourceIds(queueAlarm.template)).toEqual(['Queue', 'QueueAlarm']);
    const [topicAlarm] = planGuardRuns(template, [rule('composite', 'AWS::CloudWatch::CompositeAlarm')]);
    expect(resourceIds(topicAlarm.template)).toEqual(['Topic', 'TopicAlarm']);
  });

  test('a run keeps every section but Resources as it is, and resources unchanged and in order', () => {
    const [run] = planGuardRuns(template, [rule('s3', 'AWS::S3::Bucket'), rule('sns', 'AWS::SNS::Topic')], {
      perRun: 1e6,
      perRuleFile: 0,
      perRuleFileAndKiB: 0,
    });
    const { Resources, ...sections } = run.template;
    const { Resources: allResources, ...allSections } = template;
    expect(sections).toEqual(allSections);
    expect(Object.keys(Resources!)).toEqual(['Key', 'Bucket', 'Topic']);
    for (const id of Object.keys(Resources!)) expect(Resources![id]).toBe(allResources![id]);
  });

  test('rule files that name the same types share a run; runs merge only when a process start costs more than reading', () => {
    const rules = [rule('s3-1', 'AWS::S3::Bucket'), rule('sqs', 'AWS::SQS::Queue'), rule('s3-2', 'AWS::S3::Bucket')];
    const runsWith = (perRun: number) =>
      planGuardRuns(template, rules, { perRun, perRuleFile: 0.5, perRuleFileAndKiB: 1000 }).map((run) => run.rules);
    expect(runsWith(0)).toEqual([['s3-1', 's3-2'], ['sqs']]);
    expect(runsWith(1e9)).toEqual([['s3-1', 'sqs', 's3-2']]);
  });

  test('a template without resources gives one run per group, with the template as it is', () => {
    const empty: CfnTemplate = { Description: 'nothing' };
    const runs = planGuardRuns(empty, [rule('a', 'AWS::S3::Bucket')]);
    expect(runs).toEqual([{ rules: ['a'], template: empty }]);
    expect(planGuardRuns(template, [])).toEqual([]);
  });
});

describe('the Control Tower rule files read resources only as the runs assume', () => {
  const rulesDir = path.join(
    path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
    'rules',
    'control-tower',
    'cfn-guard',
  );
  const ruleFiles = fs
    .readdirSync(rulesDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.guard'))
    .map((file) => ({ file, text: fs.readFileSync(path.join(rulesDir, file), 'utf8').replace(/#.*$/gm, '') }));

  test("every selection from the template's Resources is by a type it names or by a key", () => {
    expect(ruleFiles.length).toBeGreaterThan(200);
    const unexpected = ruleFiles.flatMap(({ file, text }) =>
      // `Resources.*[ filter ]` or `Resources[ filter ]` at the top of a query (not a property named Resources).
      [...text.matchAll(/(?:^|[\s(%.]doc\.|[\s(])Resources(\.\*)?\s*\[([^\]]*)\]/gm)]
        .map((match) => match[2].trim())
        .filter((filter) => !/^Type\s*==/.test(filter) && !/^keys\s*==\s*%\w+$/.test(filter))
        .map((filter) => `${file}: [${filter}]`),
    );
    // ct-eks-pr-2 reads `EncryptionConfig[*].Resources[*]` of a cluster: a property named Resources, not the template's.
    expect(unexpected).toEqual(['eks/ct-eks-pr-2.guard: [*]']);
  });

  test('no rule file reads Parameters, Outputs, Conditions or Mappings of the template', () => {
    const sections = ruleFiles.filter(({ text }) =>
      /(?:^|[\s(]|%\w+\.)(Parameters|Outputs|Conditions|Mappings)\s*(\.|\[|exists|not|\{)/m.test(text),
    );
    // Some resources have a property named Parameters (Redshift, RDS parameter groups): only those files may say it.
    expect(sections.map(({ file }) => file).filter((file) => !/redshift|rds/.test(file))).toEqual([]);
  });
});
