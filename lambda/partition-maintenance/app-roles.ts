import type { ClientBase } from 'pg';
import { LOGIN_PASSWORDS_LOCK_KEY } from '../../lib/contract';

/** The application's database roles (see sql/002_app_roles.sql). */
export interface AppRoles {
  /** The NOLOGIN role that owns everything the app creates. */
  readonly owner: string;
  /** The LOGIN roles the app uses, with the passwords their secrets hold. */
  readonly logins: readonly { readonly username: string; readonly password?: string }[];
  /** Connections each login may hold at once. */
  readonly connectionLimit: number;
}

/**
 * Creates or corrects the owner role and the app's logins, and gives each login the password its
 * secret holds (the secrets are the source of truth: rotation writes them, a deploy repeats them).
 * Runs as the master user, after sql/ is installed.
 */
export async function ensureAppRoles(client: ClientBase, roles: AppRoles): Promise<void> {
  await client.query('SELECT partition_maintenance.ensure_app_roles($1::name, $2::name[], $3::integer)', [
    roles.owner,
    roles.logins.map((login) => login.username),
    roles.connectionLimit,
  ]);
  for (const login of roles.logins) {
    if (login.password === undefined) continue;
    // ALTER ROLE takes no bind parameters: the literal is escaped by the driver.
    await client.query(`ALTER ROLE ${client.escapeIdentifier(login.username)} PASSWORD ${client.escapeLiteral(login.password)}`);
  }
}

/**
 * Gives each login the password its secret holds now: read under the lock a rotation holds while it
 * changes a password and its secret, so a rotation finishing meanwhile is never undone.
 */
export async function syncLoginPasswords(
  client: ClientBase,
  usernames: readonly string[],
  passwordOf: (username: string) => Promise<string>,
): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1::bigint)', [LOGIN_PASSWORDS_LOCK_KEY]);
  try {
    for (const username of usernames) {
      const password = await passwordOf(username);
      await client.query(`ALTER ROLE ${client.escapeIdentifier(username)} PASSWORD ${client.escapeLiteral(password)}`);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOGIN_PASSWORDS_LOCK_KEY]).catch(() => undefined);
  }
}
