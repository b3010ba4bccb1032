import type { ClientBase } from 'pg';

/**
 * Stand-ins for RDS's aws_commons.create_s3_uri and aws_s3.query_export_to_s3, with the same
 * signatures. They run the query for real and record what an upload would have written in
 * aws_s3.standin_objects. aws_s3.standin_mode decides the outcome: 'ok', 'fail' (the export raises)
 * or 'short' (the export reports one row fewer than it read).
 */
export async function installAwsS3StandIn(client: ClientBase, mode: 'ok' | 'fail' | 'short' = 'ok'): Promise<void> {
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS aws_commons;
    CREATE SCHEMA IF NOT EXISTS aws_s3;
    DO $$ BEGIN
      CREATE TYPE aws_commons._s3_uri_1 AS (bucket text, file_path text, region text);
    EXCEPTION WHEN duplicate_object THEN NULL; END $$;
    CREATE OR REPLACE FUNCTION aws_commons.create_s3_uri(s3_bucket text, s3_path text, aws_region text)
    RETURNS aws_commons._s3_uri_1 LANGUAGE sql IMMUTABLE AS $$ SELECT (s3_bucket, s3_path, aws_region)::aws_commons._s3_uri_1 $$;
    CREATE TABLE IF NOT EXISTS aws_s3.standin_objects (uri text PRIMARY KEY, rows bigint NOT NULL, options text);
    CREATE TABLE IF NOT EXISTS aws_s3.standin_mode (mode text NOT NULL);
    CREATE OR REPLACE FUNCTION aws_s3.query_export_to_s3(
      query text, s3_info aws_commons._s3_uri_1, options text DEFAULT NULL::text,
      OUT rows_uploaded bigint, OUT files_uploaded bigint, OUT bytes_uploaded bigint)
    LANGUAGE plpgsql AS $$
    DECLARE v_mode text := (SELECT mode FROM aws_s3.standin_mode LIMIT 1);
    BEGIN
      IF v_mode = 'fail' THEN RAISE EXCEPTION 'stand-in: S3 rejected the upload (AccessDenied)'; END IF;
      EXECUTE 'SELECT count(*) FROM (' || query || ') AS exported' INTO rows_uploaded;
      INSERT INTO aws_s3.standin_objects VALUES
        ('s3://' || (s3_info).bucket || '/' || (s3_info).file_path, rows_uploaded, options)
        ON CONFLICT (uri) DO UPDATE SET rows = EXCLUDED.rows;
      IF v_mode = 'short' THEN rows_uploaded := rows_uploaded - 1; END IF;
      files_uploaded := 1;
      bytes_uploaded := rows_uploaded * 100;
    END $$;
  `);
  await setAwsS3StandInMode(client, mode);
}

export async function setAwsS3StandInMode(client: ClientBase, mode: 'ok' | 'fail' | 'short'): Promise<void> {
  await client.query('DELETE FROM aws_s3.standin_mode');
  await client.query('INSERT INTO aws_s3.standin_mode VALUES ($1)', [mode]);
}
