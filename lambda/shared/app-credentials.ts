/**
 * The application's database credentials secret, as the app-credential rotation writes it and the
 * connection-values refresh reads it: two logins, one of them current (postgres-app.ts says why two).
 */
export interface AppCredentials {
  readonly engine: 'postgres';
  /** The current login. */
  readonly username: string;
  /** Its password (written by rotation; the login's own secret is the source of truth). */
  readonly password?: string;
  readonly dbname: string;
  /** The writer, for the password change (a real session as the master user). */
  readonly host: string;
  readonly port: number;
  /** The proxy the applications connect through. */
  readonly proxyHost: string;
  readonly proxyPort: number;
  /** The master user's secret, which changes the passwords. */
  readonly masterarn: string;
  /** Each login, and the secret RDS Proxy knows it by. */
  readonly logins: Readonly<Record<string, string>>;
}
