-- CS2 Analytics partition maintenance, version 1.
--
-- Monthly range partitions for big event tables (the original 02-partitioning.sql, and what
-- TimescaleDB's hypertables did automatically). Installed and upgraded by the maintenance job
-- (lambda/partition-maintenance); safe to run any number of times.
--
-- For operators in psql (same names and meaning as the original):
--   SELECT partition_maintenance.create_monthly_partition('"GameEvent"', date '2026-12-01');
--   SELECT * FROM partition_maintenance.ensure_future_partitions('"GameEvent"', 3);
--   SELECT * FROM partition_maintenance.drop_old_partitions('"GameEvent"', 12);
-- A table is given as SQL names it: '"GameEvent"' or 'analytics."GameEvent"' (an unquoted
-- mixed-case name such as 'GameEvent' is also found). All month arithmetic is in UTC.
--
-- Lock levels (on the parent table): CREATE TABLE ... (LIKE parent) takes ACCESS SHARE and ATTACH
-- PARTITION takes SHARE UPDATE EXCLUSIVE, so creating a month never blocks the application's reads
-- and writes, nor waits for them. Retiring a month without blocking needs DETACH PARTITION
-- CONCURRENTLY, which cannot run inside a function: the job issues it itself.

CREATE SCHEMA IF NOT EXISTS partition_maintenance;

CREATE TABLE IF NOT EXISTS partition_maintenance.schema_version (
  version integer PRIMARY KEY,
  description text NOT NULL,
  installed_at timestamptz NOT NULL DEFAULT now()
);

-- One row per partition the job retires, from the moment it starts detaching it until it is
-- dropped, so that a pass killed at any point knows, next time, where it stopped.
CREATE TABLE IF NOT EXISTS partition_maintenance.retirement (
  partition_schema text NOT NULL,
  partition_name text NOT NULL,
  parent_table text NOT NULL,
  range_start timestamp,
  range_end timestamp NOT NULL,
  state text NOT NULL CHECK (state IN ('detaching', 'detached', 'archived', 'dropped', 'reattached')),
  rows_archived bigint,
  archive_uri text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partition_schema, partition_name)
);

-- Finds a table from the way SQL names it; a clear error if there is none. It runs with the
-- caller's search_path (as do the three operator functions that call it), so that an unqualified
-- name means what it means in the caller's session; everything else pins pg_catalog.
CREATE OR REPLACE FUNCTION partition_maintenance.resolve_table(p_table text)
RETURNS regclass
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_table regclass;
BEGIN
  v_table := to_regclass(p_table);
  IF v_table IS NULL AND p_table !~ '[".]' THEN
    v_table := to_regclass(quote_ident(p_table));
  END IF;
  IF v_table IS NULL THEN
    RAISE EXCEPTION 'table % does not exist', p_table USING ERRCODE = 'undefined_table';
  END IF;
  RETURN v_table;
END;
$$;

-- The partition column and its type; a clear error unless the table is range-partitioned by one
-- timestamp, timestamptz or date column.
CREATE OR REPLACE FUNCTION partition_maintenance.partition_key(
  p_parent regclass,
  OUT column_name text,
  OUT column_type text
)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_strategy "char";
  v_columns int2vector;
BEGIN
  SELECT pt.partstrat, pt.partattrs INTO v_strategy, v_columns
  FROM pg_partitioned_table pt
  WHERE pt.partrelid = p_parent;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table % is not partitioned: convert it first (npm run maintenance -- convert)', p_parent
      USING ERRCODE = 'wrong_object_type';
  END IF;
  IF v_strategy <> 'r' OR array_length(v_columns::int2[], 1) <> 1 OR v_columns[0] = 0 THEN
    RAISE EXCEPTION 'table % must be partitioned by RANGE on a single column', p_parent
      USING ERRCODE = 'feature_not_supported';
  END IF;
  SELECT a.attname, format_type(a.atttypid, NULL) INTO column_name, column_type
  FROM pg_attribute a
  WHERE a.attrelid = p_parent AND a.attnum = v_columns[0];
  IF column_type NOT IN ('timestamp without time zone', 'timestamp with time zone', 'date') THEN
    RAISE EXCEPTION 'table % is partitioned by % of type %: monthly partitions need a timestamp, timestamptz or date column',
      p_parent, quote_ident(column_name), column_type
      USING ERRCODE = 'feature_not_supported';
  END IF;
END;
$$;

-- A partition bound printed by pg_get_expr, as a UTC timestamp. NULL for MINVALUE, 'infinity' for MAXVALUE.
CREATE OR REPLACE FUNCTION partition_maintenance.bound_to_utc(p_bound text, p_type text)
RETURNS timestamp
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_literal text;
BEGIN
  IF p_bound = 'MINVALUE' THEN
    RETURN NULL;
  ELSIF p_bound = 'MAXVALUE' THEN
    RETURN 'infinity'::timestamp;
  END IF;
  v_literal := replace(substr(p_bound, 2, length(p_bound) - 2), '''''', '''');
  RETURN CASE p_type
    WHEN 'timestamp with time zone' THEN v_literal::timestamptz AT TIME ZONE 'UTC'
    WHEN 'date' THEN v_literal::date::timestamp
    ELSE v_literal::timestamp
  END;
END;
$$;

-- A UTC instant as a bound literal of the column's type. timestamptz bounds carry an explicit
-- +00 so that they mean UTC whatever the session's time zone.
CREATE OR REPLACE FUNCTION partition_maintenance.bound_literal(p_at timestamp, p_type text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT quote_literal(CASE p_type
    WHEN 'timestamp with time zone' THEN to_char(p_at, 'YYYY-MM-DD HH24:MI:SS') || '+00'
    WHEN 'date' THEN to_char(p_at, 'YYYY-MM-DD')
    ELSE to_char(p_at, 'YYYY-MM-DD HH24:MI:SS')
  END);
$$;

-- Every partition of a table with its range in UTC.
CREATE OR REPLACE FUNCTION partition_maintenance.partitions(p_parent regclass)
RETURNS TABLE (
  partition regclass,
  partition_schema text,
  partition_name text,
  is_default boolean,
  detach_pending boolean,
  range_start timestamp,
  range_end timestamp
)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_type text := (partition_maintenance.partition_key(p_parent)).column_type;
BEGIN
  RETURN QUERY
  SELECT c.oid::regclass, n.nspname::text, c.relname::text,
         b.expr = 'DEFAULT', i.inhdetachpending,
         CASE WHEN b.expr = 'DEFAULT' THEN NULL ELSE partition_maintenance.bound_to_utc(m[1], v_type) END,
         CASE WHEN b.expr = 'DEFAULT' THEN NULL ELSE partition_maintenance.bound_to_utc(m[2], v_type) END
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) b
  LEFT JOIN LATERAL regexp_match(b.expr, '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') m ON true
  WHERE i.inhparent = p_parent
  ORDER BY 6 NULLS FIRST, 3;
END;
$$;

-- The name of a month's partition: <table>_pYYYY_MM, shortened with a hash to PostgreSQL's 63 bytes.
CREATE OR REPLACE FUNCTION partition_maintenance.partition_name(p_table text, p_month timestamp)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_suffix text := '_p' || to_char(p_month, 'YYYY_MM');
  v_prefix text := p_table;
BEGIN
  IF octet_length(v_prefix || v_suffix) <= 63 THEN
    RETURN v_prefix || v_suffix;
  END IF;
  v_suffix := '_' || left(md5(p_table), 8) || v_suffix;
  WHILE octet_length(v_prefix || v_suffix) > 63 LOOP
    v_prefix := left(v_prefix, length(v_prefix) - 1);
  END LOOP;
  RETURN v_prefix || v_suffix;
END;
$$;

-- Creates the partition of one month (UTC) as a plain table, then attaches it: never an ACCESS
-- EXCLUSIVE lock on the parent. Returns the new partition's name, or NULL when a partition already
-- covers that month. Refuses, with a clear error, a month that overlaps another partition
-- (SQLSTATE PM002) or whose rows sit in the DEFAULT partition (PM001): moving them is an
-- operator's decision, never a silent side effect.
CREATE OR REPLACE FUNCTION partition_maintenance.create_month(p_parent regclass, p_month date)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_key record := partition_maintenance.partition_key(p_parent);
  v_start timestamp := date_trunc('month', p_month::timestamp);
  v_end timestamp := date_trunc('month', p_month::timestamp) + interval '1 month';
  v_schema text;
  v_table text;
  v_name text;
  v_existing record;
  v_default regclass;
  v_has_rows boolean;
BEGIN
  SELECT n.nspname, c.relname INTO v_schema, v_table
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = p_parent;

  FOR v_existing IN SELECT * FROM partition_maintenance.partitions(p_parent) p WHERE NOT p.is_default LOOP
    -- Already covered: by its own partition, or by a wider one (the legacy partition of a conversion).
    IF coalesce(v_existing.range_start, '-infinity'::timestamp) <= v_start AND v_existing.range_end >= v_end THEN
      RETURN NULL;
    END IF;
    IF coalesce(v_existing.range_start, '-infinity'::timestamp) < v_end AND v_existing.range_end > v_start THEN
      RAISE EXCEPTION 'month % of % overlaps partition %', to_char(v_start, 'YYYY-MM'), p_parent, v_existing.partition
        USING ERRCODE = 'PM002';
    END IF;
  END LOOP;

  SELECT p.partition INTO v_default FROM partition_maintenance.partitions(p_parent) p WHERE p.is_default;
  IF v_default IS NOT NULL THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I >= %s AND %I < %s)',
      v_default, v_key.column_name, partition_maintenance.bound_literal(v_start, v_key.column_type),
      v_key.column_name, partition_maintenance.bound_literal(v_end, v_key.column_type))
      INTO v_has_rows;
    IF v_has_rows THEN
      RAISE EXCEPTION 'month % of % not created: its DEFAULT partition % holds rows of that month; move them out first',
        to_char(v_start, 'YYYY-MM'), p_parent, v_default
        USING ERRCODE = 'PM001';
    END IF;
  END IF;

  v_name := partition_maintenance.partition_name(v_table, v_start);
  -- LIKE copies columns, defaults, constraints and indexes (the indexes then match the parent's
  -- and are attached rather than built); identity stays with the parent, which routes inserts.
  EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING ALL EXCLUDING IDENTITY)', v_schema, v_name, p_parent);
  EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%s) TO (%s)',
    p_parent, v_schema, v_name,
    partition_maintenance.bound_literal(v_start, v_key.column_type),
    partition_maintenance.bound_literal(v_end, v_key.column_type));
  RETURN v_name;
END;
$$;

-- Attaches a detached month again (after a failed archive): a CHECK constraint matching the bounds
-- lets ATTACH skip its validation scan; the constraint is dropped afterwards.
CREATE OR REPLACE FUNCTION partition_maintenance.reattach_month(p_parent regclass, p_partition regclass, p_start timestamp, p_end timestamp)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_key record := partition_maintenance.partition_key(p_parent);
  v_lower text := CASE WHEN p_start IS NULL THEN 'MINVALUE' ELSE partition_maintenance.bound_literal(p_start, v_key.column_type) END;
  v_upper text := partition_maintenance.bound_literal(p_end, v_key.column_type);
BEGIN
  EXECUTE format('ALTER TABLE %s ADD CONSTRAINT partition_maintenance_bounds CHECK (%I IS NOT NULL %s AND %I < %s)',
    p_partition, v_key.column_name,
    CASE WHEN p_start IS NULL THEN '' ELSE format('AND %I >= %s', v_key.column_name, v_lower) END,
    v_key.column_name, v_upper);
  EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%s) TO (%s)', p_parent, p_partition, v_lower, v_upper);
  EXECUTE format('ALTER TABLE %s DROP CONSTRAINT partition_maintenance_bounds', p_partition);
END;
$$;

-- Months after the current one (UTC) covered by partitions without a gap.
CREATE OR REPLACE FUNCTION partition_maintenance.months_ahead(p_parent regclass, p_current_month date)
RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_month timestamp := date_trunc('month', p_current_month::timestamp) + interval '1 month';
  v_ahead integer := 0;
BEGIN
  LOOP
    PERFORM 1 FROM partition_maintenance.partitions(p_parent) p
    WHERE NOT p.is_default AND NOT p.detach_pending
      AND coalesce(p.range_start, '-infinity'::timestamp) <= v_month AND p.range_end >= v_month + interval '1 month';
    EXIT WHEN NOT FOUND OR v_ahead >= 1200;
    v_ahead := v_ahead + 1;
    v_month := v_month + interval '1 month';
  END LOOP;
  RETURN v_ahead;
END;
$$;

-- The original create_monthly_partition(table, date): the partition of the month holding p_date.
CREATE OR REPLACE FUNCTION partition_maintenance.create_monthly_partition(p_table text, p_date date)
RETURNS text
LANGUAGE sql
AS $$
  SELECT partition_maintenance.create_month(partition_maintenance.resolve_table(p_table), p_date);
$$;

-- The original ensure_future_partitions(table, months): the current month (UTC) and p_months
-- after it. Returns the partitions it created.
CREATE OR REPLACE FUNCTION partition_maintenance.ensure_future_partitions(p_table text, p_months integer DEFAULT 3)
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
  v_parent regclass := partition_maintenance.resolve_table(p_table);
  v_current date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  v_created text;
BEGIN
  IF p_months IS NULL OR p_months < 0 THEN
    RAISE EXCEPTION 'months ahead must be 0 or more (got %)', p_months USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN 0..p_months LOOP
    v_created := partition_maintenance.create_month(v_parent, (v_current + make_interval(months => i))::date);
    IF v_created IS NOT NULL THEN
      RETURN NEXT v_created;
    END IF;
  END LOOP;
END;
$$;

-- The original drop_old_partitions(table, retention_months): drops every partition whose whole
-- range ends on or before the first day of the current month (UTC) minus the retention. For
-- operators: it detaches with a plain DETACH (an ACCESS EXCLUSIVE lock, bounded here by a 1 s
-- lock_timeout) and archives nothing. The scheduled job detaches CONCURRENTLY and can archive first.
CREATE OR REPLACE FUNCTION partition_maintenance.drop_old_partitions(p_table text, p_retention_months integer)
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
  v_parent regclass := partition_maintenance.resolve_table(p_table);
  v_cutoff timestamp;
  v_partition record;
BEGIN
  IF p_retention_months IS NULL OR p_retention_months < 1 THEN
    RAISE EXCEPTION 'retention must be at least 1 month (got %)', p_retention_months USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_cutoff := date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => p_retention_months);
  SET LOCAL lock_timeout = '1s';
  FOR v_partition IN
    SELECT * FROM partition_maintenance.partitions(v_parent) p WHERE NOT p.is_default AND p.range_end <= v_cutoff
  LOOP
    EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', v_parent, v_partition.partition);
    EXECUTE format('DROP TABLE %s', v_partition.partition);
    RETURN NEXT v_partition.partition_schema || '.' || v_partition.partition_name;
  END LOOP;
END;
$$;

INSERT INTO partition_maintenance.schema_version (version, description)
VALUES (1, 'monthly partitions: create, retire, journal, operator functions')
ON CONFLICT (version) DO NOTHING;
