/**
 * AlarmTopic alone, in a bare stack: who may publish, who is e-mailed, and the logical ids it keeps
 * from when the topic was the monitoring stack's own child.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AlarmTopic } from '../../lib/constructs/alarm-topic';

function bareStack(): Stack {
  const app = new App({ builtinCloudFormationValidation: false });
  return new Stack(app, 'Bare', { env: { account: '111111111111', region: 'eu-west-1' } });
}

function build(emails?: string[]) {
  const stack = bareStack();
  const key = new kms.Key(stack, 'Key');
  const queue = new sqs.Queue(stack, 'Undelivered');
  const alarmTopic = new AlarmTopic(stack, 'AlarmTopic', { envName: 'bare', encryptionKey: key, emails, undeliveredNotifications: queue });
  return { alarmTopic, template: Template.fromStack(stack), stack };
}

describe('AlarmTopic in a bare stack', () => {
  test('CloudWatch alarms and RDS events of this account may publish, over TLS only', () => {
    const { template } = build();
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    const statements = policy.Properties.PolicyDocument.Statement as { Sid?: string; Principal?: { Service?: string }; Condition?: any }[];
    const bySid = Object.fromEntries(statements.map((statement) => [statement.Sid, statement]));
    expect(bySid.AllowCloudwatchToPublish.Principal?.Service).toBe('cloudwatch.amazonaws.com');
    expect(bySid.AllowEventsRdsToPublish.Principal?.Service).toBe('events.rds.amazonaws.com');
    for (const sid of ['AllowCloudwatchToPublish', 'AllowEventsRdsToPublish']) {
      expect(bySid[sid].Condition.StringEquals['aws:SourceAccount']).toBe('111111111111');
      expect(bySid[sid].Condition.ArnLike['aws:SourceArn']).toBeDefined();
    }
    // The environment's alarms only: each is named with its prefix (alarmNamePrefix).
    expect(JSON.stringify(bySid.AllowCloudwatchToPublish.Condition.ArnLike['aws:SourceArn'])).toContain(':alarm:cs2analytics-bare-*');
    expect(JSON.stringify(statements)).toContain('"aws:SecureTransport":"false"');
    const [topic] = Object.values(template.findResources('AWS::SNS::Topic'));
    expect(JSON.stringify(topic.Properties.KmsMasterKeyId)).toMatch(/"Key\w+"/);
  });

  test('each address is e-mailed, undelivered notifications kept in the dead-letter queue; none by default', () => {
    const { template } = build(['oncall@cs2.test', 'lead@cs2.test']);
    const found = Object.values(template.findResources('AWS::SNS::Subscription'));
    expect(found.map((subscription) => subscription.Properties.Endpoint).sort()).toEqual(['lead@cs2.test', 'oncall@cs2.test']);
    for (const subscription of found) expect(subscription.Properties.RedrivePolicy).toBeDefined();
    build().template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('an EventBridge target admits that rule of this account, on the topic and on the dead-letter queue, and grants nothing on the key', () => {
    const stack = bareStack();
    const key = new kms.Key(stack, 'Key');
    const queue = new sqs.Queue(stack, 'Undelivered');
    const alarmTopic = new AlarmTopic(stack, 'AlarmTopic', { envName: 'bare', encryptionKey: key, undeliveredNotifications: queue });
    const rule = new events.Rule(stack, 'Rule', { eventPattern: { source: ['aws.ecs'] } });
    rule.addTarget(alarmTopic.eventTarget({ deadLetterQueue: queue, retryAttempts: 10 }));
    const template = Template.fromStack(stack);
    const ruleId = Object.keys(template.findResources('AWS::Events::Rule'))[0];
    const fromRule = {
      StringEquals: { 'aws:SourceAccount': '111111111111' },
      ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } },
    };
    const eventsStatements = (policy: any) =>
      policy.Properties.PolicyDocument.Statement.filter((statement: any) => statement.Principal?.Service === 'events.amazonaws.com');
    const [topicPolicy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(eventsStatements(topicPolicy)).toEqual([
      {
        // aws-cdk-lib's SnsTopic target named its statement after the rule's unique id; so does this one.
        Sid: 'AllowEventRuleBareRuleADE68A80',
        Action: 'sns:Publish',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Resource: { Ref: expect.stringMatching(/^AlarmTopic/) },
        Condition: fromRule,
      },
    ]);
    const [queuePolicy] = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    expect(eventsStatements(queuePolicy).map((statement: any) => [statement.Action, statement.Condition])).toEqual([
      ['sqs:SendMessage', fromRule],
    ]);
    const [keyResource] = Object.values(template.findResources('AWS::KMS::Key'));
    expect(JSON.stringify(keyResource.Properties.KeyPolicy)).not.toContain('events.amazonaws.com');
    const [target] = Object.values(template.findResources('AWS::Events::Rule'))[0].Properties.Targets;
    expect(target).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 10 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^Undelivered/), 'Arn'] } },
    });
  });

  test('keeps the logical ids the topic, its policy and its subscriptions had as the stack children', () => {
    const { template } = build(['oncall@cs2.test']);
    const before = bareStack();
    const topic = new sns.Topic(before, 'AlarmTopic', { enforceSSL: true });
    topic.addSubscription(new subscriptions.EmailSubscription('oncall@cs2.test'));
    const ids = (t: Template, type: string) => Object.keys(t.findResources(type));
    const old = Template.fromStack(before);
    for (const type of ['AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'AWS::SNS::Subscription'])
      expect(ids(template, type)).toEqual(ids(old, type));
  });
});
