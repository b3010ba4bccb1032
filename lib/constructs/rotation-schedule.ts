import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IDependable } from 'constructs';

export interface RotationScheduleProps {
  readonly secret: secretsmanager.ISecret;
  /** The rotation function; it must already allow Secrets Manager to invoke it for this secret. */
  readonly rotationFunction: lambda.IFunction;
  readonly days: number;
  /**
   * The rotation window's length: a rate() schedule's window starts at midnight UTC, and Secrets
   * Manager rotates at a random time within it.
   */
  readonly windowHours: number;
  /**
   * What must exist before the first rotation, which Secrets Manager starts as soon as the schedule
   * is created: whatever the rotation changes, and whatever reacts to it.
   * @default - nothing
   */
  readonly after?: readonly IDependable[];
}

/**
 * A rotation schedule for a secret of another stack, rotated by a function of another stack. The
 * secret's and the function's stacks (stateful) deploy first; the schedule (stateless) comes last, so
 * that the first rotation, which starts at creation, finds the database roles set up and the services
 * it restarts running. Written as the CloudFormation resource: CDK's RotationSchedule would also
 * grant the function on the secret and add its own invoke permission, which the function's stack
 * holds already (`VpcFunction.allowRotationOf`).
 */
export class RotationSchedule extends Construct {
  readonly schedule: secretsmanager.CfnRotationSchedule;

  constructor(scope: Construct, id: string, props: RotationScheduleProps) {
    super(scope, id);
    if (!Number.isInteger(props.days) || props.days < 1 || props.days > 1000) {
      throw new Error(`${this.node.path}: days must be an integer from 1 to 1000 (got ${props.days})`);
    }
    this.schedule = new secretsmanager.CfnRotationSchedule(this, 'Resource', {
      secretId: props.secret.secretArn,
      rotationLambdaArn: props.rotationFunction.functionArn,
      rotationRules: { scheduleExpression: `rate(${Duration.days(props.days).toDays()} days)`, duration: `${props.windowHours}h` },
      // An update (a new rate) must not rotate on the spot, in the middle of a deploy: Secrets Manager
      // only tests the function (testSecret on a copy of the current value) and keeps the schedule.
      rotateImmediatelyOnUpdate: false,
    });
    for (const dependency of props.after ?? []) this.node.addDependency(dependency);
  }
}
