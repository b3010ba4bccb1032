import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** The environment, in the topic's display name. */
  readonly envName: string;
  /** Encrypts the topic; its key policy must let CloudWatch, EventBridge and RDS events use it. */
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
 * The encrypted topic every alarm and event rule notifies, with a policy that lets CloudWatch alarms
 * and RDS event subscriptions of this account publish, and its e-mail subscriptions.
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
        sourceArn: stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
      {
        sid: 'AllowEventsRdsToPublish',
        service: 'events.rds.amazonaws.com',
        sourceArn: stack.formatArn({ service: 'rds', resource: 'es', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
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
}
