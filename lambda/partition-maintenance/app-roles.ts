import type { ClientBase } from 'pg';
import { LOGIN_PASSWORDS_LOCK_KEY } from '../../lib/contract';

/** A LOGIN role, with the password its secret holds (left as it is when not given). */
export interface AppLogin {
  readonly username: string;
  readonly password?: string;
}

/** The application's database roles (see sql/005_least_privilege_roles.sql). */
export interface AppRoles {
  /** The NOLOGIN role that owns everything the app creates. */
  readonly owner: string;
  /** The NOLOGIN role with what serving requests needs: DML on the owner's tables, no DDL. */
  readonly runtimeRole: string;
  /** The LOGIN roles the app serves requests as (two, for the rotation): members of `runtimeRole` alone. */
  readonly logins: readonly AppLogin[];
  /** The LOGIN role the app's migrations run as: a member of `owner`, and `owner` from its login on. */
  readonly migrationLogin: AppLogin & { readonly connectionLimit: number };
  /** Connections each of `logins` may hold at once. */
  readonly connectionLimit: number;
}

/**
 * Creates or corrects the owner role, the runtime role, the app's logins and the migration login,
 * and gives each login the password given for it. Runs as the master user, after sql/ is installed.
 */
export async function ensureAppRoles(client: ClientBase, roles: AppRoles): Promise<void> {
  await client.query('SELECT partition_maintenance.ensure_app_roles($1::name, $2::name, $3::name[], $4::name, $5::integer, $6::integer)', [
    roles.owner,
    roles.runtimeRole,
    roles.logins.map((login) => login.username),
    roles.migrationLogin.username,
    roles.connectionLimit,
    roles.migrationLogin.connectionLimit,
  ]);
  for (const login of [...roles.logins, roles.migrationLogin]) {
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
