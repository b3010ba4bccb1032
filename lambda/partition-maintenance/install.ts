import type { ClientBase } from 'pg';
import { loadSqlFiles, type SqlFile } from './sql-files';

export interface InstallResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly string[];
}

/** The installed version of sql/, 0 when nothing is installed. */
export async function installedVersion(client: ClientBase): Promise<number> {
  const { rows: exists } = await client.query<{ table: string | null }>(
    `SELECT to_regclass('partition_maintenance.schema_version')::text AS table`,
  );
  if (!exists[0].table) return 0;
  const { rows } = await client.query<{ version: number }>(
    'SELECT coalesce(max(version), 0) AS version FROM partition_maintenance.schema_version',
  );
  return Number(rows[0].version);
}

/**
 * Installs or upgrades sql/: applies, in order, every file newer than the installed version, each
 * in its own transaction. With `inTransaction`, the caller has opened the transaction (a dry run
 * that will roll back) and files are applied inside it.
 */
export async function installSql(
  client: ClientBase,
  options: { inTransaction?: boolean; files?: readonly SqlFile[] } = {},
): Promise<InstallResult> {
  const files = options.files ?? loadSqlFiles();
  const from = await installedVersion(client);
  const applied: string[] = [];
  for (const file of files.filter((candidate) => candidate.version > from)) {
    if (!options.inTransaction) await client.query('BEGIN');
    try {
      await client.query(file.text);
      if (!options.inTransaction) await client.query('COMMIT');
    } catch (error) {
      if (!options.inTransaction) await client.query('ROLLBACK');
      throw new Error(`installing ${file.name} failed: ${(error as Error).message}`, { cause: error });
    }
    applied.push(file.name);
  }
  return { from, to: files.length ? Math.max(from, ...files.map((file) => file.version)) : from, applied };
}
