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

/** What setting up the roles did beyond the roles themselves. */
export interface AppRolesOutcome {
  /** The app's logins that acted as the owner before (an upgrade), whose open sessions were ended. */
  readonly sessionsEnded: readonly string[];
  /** Why their sessions could not be ended, if they could not. */
  readonly sessionsNotEnded?: string;
}

/**
 * Creates or corrects the owner role, the runtime role, the app's logins and the migration login,
 * and gives each login the password given for it. Runs as the master user, after sql/ is installed.
 *
 * A login that was the owner (set up before version 5) keeps the owner's rights in every session it
 * opened before: a session's role is set when it starts, and RDS Proxy keeps its connections to the
 * database open for new clients. Those sessions are ended once the change is committed (the master
 * user may: rds_superuser has pg_signal_backend), so that none serves requests as the owner.
 */
export async function ensureAppRoles(client: ClientBase, roles: AppRoles): Promise<AppRolesOutcome> {
  const logins = roles.logins.map((login) => login.username);
  const { rows: wereOwner } = await client.query<{ rolname: string }>(
    `SELECT r.rolname FROM pg_roles r
     WHERE r.rolname = ANY ($1::name[])
       AND (EXISTS (SELECT 1 FROM pg_roles o WHERE o.rolname = $2 AND pg_has_role(r.oid, o.oid, 'MEMBER'))
            OR EXISTS (SELECT 1 FROM pg_db_role_setting s, unnest(s.setconfig) c WHERE s.setrole = r.oid AND c LIKE 'role=%'))`,
    [logins, roles.owner],
  );
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
  const sessionsEnded = wereOwner.map((row) => row.rolname);
  if (sessionsEnded.length === 0) return { sessionsEnded };
  try {
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY ($1::name[]) AND pid <> pg_backend_pid()',
      [sessionsEnded],
    );
    return { sessionsEnded };
  } catch (error) {
    // The roles are right; only sessions opened before keep the owner's rights until they close.
    return { sessionsEnded: [], sessionsNotEnded: (error as Error).message };
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
