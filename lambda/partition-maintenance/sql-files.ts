import * as fs from 'fs';
import * as path from 'path';

export interface SqlFile {
  readonly version: number;
  readonly name: string;
  readonly text: string;
}

/**
 * The versioned SQL files (`NNN_<what>.sql`), in order. In the Lambda bundle they sit next to the
 * code (copied at bundling); from the repository they are in sql/ at its root.
 */
export function loadSqlFiles(directory = findSqlDirectory()): SqlFile[] {
  return fs
    .readdirSync(directory)
    .filter((file) => /^\d{3}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file,
      text: fs.readFileSync(path.join(directory, file), 'utf8'),
    }));
}

export function findSqlDirectory(): string {
  const candidates = [
    process.env.PARTITION_MAINTENANCE_SQL_DIR,
    path.join(__dirname, 'sql'),
    path.join(__dirname, '..', '..', 'sql'),
  ].filter((candidate): candidate is string => Boolean(candidate));
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`sql/ not found (looked in ${candidates.join(', ')})`);
  return found;
}
