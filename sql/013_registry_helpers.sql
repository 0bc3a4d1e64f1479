-- 013: the last two row-level-security helpers in PL/pgSQL, as 010 did for
-- current_project_id().
--
-- A SQL function that cannot be inlined (SECURITY DEFINER, SET) has its body parsed and
-- planned again in every statement that calls it. is_registry() guards the server's tables
-- (users, api_tokens, http_sessions), so every HTTP request paid that twice in its access
-- check (mnemo.check_request reads a token and a session): measured in a PL/pgSQL loop on an
-- idle cluster, 42 us per is_registry() call as SQL, 7 us as PL/pgSQL, and check_request
-- 106 us per call before. registry_owner() is in the policies of the project tables, so
-- every tool statement that reaches one of their rows calls it. PL/pgSQL keeps the plan for
-- the backend's life. Same queries, same owner, same privileges (CREATE OR REPLACE keeps
-- both), same results.

CREATE OR REPLACE FUNCTION mnemo.is_registry() RETURNS boolean
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM mnemo.settings s
                   WHERE s.key = 'registry_key_hash'
                     AND s.value = encode(mnemo.tenant_key_hash(), 'hex'));
END
$$;

CREATE OR REPLACE FUNCTION mnemo.registry_owner() RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    RETURN (SELECT k.owner FROM mnemo.owner_keys k WHERE k.key_hash = mnemo.tenant_key_hash());
END
$$;
