-- CS2 Analytics partition maintenance, version 5: least privilege for the application's logins.
-- Safe to run any number of times.
--
-- Until version 4 the app's two logins were members of the owner role and became it at login
-- (ALTER ROLE ... SET role): the API, which only serves requests, could DROP or TRUNCATE every table.
-- Now three kinds of role share the work:
--
--   the owner role (NOLOGIN)    owns every object of the app, as before;
--   the migration login         a member of the owner role, and the owner role from its login on
--                               (SET role): whatever the app's migrations create belongs to the owner;
--   the runtime role (NOLOGIN)  what serving requests needs: CONNECT, USAGE on schema public,
--                               SELECT/INSERT/UPDATE/DELETE on its tables (partitioned tables and every
--                               partition), USAGE/SELECT/UPDATE on its sequences; never TRUNCATE,
--                               REFERENCES, TRIGGER (nor MAINTAIN), never CREATE in public, never a
--                               grant option;
--   the app's logins            members of the runtime role alone (two, for the rotation).
--
-- Default privileges FOR ROLE owner make what the migrations create usable at once by the runtime
-- role. They do not apply to the partitions the job creates (the master user creates them, then hands
-- them to the owner): create_month copies its table's grants to each new partition instead, so that
-- a partition can be read and written directly as well as through its table. The conversion
-- (lambda/partition-maintenance/convert.ts) copies the plain table's grants to the partitioned one,
-- and its first months are made by create_month.
--
-- Everything runs as the master user (not a superuser on RDS; a member of the owner role), inside one
-- statement: a deployment either applies all of it or none.

-- Takes p_member out of every role but p_keep (NULL: out of all), whoever granted the membership.
-- From PostgreSQL 16 each grantor's grant is a membership of its own, revoked by naming the grantor;
-- one the calling user may not revoke fails with the role that must.
CREATE OR REPLACE FUNCTION partition_maintenance.keep_only_membership(p_member name, p_keep name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_membership record;
BEGIN
  FOR v_membership IN
    SELECT r.rolname, pg_get_userbyid(m.grantor) AS grantor
    FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
    WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = p_member) AND r.rolname IS DISTINCT FROM p_keep
  LOOP
    BEGIN
      IF current_setting('server_version_num')::int >= 160000 THEN
        EXECUTE format('REVOKE %I FROM %I GRANTED BY %I', v_membership.rolname, p_member, v_membership.grantor);
      ELSE
        EXECUTE format('REVOKE %I FROM %I', v_membership.rolname, p_member);
      END IF;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'role % is a member of % (granted by %), which % may not revoke: revoke it as %, then deploy again',
        p_member, v_membership.rolname, v_membership.grantor, current_user, v_membership.grantor
        USING ERRCODE = 'insufficient_privilege';
    END;
  END LOOP;
END;
$$;

-- Gives p_grantee exactly p_privileges on one table, view or sequence: adds what is missing, takes
-- away any other privilege and any grant option (CASCADE: with what the grantee granted onwards).
-- Changes nothing when the grants are already so.
CREATE OR REPLACE FUNCTION partition_maintenance.grant_exactly(p_relation regclass, p_grantee name, p_privileges text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_kind text := CASE (SELECT relkind FROM pg_class WHERE oid = p_relation) WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END;
  v_held text[];
  v_grantable boolean;
  v_extra text[];
BEGIN
  SELECT coalesce(array_agg(DISTINCT a.privilege_type), '{}'), coalesce(bool_or(a.is_grantable), false)
    INTO v_held, v_grantable
  FROM pg_class c, aclexplode(c.relacl) a
  WHERE c.oid = p_relation AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = p_grantee);
  IF v_grantable THEN
    EXECUTE format('REVOKE GRANT OPTION FOR ALL ON %s %s FROM %I CASCADE', v_kind, p_relation, p_grantee);
  END IF;
  v_extra := ARRAY(SELECT unnest(v_held) EXCEPT SELECT unnest(p_privileges));
  IF cardinality(v_extra) > 0 THEN
    EXECUTE format('REVOKE %s ON %s %s FROM %I CASCADE', array_to_string(v_extra, ', '), v_kind, p_relation, p_grantee);
  END IF;
  IF EXISTS (SELECT unnest(p_privileges) EXCEPT SELECT unnest(v_held)) THEN
    EXECUTE format('GRANT %s ON %s %s TO %I', array_to_string(p_privileges, ', '), v_kind, p_relation, p_grantee);
  END IF;
END;
$$;

-- Creates or corrects the owner role, the runtime role, the app's logins and the migration login;
-- run by the job at every deployment with the configured names and connection limits.
CREATE OR REPLACE FUNCTION partition_maintenance.ensure_app_roles(
  p_owner name,
  p_runtime_role name,
  p_logins name[],
  p_migration_login name,
  p_connection_limit integer,
  p_migration_connection_limit integer
)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_membership text := CASE WHEN current_setting('server_version_num')::int >= 160000 THEN ' WITH INHERIT TRUE, SET TRUE' ELSE '' END;
  v_not_granted text := CASE WHEN current_setting('server_version_num')::int >= 170000 THEN 'TRUNCATE, REFERENCES, TRIGGER, MAINTAIN' ELSE 'TRUNCATE, REFERENCES, TRIGGER' END;
  v_owner_oid oid;
  v_login name;
  v_object record;
BEGIN
  IF p_connection_limit IS NULL OR p_connection_limit < 1 THEN
    RAISE EXCEPTION 'connection limit must be at least 1 (got %)', p_connection_limit USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_migration_connection_limit IS NULL OR p_migration_connection_limit < 1 THEN
    RAISE EXCEPTION 'the migration login''s connection limit must be at least 1 (got %)', p_migration_connection_limit
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_owner IS NULL OR p_runtime_role IS NULL OR p_migration_login IS NULL OR p_logins IS NULL OR cardinality(p_logins) = 0
     OR array_position(p_logins, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'the owner role, the runtime role, the migration login and at least one login must be named' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Each role is a role of its own: a login that were also the owner (or the runtime role the owner)
  -- would undo the separation.
  IF (SELECT count(DISTINCT r) FROM unnest(p_logins || ARRAY[p_owner, p_runtime_role, p_migration_login, current_user]) r)
     <> cardinality(p_logins) + 4 THEN
    RAISE EXCEPTION 'the owner role %, the runtime role %, the migration login % and the logins % must be distinct roles, none of them %',
      p_owner, p_runtime_role, p_migration_login, p_logins, current_user USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- The owner role: owns everything the app creates; the job (this session's user) acts as it.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_owner) THEN
    EXECUTE format('CREATE ROLE %I NOLOGIN', p_owner);
  END IF;
  EXECUTE format('ALTER ROLE %I NOLOGIN', p_owner);
  PERFORM partition_maintenance.drop_role_attributes(p_owner);
  IF NOT pg_has_role(current_user, p_owner, 'USAGE') THEN
    EXECUTE format('GRANT %I TO %I%s', p_owner, current_user, v_membership);
  END IF;
  v_owner_oid := (SELECT oid FROM pg_roles WHERE rolname = p_owner);
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_owner);
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', p_owner);

  -- Nobody else creates in public (PostgreSQL before 15 lets every role do it).
  IF EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'CREATE') THEN
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    IF EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'CREATE') THEN
      RAISE EXCEPTION 'every role may create objects in schema public, and % may not revoke it: run REVOKE CREATE ON SCHEMA public FROM PUBLIC as its owner %, then deploy again',
        current_user, (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public')
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;

  -- The runtime role: a member of nothing (a membership would bring the privileges of that role).
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_runtime_role) THEN
    EXECUTE format('CREATE ROLE %I NOLOGIN', p_runtime_role);
  END IF;
  EXECUTE format('ALTER ROLE %I NOLOGIN', p_runtime_role);
  PERFORM partition_maintenance.drop_role_attributes(p_runtime_role);
  PERFORM partition_maintenance.keep_only_membership(p_runtime_role, NULL);
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_runtime_role);
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', p_runtime_role);
  IF has_schema_privilege(p_runtime_role, 'public', 'CREATE') THEN
    EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I', p_runtime_role);
  END IF;

  -- Objects the master user created in public before the app had its own roles (an upgrade from
  -- before version 2), as version 2 hands them over.
  FOR v_object IN
    SELECT c.oid::regclass AS name, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      -- A sequence owned by a column (serial: 'a', identity: 'i') moves with its table.
      AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i') AND d.classid = 'pg_class'::regclass))
      -- Partitions are handed over one by one (ALTER TABLE ... OWNER does not recurse). An
      -- extension's objects stay the extension's.
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

  -- What the runtime role may do with the owner's tables and sequences in public, every partition
  -- included (a GRANT on a partitioned table does not reach its partitions)...
  FOR v_object IN
    SELECT c.oid::regclass AS name, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relowner = v_owner_oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'e')
    ORDER BY c.oid
  LOOP
    PERFORM partition_maintenance.grant_exactly(v_object.name, p_runtime_role,
      CASE WHEN v_object.relkind = 'S' THEN ARRAY['USAGE', 'SELECT', 'UPDATE'] ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'] END);
  END LOOP;
  -- ... and with those the migrations create from now on (as the owner role, through the migration login).
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', p_owner, p_runtime_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public REVOKE GRANT OPTION FOR ALL ON TABLES FROM %I', p_owner, p_runtime_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public REVOKE %s ON TABLES FROM %I', p_owner, v_not_granted, p_runtime_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', p_owner, p_runtime_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public REVOKE GRANT OPTION FOR ALL ON SEQUENCES FROM %I', p_owner, p_runtime_role);

  -- The app's logins: members of the runtime role alone, acting as themselves. A database set up by
  -- version 2 has them members of the owner role, becoming it at login: both are taken back.
  FOREACH v_login IN ARRAY p_logins LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_login) THEN
      EXECUTE format('CREATE ROLE %I LOGIN', v_login);
    END IF;
    EXECUTE format('ALTER ROLE %I LOGIN INHERIT CONNECTION LIMIT %s', v_login, p_connection_limit);
    PERFORM partition_maintenance.drop_role_attributes(v_login);
    EXECUTE format('ALTER ROLE %I RESET role', v_login);
    EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET role', v_login, current_database());
    PERFORM partition_maintenance.keep_only_membership(v_login, p_runtime_role);
    IF NOT pg_has_role(v_login, p_runtime_role, 'USAGE') THEN
      EXECUTE format('GRANT %I TO %I%s', p_runtime_role, v_login, v_membership);
    END IF;
    IF has_schema_privilege(v_login, 'public', 'CREATE') THEN
      EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I', v_login);
    END IF;
  END LOOP;

  -- The migration login: a member of the owner role alone, and the owner role from its login on, so
  -- that whatever the migrations create belongs to the owner.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_migration_login) THEN
    EXECUTE format('CREATE ROLE %I LOGIN', p_migration_login);
  END IF;
  EXECUTE format('ALTER ROLE %I LOGIN INHERIT CONNECTION LIMIT %s', p_migration_login, p_migration_connection_limit);
  PERFORM partition_maintenance.drop_role_attributes(p_migration_login);
  PERFORM partition_maintenance.keep_only_membership(p_migration_login, p_owner);
  IF NOT pg_has_role(p_migration_login, p_owner, 'USAGE')
     OR (current_setting('server_version_num')::int >= 160000 AND NOT pg_has_role(p_migration_login, p_owner, 'SET')) THEN
    EXECUTE format('GRANT %I TO %I%s', p_owner, p_migration_login, v_membership);
  END IF;
  EXECUTE format('ALTER ROLE %I SET role = %L', p_migration_login, p_owner);
END;
$$;

-- Version 2's signature, which made every login a member of the owner role: a job of an earlier
-- release calling it must not put that back.
CREATE OR REPLACE FUNCTION partition_maintenance.ensure_app_roles(p_owner name, p_logins name[], p_connection_limit integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'ensure_app_roles(owner, logins, connection limit) is no longer supported (schema version 5): the app''s logins are never members of the owner role; call ensure_app_roles(p_owner, p_runtime_role, p_logins, p_migration_login, p_connection_limit, p_migration_connection_limit)'
    USING ERRCODE = 'feature_not_supported';
END;
$$;

-- Version 2's create_month, which now also copies its table's grants to the new partition (the
-- master user creates it: the owner's default privileges do not apply), so that whoever may use the
-- table may use the partition directly too.
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
  v_grant record;
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
  -- The table's grants, before the partition is attached (and visible): granted as its owner.
  FOR v_grant IN
    SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee,
           a.is_grantable, string_agg(DISTINCT a.privilege_type, ', ') AS privileges
    FROM pg_class c, aclexplode(c.relacl) a
    WHERE c.oid = p_parent AND a.grantee <> c.relowner
    GROUP BY a.grantee, a.is_grantable
    ORDER BY a.grantee, a.is_grantable
  LOOP
    EXECUTE format('GRANT %s ON TABLE %I.%I TO %s%s', v_grant.privileges, v_schema, v_name, v_grant.grantee,
      CASE WHEN v_grant.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
  EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%s) TO (%s)',
    p_parent, v_schema, v_name,
    partition_maintenance.bound_literal(v_start, v_key.column_type),
    partition_maintenance.bound_literal(v_end, v_key.column_type));
  RETURN v_name;
END;
$$;

INSERT INTO partition_maintenance.schema_version (version, description)
VALUES (5, 'least privilege: a runtime role for the app''s logins, a migration login for the owner role; partitions get their table''s grants')
ON CONFLICT (version) DO NOTHING;
