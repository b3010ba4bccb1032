import { GetRandomPasswordCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Client, type ClientConfig } from 'pg';
import { LOGIN_PASSWORDS_LOCK_KEY, PASSWORD_EXCLUDED_CHARACTERS } from '../../lib/contract';
import { connectAsMaster } from '../shared/master-login';
import type { AppCredentials } from '../shared/app-credentials';
import { secretJson, type Secrets } from '../shared/secrets';
import { waitFor } from '../shared/wait-for';
import type { Rotator } from './rotation';

export interface PostgresAppOptions {
  readonly secrets: Secrets;
  /** TLS to the writer and the proxy (`verify-full` in AWS; tests against a local server disable it). */
  readonly tls: 'verify-full' | 'disable';
  /** How long the proxy may take to accept a new password. @default 5 minutes */
  readonly proxyWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export function otherLogin(credentials: AppCredentials): string {
  const logins = Object.keys(credentials.logins);
  if (logins.length !== 2 || !logins.includes(credentials.username)) {
    throw new Error(
      `the app secret must name two logins, one of them current (current ${credentials.username}, logins ${logins.join(', ')})`,
    );
  }
  return logins.find((login) => login !== credentials.username)!;
}

function connection(
  options: PostgresAppOptions,
  host: string,
  port: number,
  database: string,
  user: string,
  password: string,
): ClientConfig {
  return {
    host,
    port,
    database,
    user,
    password,
    ssl: options.tls === 'verify-full' ? { rejectUnauthorized: true, servername: host } : false,
    connectionTimeoutMillis: 10_000,
    application_name: 'cs2-credential-rotation',
  };
}

async function loginWorks(config: ClientConfig): Promise<boolean> {
  const client = new Client(config);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The application's database credentials, rotated between two logins, each registered with RDS Proxy
 * through a secret of its own. RDS Proxy does not support Secrets Manager's alternating-users
 * strategy (it knows a user only through a secret registered for it; "Amazon RDS Proxy does not
 * support the alternating users strategy", Secrets Manager user guide), so this is the same outcome
 * built for the proxy: each rotation gives a new password to the login that is not in use, writes
 * it to that login's proxy secret, proves it works directly and through the proxy, then makes that
 * login current. The login in use keeps its password until the next rotation, by which time every
 * task has been restarted on the new one.
 */
export function postgresAppRotator(options: PostgresAppOptions): Rotator<AppCredentials> {
  const { secrets } = options;
  return {
    async create(current) {
      const { RandomPassword: password } = await secrets.send(
        new GetRandomPasswordCommand({ PasswordLength: 32, ExcludeCharacters: PASSWORD_EXCLUDED_CHARACTERS }),
      );
      if (!password) throw new Error('Secrets Manager returned no password');
      return { ...current, username: otherLogin(current), password };
    },

    async set(pending, current) {
      if (pending.username === current.username)
        throw new Error(`refusing to change the password of ${pending.username}, the login in use`);
      const direct = connection(options, pending.host, pending.port, pending.dbname, pending.username, pending.password!);
      const { client } = await connectAsMaster(secrets, pending.masterarn, (user, password) =>
        connection(options, pending.host, pending.port, pending.dbname, user, password),
      );
      try {
        // The password and the login's secret change together, under the lock the deploy-time run
        // takes to set passwords from the secrets: it never undoes this half-way.
        await client.query('SELECT pg_advisory_lock($1::bigint)', [LOGIN_PASSWORDS_LOCK_KEY]);
        // A rerun after a failure: the password may be set already; then only the login's secret is left.
        if (!(await loginWorks(direct))) {
          await client.query(`ALTER ROLE ${client.escapeIdentifier(pending.username)} PASSWORD ${client.escapeLiteral(pending.password!)}`);
        }
        // The proxy authenticates the login against this secret.
        const loginSecret = pending.logins[pending.username];
        const stored = await secretJson<{ username?: string; password?: string }>(secrets, loginSecret);
        if (stored.password !== pending.password) {
          await secrets.send(
            new PutSecretValueCommand({
              SecretId: loginSecret,
              SecretString: JSON.stringify({ username: pending.username, password: pending.password }),
            }),
          );
        }
      } finally {
        // Ending the session releases the lock.
        await client.end().catch(() => undefined);
      }
    },

    async test(pending) {
      const direct = connection(options, pending.host, pending.port, pending.dbname, pending.username, pending.password!);
      if (!(await loginWorks(direct))) throw new Error(`${pending.username} cannot log in to the writer with the new password`);
      // The proxy reads the login's secret again before it accepts the new password: wait for it.
      await waitFor(
        `RDS Proxy to accept the new password of ${pending.username}`,
        () => loginWorks(connection(options, pending.proxyHost, pending.proxyPort, pending.dbname, pending.username, pending.password!)),
        { timeoutMs: options.proxyWaitMs ?? 300_000, intervalMs: 10_000, sleep: options.sleep },
      );
    },
  };
}
