-- 001: projects, versioned contexts, handovers, and the row-level security that keeps
-- projects apart. Every name is schema-qualified; nothing depends on search_path.
--
-- Isolation: each transaction mnemo runs for a project first sets `mnemo.tenant` (through
-- pqpool's tenant context) to that project's token, an HMAC of its name under a secret only
-- the mnemo processes hold. The database stores SHA-256 hashes of tokens, never tokens, so SQL
-- run through query_database cannot set another project's token: it does not know it.

CREATE SCHEMA IF NOT EXISTS mnemo;

CREATE TABLE mnemo.settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE mnemo.projects (
    project_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    description text NOT NULL DEFAULT '' CHECK (octet_length(description) <= 4096),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Token hashes only; deliberately not under RLS (current_project_id() reads it).
CREATE TABLE mnemo.project_keys (
    project_id bigint PRIMARY KEY REFERENCES mnemo.projects ON DELETE CASCADE,
    key_hash   bytea NOT NULL UNIQUE
);

-- One row per topic: the version counter that makes concurrent lock_context calls take
-- distinct consecutive versions (the row lock of ON CONFLICT DO UPDATE serialises them).
CREATE TABLE mnemo.topics (
    project_id   bigint NOT NULL REFERENCES mnemo.projects ON DELETE CASCADE,
    topic        text NOT NULL CHECK (char_length(topic) BETWEEN 1 AND 256),
    last_version integer NOT NULL CHECK (last_version > 0),
    PRIMARY KEY (project_id, topic)
);

-- Immutable versions: content never changes; unlock archives (archived_at), never deletes.
CREATE TABLE mnemo.contexts (
    project_id     bigint NOT NULL,
    topic          text NOT NULL,
    version        integer NOT NULL CHECK (version > 0),
    content        text NOT NULL,
    preview        text NOT NULL,
    priority       text NOT NULL CHECK (priority IN ('always_check', 'important', 'reference')),
    tags           text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 32),
    content_hash   text NOT NULL,
    size_bytes     integer NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_accessed  timestamptz,
    access_count   integer NOT NULL DEFAULT 0,
    archived_at    timestamptz,
    archive_reason text,
    search         tsvector NOT NULL,
    PRIMARY KEY (project_id, topic, version),
    FOREIGN KEY (project_id, topic) REFERENCES mnemo.topics ON DELETE CASCADE
);
CREATE INDEX contexts_search ON mnemo.contexts USING gin (search);
CREATE INDEX contexts_live ON mnemo.contexts (project_id, priority, created_at)
    WHERE archived_at IS NULL;

CREATE TABLE mnemo.handovers (
    project_id  bigint NOT NULL REFERENCES mnemo.projects ON DELETE CASCADE,
    handover_id bigint GENERATED ALWAYS AS IDENTITY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    session_id  text NOT NULL DEFAULT '',
    summary     text NOT NULL,
    completed   jsonb NOT NULL DEFAULT '[]',
    pending     jsonb NOT NULL DEFAULT '[]',
    notes       text NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, handover_id)
);
CREATE INDEX handovers_latest ON mnemo.handovers (project_id, created_at DESC);

-- Partial-word topic matches (search_contexts) use a trigram index; pg_trgm is a trusted
-- extension, and may already live in another schema.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DO $$
DECLARE
    trgm_schema text := (SELECT n.nspname FROM pg_extension e
                         JOIN pg_namespace n ON n.oid = e.extnamespace
                         WHERE e.extname = 'pg_trgm');
BEGIN
    EXECUTE format('CREATE INDEX contexts_topic_trgm ON mnemo.contexts USING gin (topic %I.gin_trgm_ops)',
                   trgm_schema);
END
$$;

CREATE FUNCTION mnemo.tenant_key_hash() RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT sha256(convert_to(coalesce(current_setting('mnemo.tenant', true), ''), 'UTF8')) $$;

-- The project whose token this transaction set; NULL when none (or an unknown token).
CREATE FUNCTION mnemo.current_project_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT k.project_id FROM mnemo.project_keys k WHERE k.key_hash = mnemo.tenant_key_hash() $$;

-- True when this transaction set the registry token (project management across projects).
CREATE FUNCTION mnemo.is_registry() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT EXISTS (SELECT 1 FROM mnemo.settings s
                         WHERE s.key = 'registry_key_hash'
                           AND s.value = encode(mnemo.tenant_key_hash(), 'hex')) $$;

-- FORCE: the policies also bind the tables' owner, which is the role mnemo usually runs as.
-- The sub-selects make each function an InitPlan: evaluated once per statement, not per row.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['projects', 'topics', 'contexts', 'handovers'] LOOP
        EXECUTE format('ALTER TABLE mnemo.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE mnemo.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY project_isolation ON mnemo.%I
                            USING (project_id = (SELECT mnemo.current_project_id())
                                   OR (SELECT mnemo.is_registry()))', t);
    END LOOP;
END
$$;
