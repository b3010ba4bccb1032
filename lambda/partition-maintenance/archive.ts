import type { ClientBase } from 'pg';
import { ARCHIVE_PREFIX } from '../../lib/contract';

export interface ArchiveTarget {
  readonly bucket: string;
  readonly region: string;
  /** Key prefix; the object is `<prefix>/<schema>/<table>/<partition>.csv`. @default ARCHIVE_PREFIX ('partitions') */
  readonly prefix?: string;
}

export interface ArchiveResult {
  readonly rows: number;
  readonly uri: string;
}

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

/** Whether RDS's S3 export (aws_s3 + aws_commons) is installed in this database. */
export async function canExportToS3(client: ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ available: boolean }>(
    // Up to PostgreSQL 15, to_regprocedure raises (rather than returning NULL) when a type in the
    // signature is missing: the CASE asks for aws_commons' type first.
    `SELECT CASE WHEN to_regtype('aws_commons._s3_uri_1') IS NULL THEN false
        ELSE to_regprocedure('aws_s3.query_export_to_s3(text, aws_commons._s3_uri_1, text)') IS NOT NULL
         AND to_regprocedure('aws_commons.create_s3_uri(text, text, text)') IS NOT NULL END AS available`,
  );
  return rows[0].available;
}

/**
 * Makes sure the S3 export is there: on RDS and Aurora the aws_s3 extension is available but must
 * be created once per database. Returns whether the export can be used.
 */
export async function ensureS3Export(client: ClientBase): Promise<boolean> {
  if (await canExportToS3(client)) return true;
  const { rows } = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'aws_s3'`);
  if (rows.length === 0) return false;
  await client.query('CREATE EXTENSION IF NOT EXISTS aws_s3 CASCADE');
  return canExportToS3(client);
}

/**
 * Exports every row of one (detached) partition to S3 as CSV with `aws_s3.query_export_to_s3`, and
 * checks that the export reports as many rows as the table holds. Throws ArchiveError otherwise:
 * the caller must not drop the partition then.
 */
export async function archivePartition(
  client: ClientBase,
  target: ArchiveTarget,
  partition: { readonly schema: string; readonly name: string; readonly parentTable: string },
): Promise<ArchiveResult> {
  const qualified = `${quoteIdent(partition.schema)}.${quoteIdent(partition.name)}`;
  const key = [target.prefix ?? ARCHIVE_PREFIX, partition.schema, partition.parentTable, `${partition.name}.csv`].join('/');
  const uri = `s3://${target.bucket}/${key}`;
  let expected: number;
  let uploaded: number;
  try {
    const { rows: counted } = await client.query<{ rows: string }>(`SELECT count(*) AS rows FROM ${qualified}`);
    expected = Number(counted[0].rows);
    const { rows } = await client.query<{ rows_uploaded: string }>(
      `SELECT rows_uploaded FROM aws_s3.query_export_to_s3($1, aws_commons.create_s3_uri($2, $3, $4), $5)`,
      [`SELECT * FROM ${qualified}`, target.bucket, key, target.region, 'format csv, header true'],
    );
    uploaded = Number(rows[0]?.rows_uploaded ?? -1);
  } catch (error) {
    throw new ArchiveError(`export of ${qualified} to ${uri} failed: ${(error as Error).message}`);
  }
  if (uploaded !== expected) {
    throw new ArchiveError(`export of ${qualified} to ${uri} wrote ${uploaded} rows, the partition holds ${expected}`);
  }
  return { rows: expected, uri };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
