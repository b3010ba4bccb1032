-- CS2 Analytics partition maintenance, version 2: the application's database roles, and monthly
-- partitions owned by their table's owner. Safe to run any number of times.
--
-- The design: the application logs in as one of two LOGIN roles (two, so that one can get a new
-- password while the other is in use: see the README, credential rotation). Both are members of one
-- NOLOGIN owner role, and each becomes that role at login (ALTER ROLE ... SET role): every object the
-- app's migrations create belongs to the owner role, whichever login ran them. The maintenance job
-- logs in as the master user, which is a member of the owner role too (INHERIT): it may attach,
-- detach and drop the partitions of the app's tables, which PostgreSQL allows only to the table's
-- owner, and the partitions it creates are given to that owner, so that the app's migrations can
-- still alter the whole table. Neither login is a superuser or a member of rds_superuser, and
-- neither can use this schema.

-- Takes away the administrative attributes a role may have been given by hand. A role created here
-- never has them (CREATE ROLE's defaults); naming them in ALTER ROLE at all needs a superuser, which
-- RDS's master user is not, so only those present are named.
CREATE OR REPLACE FUNCTION partition_maintenance.drop_role_attributes(p_role name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_attributes text;
BEGIN
  SELECT concat_ws(' ',
      CASE WHEN rolsuper THEN 'NOSUPERUSER' END, CASE WHEN rolcreatedb THEN 'NOCREATEDB' END,
      CASE WHEN rolcreaterole THEN 'NOCREATEROLE' END, CASE WHEN rolreplication THEN 'NOREPLICATION' END,
      CASE WHEN rolbypassrls THEN 'NOBYPASSRLS' END)
    INTO v_attributes FROM pg_roles WHERE rolname = p_role;
  IF v_attributes <> '' THEN
    EXECUTE format('ALTER ROLE %I %s', p_role, v_attributes);
  END IF;
END;
$$;

-- Creates or corrects the owner role and the application logins; run by the job at every deploy
-- with the configured names and connection limit. Objects of schema public that the calling (master)
-- user owns, from before the app had its own roles, are handed to the owner role.
CREATE OR REPLACE FUNCTION partition_maintenance.ensure_app_roles(p_owner name, p_logins name[], p_connection_limit integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_membership text := CASE WHEN current_setting('server_version_num')::int >= 160000 THEN ' WITH INHERIT TRUE, SET TRUE' ELSE '' END;
  v_login name;
  v_object record;
BEGIN
  IF p_connection_limit IS NULL OR p_connection_limit < 1 THEN
    RAISE EXCEPTION 'connection limit must be at least 1 (got %)', p_connection_limit USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_owner = current_user OR p_owner = ANY (p_logins) THEN
    RAISE EXCEPTION 'the owner role % must be a role of its own', p_owner USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_owner) THEN
    EXECUTE format('CREATE ROLE %I NOLOGIN', p_owner);
  END IF;
  EXECUTE format('ALTER ROLE %I NOLOGIN', p_owner);
  PERFORM partition_maintenance.drop_role_attributes(p_owner);
  -- The job (this session's user) acts as the owner of the app's tables.
  IF NOT pg_has_role(current_user, p_owner, 'USAGE') THEN
    EXECUTE format('GRANT %I TO %I%s', p_owner, current_user, v_membership);
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_owner);
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', p_owner);

  FOREACH v_login IN ARRAY p_logins LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_login) THEN
      EXECUTE format('CREATE ROLE %I LOGIN', v_login);
    END IF;
    EXECUTE format('ALTER ROLE %I LOGIN CONNECTION LIMIT %s', v_login, p_connection_limit);
    PERFORM partition_maintenance.drop_role_attributes(v_login);
    IF NOT EXISTS (
      SELECT 1 FROM pg_auth_members m
      WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = p_owner) AND m.member = (SELECT oid FROM pg_roles WHERE rolname = v_login)
    ) THEN
      EXECUTE format('GRANT %I TO %I%s', p_owner, v_login, v_membership);
    END IF;
    -- Objects the login creates belong to the owner role (role-specific settings apply at login).
    EXECUTE format('ALTER ROLE %I SET role = %L', v_login, p_owner);
    -- Never more than the owner role: no administrative role, whoever granted it. From PostgreSQL 16
    -- each grantor's grant is a membership of its own, revoked by naming the grantor.
    FOR v_object IN
      SELECT r.rolname, pg_get_userbyid(m.grantor) AS grantor FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
      WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = v_login) AND r.rolname <> p_owner
    LOOP
      BEGIN
        IF v_membership <> '' THEN
          EXECUTE format('REVOKE %I FROM %I GRANTED BY %I', v_object.rolname, v_login, v_object.grantor);
        ELSE
          EXECUTE format('REVOKE %I FROM %I', v_object.rolname, v_login);
        END IF;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'login % is a member of % (granted by %), which % may not revoke: revoke it as %, then deploy again',
          v_login, v_object.rolname, v_object.grantor, current_user, v_object.grantor
          USING ERRCODE = 'insufficient_privilege';
      END;
    END LOOP;
  END LOOP;

  -- Objects the master user created in public before the app had its own roles (an upgrade).
  FOR v_object IN
    SELECT c.oid::regclass AS name, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      -- A sequence owned by a column (serial: 'a', identity: 'i') moves with its table.
      AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i') AND d.classid = 'pg_class'::regclass))
      -- Partitions are handed over one by one (ALTER TABLE ... OWNER does not recurse), so that the
      -- app's migrations can alter the whole table. An extension's objects stay the extension's.
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I',
      CASE v_object.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
      v_object.name, p_owner);
  END LOOP;
  FOR v_object IN
    SELECT format('%I.%I', n.nspname, t.typname) AS name
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' AND t.typowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND t.typtype IN ('e', 'd') AND t.typelem = 0
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.classid = 'pg_type'::regclass AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO %I', v_object.name, p_owner);
  END LOOP;
END;
$$;

-- Version 1's create_month, which now gives a new partition to the owner of its table (and so of
-- every other partition): the app's migrations alter the whole table, partitions included, which
-- PostgreSQL allows only to their owner.
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
  v_owner name;
  v_name text;
  v_existing record;
  v_default regclass;
  v_has_rows boolean;
BEGIN
  SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner) INTO v_schema, v_table, v_owner
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
  IF v_owner <> current_user THEN
    EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', v_schema, v_name, v_owner);
  END IF;
  EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%s) TO (%s)',
    p_parent, v_schema, v_name,
    partition_maintenance.bound_literal(v_start, v_key.column_type),
    partition_maintenance.bound_literal(v_end, v_key.column_type));
  RETURN v_name;
END;
$$;

INSERT INTO partition_maintenance.schema_version (version, description)
VALUES (2, 'application roles (owner role, two logins); partitions owned by their table''s owner')
ON CONFLICT (version) DO NOTHING;
