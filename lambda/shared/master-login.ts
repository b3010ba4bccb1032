import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, type ClientConfig } from 'pg';

/** PostgreSQL's invalid_password: the server refused the credentials. */
const INVALID_PASSWORD = '28P01';

/**
 * A session as the master user. The master user's own rotation (hosted, in the same window as the
 * others) sets the new password in the database before it moves AWSCURRENT to it: in between, only
 * the pending value works, and should that rotation fail half-way, the previous one may. So when the
 * current value is refused, the pending and then the previous ones are tried, as AWS's rotation
 * functions connect. Returns the connected client and the settings that worked.
 */
export async function connectAsMaster(
  secrets: Pick<SecretsManagerClient, 'send'>,
  masterSecretId: string,
  configFor: (user: string, password: string) => ClientConfig,
): Promise<{ client: Client; config: ClientConfig }> {
  let refused: Error | undefined;
  for (const stage of ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS']) {
    const value = await secrets
      .send(new GetSecretValueCommand({ SecretId: masterSecretId, VersionStage: stage }))
      .catch((error: Error) => (error.name === 'ResourceNotFoundException' ? undefined : Promise.reject(error)));
    const master = JSON.parse(value?.SecretString ?? '{}') as { username?: string; password?: string };
    if (!master.username || !master.password) {
      if (stage === 'AWSCURRENT' && value) throw new Error('the database secret has no username or password');
      continue;
    }
    const config = configFor(master.username, master.password);
    const client = new Client(config);
    try {
      await client.connect();
      return { client, config };
    } catch (error) {
      await client.end().catch(() => undefined);
      if ((error as { code?: string }).code !== INVALID_PASSWORD) throw error;
      refused = error as Error;
    }
  }
  throw refused ?? new Error(`the secret ${masterSecretId} holds no master credentials`);
}
