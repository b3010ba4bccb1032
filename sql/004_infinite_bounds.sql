-- CS2 Analytics partition maintenance, version 4: bounds at '-infinity' or 'infinity' written back
-- as such. Safe to run any number of times.
--
-- bound_literal formats a UTC instant as a bound of the column's type with to_char, which gives NULL
-- for an infinite timestamp: attaching back a month bounded FROM ('-infinity') (after its archive
-- or its DROP failed) built a statement with an empty bound and failed, leaving the month detached.

CREATE OR REPLACE FUNCTION partition_maintenance.bound_literal(p_at timestamp, p_type text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT quote_literal(CASE
    WHEN NOT isfinite(p_at) THEN p_at::text
    WHEN p_type = 'timestamp with time zone' THEN to_char(p_at, 'YYYY-MM-DD HH24:MI:SS') || '+00'
    WHEN p_type = 'date' THEN to_char(p_at, 'YYYY-MM-DD')
    ELSE to_char(p_at, 'YYYY-MM-DD HH24:MI:SS')
  END);
$$;

INSERT INTO partition_maintenance.schema_version (version, description)
VALUES (4, 'infinite partition bounds written back as such')
ON CONFLICT (version) DO NOTHING;
