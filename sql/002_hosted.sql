-- 002: hosted mnemo — projects owned by users, bearer tokens, and MCP sessions that outlive
-- the process that created them (restarts, deploys, replicas).
--
-- Owners: a project belongs to one owner; '' is the local owner (stdio, or HTTP without
-- authentication), any other owner is a user. Each owner has a registry token (an HMAC under
-- the server secret, like project tokens) whose hash lives in owner_keys; a transaction that
-- set it sees and manages that owner's projects and nothing else. A project's own token is
-- derived from "owner/name", so two users' projects of the same name are distinct.
--
-- Server tables (users, api_tokens, http_sessions) are visible only to the server token
-- (mnemo.is_registry()), never to caller SQL run by query_database.

ALTER TABLE mnemo.projects ADD COLUMN owner text NOT NULL DEFAULT '';
ALTER TABLE mnemo.projects DROP CONSTRAINT projects_name_key;
ALTER TABLE mnemo.projects ADD CONSTRAINT projects_owner_name_key UNIQUE (owner, name);

-- Registry token hashes per owner; deliberately not under RLS (registry_owner() reads it).
CREATE TABLE mnemo.owner_keys (
    owner    text PRIMARY KEY,
    key_hash bytea NOT NULL UNIQUE
);

CREATE TABLE mnemo.users (
    name       text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.@-]{0,63}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Bearer tokens: only SHA-256 hashes are stored, plus a short prefix to recognise a token in
-- `mnemo token list`. Revocation is a timestamp, checked on every request.
CREATE TABLE mnemo.api_tokens (
    token_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name    text NOT NULL REFERENCES mnemo.users ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    token_prefix text NOT NULL,
    scope        text NOT NULL CHECK (scope IN ('read', 'write')),
    label        text NOT NULL DEFAULT '' CHECK (char_length(label) <= 200),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- MCP sessions (Streamable HTTP). id_hash = SHA-256 of the Mcp-Session-Id; the id itself is
-- never stored. Expiry slides with use; expired rows are purged by session creation.
CREATE TABLE mnemo.http_sessions (
    id_hash          bytea PRIMARY KEY,
    user_name        text NOT NULL,
    protocol_version text NOT NULL,
    client_info      jsonb NOT NULL DEFAULT '{}',
    selected_project text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_seen        timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL
);
CREATE INDEX http_sessions_user ON mnemo.http_sessions (user_name, last_seen);
CREATE INDEX http_sessions_expiry ON mnemo.http_sessions (expires_at);

-- The owner whose registry token this transaction set; NULL when none.
CREATE FUNCTION mnemo.registry_owner() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT k.owner FROM mnemo.owner_keys k WHERE k.key_hash = mnemo.tenant_key_hash() $$;

-- Project tables: the project's own token, or its owner's registry token.
DROP POLICY project_isolation ON mnemo.projects;
CREATE POLICY project_isolation ON mnemo.projects
    USING (project_id = (SELECT mnemo.current_project_id())
           OR owner = (SELECT mnemo.registry_owner()));
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['topics', 'contexts', 'handovers'] LOOP
        EXECUTE format('DROP POLICY project_isolation ON mnemo.%I', t);
        EXECUTE format('CREATE POLICY project_isolation ON mnemo.%I
                            USING (project_id = (SELECT mnemo.current_project_id())
                                   OR project_id IN (SELECT p.project_id FROM mnemo.projects p
                                                     WHERE p.owner = (SELECT mnemo.registry_owner())))',
                       t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['users', 'api_tokens', 'http_sessions'] LOOP
        EXECUTE format('ALTER TABLE mnemo.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE mnemo.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY server_only ON mnemo.%I USING ((SELECT mnemo.is_registry()))', t);
    END LOOP;
END
$$;
