-- 006: caller SQL (query_database) runs as its own restricted roles, not as mnemo's role.
--
-- Roles (created by mnemo.ensure_caller_roles below, which mnemo calls at every start):
--   <owner>_query      NOLOGIN; holds the only privileges caller SQL has: USAGE on schema
--                      mnemo and SELECT on the project tables, whose policies then always
--                      apply (a role that does not own a table is always subject to its
--                      row-level security, FORCE or not).
--   <owner>_query_N    LOGIN, CONNECTION LIMIT 1, member of <owner>_query only. Each caller
--                      connection logs in as a different one, so no two connections share a
--                      role: a backend can signal (pg_terminate_backend, pg_cancel_backend) and
--                      read the statement text (pg_stat_activity) only of its own role, i.e.
--                      only itself.
-- None of them is a member of the owner's role, so SET ROLE cannot reach it.
--
-- The policy helpers read token tables caller SQL may not read (project_keys, owner_keys,
-- settings): they run as their owner (SECURITY DEFINER, with a fixed search_path).

ALTER FUNCTION mnemo.current_project_id() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION mnemo.registry_owner() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION mnemo.is_registry() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Creates what is missing (roles need CREATEROLE; once they exist, it is no longer needed) and
-- grants the caller group its privileges (the tables' owner may, without CREATEROLE). Returns
-- the names of roles still missing, comma-separated; '' when everything is in place.
CREATE FUNCTION mnemo.ensure_caller_roles(login_count integer, login_password text)
    RETURNS text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    grp text := current_user || '_query';
    login text;
    can_create boolean := (SELECT r.rolcreaterole FROM pg_roles r WHERE r.rolname = current_user);
    missing text[] := '{}';
    t text;
BEGIN
    IF octet_length(grp || '_' || login_count) > 63 THEN
        RAISE EXCEPTION 'role name % is too long for the caller roles', current_user;
    END IF;
    -- Concurrent starts create each role once.
    PERFORM pg_advisory_xact_lock(hashtext('mnemo.ensure_caller_roles'));
    IF NOT EXISTS (SELECT FROM pg_roles r WHERE r.rolname = grp) THEN
        IF can_create THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', grp);
        ELSE
            missing := missing || grp;
        END IF;
    END IF;
    FOR i IN 1..login_count LOOP
        login := grp || '_' || i;
        IF NOT EXISTS (SELECT FROM pg_roles r WHERE r.rolname = login) THEN
            IF can_create AND cardinality(missing) = 0 THEN
                EXECUTE format('CREATE ROLE %I LOGIN INHERIT CONNECTION LIMIT 1 PASSWORD %L IN ROLE %I',
                               login, login_password, grp);
            ELSE
                missing := missing || login;
            END IF;
        END IF;
    END LOOP;
    IF cardinality(missing) > 0 THEN
        RETURN array_to_string(missing, ', ');
    END IF;
    -- Granted only when missing: an unchanged start writes nothing to the catalogs.
    IF NOT has_schema_privilege(grp, 'mnemo', 'USAGE') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA mnemo TO %I', grp);
    END IF;
    FOREACH t IN ARRAY ARRAY['projects', 'topics', 'contexts', 'handovers', 'files', 'file_changes']
    LOOP
        IF NOT has_table_privilege(grp, 'mnemo.' || t, 'SELECT') THEN
            EXECUTE format('GRANT SELECT ON mnemo.%I TO %I', t, grp);
        END IF;
    END LOOP;
    RETURN '';
END
$$;
REVOKE EXECUTE ON FUNCTION mnemo.ensure_caller_roles(integer, text) FROM PUBLIC;
