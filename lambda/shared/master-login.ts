import { GetSecretValueCommand, ListSecretVersionIdsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, type ClientConfig } from 'pg';

/** PostgreSQL's invalid_password: the server refused the credentials. */
const INVALID_PASSWORD = '28P01';

interface MasterValue {
  readonly username?: string;
  readonly password?: string;
}

/**
 * A session as the master user. The master user's own rotation (hosted, in the same window as the
 * others) sets the new password in the database before it moves AWSCURRENT to it: in between, only
 * the pending value works, and should that rotation fail half-way, the previous one may. So when the
 * current value is refused, the pending and then the previous ones are tried, as AWS's rotation
 * functions connect.
 *
 * A database restored to a point in time (database.restore) holds the master password of that time,
 * which may be older still: an unlabelled version of the secret. Then the older versions are tried,
 * newest first, and the one that works sets the password back to the current value, so that the
 * secret is right again for everyone (the hosted rotation included). Returns the connected client, the
 * settings that work from now on, and the version the password was set back from, if it was.
 */
export async function connectAsMaster(
  secrets: Pick<SecretsManagerClient, 'send'>,
  masterSecretId: string,
  configFor: (user: string, password: string) => ClientConfig,
): Promise<{ client: Client; config: ClientConfig; realignedFrom?: string }> {
  let refused: Error | undefined;
  let current: MasterValue | undefined;
  const attempt = async (master: MasterValue): Promise<{ client: Client; config: ClientConfig } | undefined> => {
    const config = configFor(master.username!, master.password!);
    const client = new Client(config);
    try {
      await client.connect();
      return { client, config };
    } catch (error) {
      await client.end().catch(() => undefined);
      if ((error as { code?: string }).code !== INVALID_PASSWORD) throw error;
      refused = error as Error;
      return undefined;
    }
  };
  for (const stage of ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS']) {
    const value = await secrets
      .send(new GetSecretValueCommand({ SecretId: masterSecretId, VersionStage: stage }))
      .catch((error: Error) => (error.name === 'ResourceNotFoundException' ? undefined : Promise.reject(error)));
    const master = JSON.parse(value?.SecretString ?? '{}') as MasterValue;
    if (!master.username || !master.password) {
      if (stage === 'AWSCURRENT' && value) throw new Error('the database secret has no username or password');
      continue;
    }
    if (stage === 'AWSCURRENT') current = master;
    const connected = await attempt(master);
    if (connected) return connected;
  }
  if (current) {
    for (const versionId of await unlabelledVersions(secrets, masterSecretId)) {
      const value = await secrets.send(new GetSecretValueCommand({ SecretId: masterSecretId, VersionId: versionId }));
      const master = JSON.parse(value.SecretString ?? '{}') as MasterValue;
      if (!master.password || master.username !== current.username) continue;
      const connected = await attempt(master);
      if (!connected) continue;
      await connected.client.query(
        `ALTER ROLE ${connected.client.escapeIdentifier(current.username!)} WITH PASSWORD ${connected.client.escapeLiteral(current.password!)}`,
      );
      return { client: connected.client, config: configFor(current.username!, current.password!), realignedFrom: versionId };
    }
  }
  throw refused ?? new Error(`the secret ${masterSecretId} holds no master credentials`);
}

/** The secret's versions without a staging label, newest first. */
async function unlabelledVersions(secrets: Pick<SecretsManagerClient, 'send'>, secretId: string): Promise<string[]> {
  const versions: { id: string; created: number }[] = [];
  let token: string | undefined;
  do {
    const page = await secrets.send(new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true, NextToken: token }));
    for (const version of page.Versions ?? []) {
      if (version.VersionId && (version.VersionStages ?? []).length === 0)
        versions.push({ id: version.VersionId, created: version.CreatedDate?.getTime() ?? 0 });
    }
    token = page.NextToken;
  } while (token);
  return versions.sort((a, b) => b.created - a.created).map((version) => version.id);
}
