import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export type Secrets = Pick<SecretsManagerClient, 'send'>;

export async function secretJson<T>(
  secrets: Secrets,
  secretId: string,
  stage: { VersionStage?: string; VersionId?: string } = { VersionStage: 'AWSCURRENT' },
): Promise<T> {
  const value = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...stage }));
  return JSON.parse(value.SecretString ?? '{}') as T;
}
