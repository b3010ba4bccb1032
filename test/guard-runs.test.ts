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
