import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge, type Acknowledgement } from '../compliance/acknowledge';

/** The validator rules that ask every queue for a dead-letter queue of its own. */
const OWN_DEAD_LETTER_QUEUE_RULES: Acknowledgement['rules'] = {
  AwsSolutions: ['AwsSolutions-SQS3'],
  'cdk-validator-cfnguard': ['sqs_dlq_check'],
  Serverless: ['Serverless-SQSRedrivePolicy'],
};

export interface DeadLetterQueueProps {
  /** Encrypts the messages; whoever sends to the queue must be allowed to use it. */
  readonly encryptionKey: kms.IKey;
  /** Whose failures it keeps, for the acknowledgements, e.g. `the maintenance function`. */
  readonly deadLettersOf: string;
}

/**
 * A KMS-encrypted, TLS-only queue that keeps failed events 14 days (SQS's maximum), acknowledged as
 * the dead-letter queue it is: a dead-letter queue has none of its own. Created directly in `scope`,
 * so its logical id is what a plain `new sqs.Queue(scope, id)` would get.
 */
export function deadLetterQueue(scope: Construct, id: string, props: DeadLetterQueueProps): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: props.encryptionKey,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(queue, {
    reason: `This queue is the dead-letter queue of ${props.deadLettersOf}: it has none of its own`,
    rules: OWN_DEAD_LETTER_QUEUE_RULES,
  });
  return queue;
}
