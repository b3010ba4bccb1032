import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { acknowledge, SECRET_ROTATION_RULES } from '../compliance/acknowledge';
import { clusterName, connectionValuesSecretName, ecsServiceName, SERVICES_USING } from '../config/names';
import { ROTATION_ENVIRONMENT as ROTATION } from '../contract';
import type { VpcFunction } from './vpc-function';

/** A credential the services use and a rotation function changes: the services restart on its new value. */
export type RotatedCredential = keyof typeof SERVICES_USING;

export interface CredentialRotationOptions {
  readonly envName: string;
  readonly kind: RotatedCredential;
  /** The key of the secret, which the function uses through Secrets Manager only. */
  readonly encryptionKey: kms.IKey;
}

/**
 * Makes `fn` the rotation function of `secret`: it may use the secret's key through Secrets Manager,
 * Secrets Manager may invoke it for that secret only, and it refuses to rotate while the services
 * that use the secret have not caught up. The schedule itself is created in the services stack
 * (RotationSchedule), which deploys last.
 */
export function rotateCredentialWith(fn: VpcFunction, secret: secretsmanager.ISecret, options: CredentialRotationOptions): void {
  fn.role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [options.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(fn).region}.amazonaws.com` } },
    }),
  );
  // The new value is drawn by Secrets Manager, which has no resource to scope GetRandomPassword to.
  fn.role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] }));
  fn.allowRotationOf(secret);
  checkServicesBeforeRotating(fn, options.envName, options.kind);
  acknowledge(secret, {
    reason:
      'Rotated by this function on a schedule in the services stack (RotationSchedule), which deploys last: the first ' +
      'rotation starts when the schedule is created and needs the app roles and the services it restarts (a test checks the schedule)',
    rules: SECRET_ROTATION_RULES,
  });
}

/**
 * What a rotation function needs to refuse a rotation while the services still run on the
 * credential it would change (lambda/credential-rotation/caught-up.ts): when the connection values
 * made of that credential were last written (their secret's versions, read without decrypting), and
 * the services' deployments. By name: both live in the services stack, deployed after this one.
 */
function checkServicesBeforeRotating(fn: VpcFunction, envName: string, kind: RotatedCredential): void {
  const stack = Stack.of(fn);
  const services = SERVICES_USING[kind].map((service) => ecsServiceName(envName, service));
  fn.function.addEnvironment(ROTATION.connectionValuesSecretName, connectionValuesSecretName(envName, kind));
  fn.function.addEnvironment(ROTATION.credentialKind, kind);
  fn.function.addEnvironment(ROTATION.cluster, clusterName(envName));
  fn.function.addEnvironment(ROTATION.services, JSON.stringify(services));
  fn.role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['secretsmanager:ListSecretVersionIds'],
      // Secrets Manager appends six random characters to a secret's name in its ARN.
      resources: [
        stack.formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: `${connectionValuesSecretName(envName, kind)}-??????`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  );
  fn.role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['ecs:DescribeServices'],
      resources: services.map((service) =>
        stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${clusterName(envName)}/${service}` }),
      ),
    }),
  );
}
