import { ArnFormat, Names, Stack } from 'aws-cdk-lib';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmNamePrefix } from '../config/names';

export interface AlarmTopicProps {
  /** The environment, in the topic's display name. */
  readonly envName: string;
  /**
   * Encrypts the topic; its key policy must let CloudWatch, EventBridge and RDS events use it (the
   * topic grants nothing on it: EventBridge's use of a key carries no source context, so what holds
   * it to this account differs per service and belongs to the key's owner).
   */
  readonly encryptionKey: kms.IKey;
  /**
   * Who is e-mailed (each address confirms its subscription once).
   * @default - nobody: subscribe on-call tools to the topic's ARN
   */
  readonly emails?: readonly string[];
  /** Where notifications that could not be delivered to a subscriber wait. */
  readonly undeliveredNotifications: sqs.IQueue;
}

/**
 * The encrypted topic every alarm and event rule notifies, with a policy that lets the environment's
 * CloudWatch alarms, this account's RDS event subscriptions and the EventBridge rules given a target
 * by `eventTarget` publish, and its e-mail subscriptions. Every statement names its source: the
 * account (aws:SourceAccount) and the alarms, subscriptions or rule (aws:SourceArn), which these
 * services send when they publish (SNS developer guide, "Example cases for Amazon SNS access control";
 * EventBridge user guide, "Using resource-based policies for Amazon EventBridge").
 *
 * The key and the dead-letter queue come from outside: they are the stack's own children, and
 * moving them here would give them new logical ids (a replaced key, a replaced queue).
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  /** The alarm action that notifies the topic. */
  readonly action: cloudwatchActions.SnsAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    // 'Default': the topic, its policy and its subscriptions keep the logical ids they had as the
    // stack's children (a new topic would need every e-mail subscription confirmed again).
    this.topic = new sns.Topic(this, 'Default', {
      displayName: `CS2 Analytics ${props.envName} alarms`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one: without these statements only EventBridge (which CDK
    // adds for the deployment-failure rule) could publish, and no alarm or RDS event would arrive.
    const stack = Stack.of(this);
    const sources = [
      {
        sid: 'AllowCloudwatchToPublish',
        service: 'cloudwatch.amazonaws.com',
        // The environment's alarms: every one is named with the environment's prefix.
        sourceArn: stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${alarmNamePrefix(props.envName)}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
      {
        sid: 'AllowEventsRdsToPublish',
        service: 'events.rds.amazonaws.com',
        // RDS names the resource an event is about (RDS user guide, "Granting permissions to publish
        // notifications to an Amazon SNS topic"): the subscriptions are for instances and clusters.
        sourceArn: ['db', 'cluster'].map((resource) =>
          stack.formatArn({ service: 'rds', resource, resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ),
      },
    ];
    for (const { sid, service, sourceArn } of sources) {
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': sourceArn } },
        }),
      );
    }
    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue: props.undeliveredNotifications }));
    }
    this.action = new cloudwatchActions.SnsAction(this.topic);
  }

  /**
   * An EventBridge target that publishes a rule's events to the topic, failed deliveries to
   * `deadLetterQueue` after `retryAttempts`. In place of aws-cdk-lib's SnsTopic target, whose grant admits
   * EventBridge for any rule of any account, on the topic and on its key: here the topic admits
   * EventBridge for that one rule of this account, and so does the queue. The key's statement for
   * EventBridge is the key owner's (see encryptionKey).
   */
  eventTarget(options: { readonly deadLetterQueue: sqs.IQueue; readonly retryAttempts: number }): events.IRuleTarget {
    return {
      bind: (rule: events.IRuleRef): events.RuleTargetConfig => {
        const stack = Stack.of(this);
        const ruleArn = rule.ruleRef.ruleArn;
        const fromRule = { StringEquals: { 'aws:SourceAccount': stack.account }, ArnEquals: { 'aws:SourceArn': ruleArn } };
        const sid = `AllowEventRule${Names.nodeUniqueId(rule.node)}`;
        this.topic.addToResourcePolicy(
          new iam.PolicyStatement({
            sid,
            principals: [new iam.ServicePrincipal('events.amazonaws.com')],
            actions: ['sns:Publish'],
            resources: [this.topic.topicArn],
            conditions: fromRule,
          }),
        );
        options.deadLetterQueue.addToResourcePolicy(
          new iam.PolicyStatement({
            sid,
            principals: [new iam.ServicePrincipal('events.amazonaws.com')],
            actions: ['sqs:SendMessage'],
            resources: [options.deadLetterQueue.queueArn],
            conditions: fromRule,
          }),
        );
        return {
          arn: this.topic.topicArn,
          deadLetterConfig: { arn: options.deadLetterQueue.queueArn },
          retryPolicy: { maximumRetryAttempts: options.retryAttempts },
          targetResource: this.topic,
        };
      },
    };
  }
}
