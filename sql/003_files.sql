-- 003: the project file index — one row per file (path, size, mtime, hash, type, summary) and
-- a history of added / modified / deleted files, isolated per project like every project table.
--
-- Written by scan_project_files (stdio: the server walks the project directory) and index_files
-- (any transport: the client sends metadata). Writes are idempotent, so concurrent scans of one
-- project converge: an upsert changes a row (and records history) only when something differs,
-- and a deletion removes a row only while it still holds what the scan saw.

CREATE TABLE mnemo.files (
    project_id   bigint NOT NULL REFERENCES mnemo.projects ON DELETE CASCADE,
    path         text NOT NULL CHECK (octet_length(path) BETWEEN 1 AND 4096),
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    mtime_ns     bigint NOT NULL,
    content_hash text CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    kind         text NOT NULL CHECK (kind IN ('text', 'binary', 'large', 'unread')),
    language     text NOT NULL DEFAULT '' CHECK (char_length(language) <= 32),
    line_count   integer CHECK (line_count >= 0),
    summary      text NOT NULL DEFAULT '' CHECK (octet_length(summary) <= 2000),
    -- 1 when added; +1 at each content change (so RETURNING tells an insert from an update).
    revision     integer NOT NULL DEFAULT 1,
    indexed_at   timestamptz NOT NULL DEFAULT now(),
    changed_at   timestamptz NOT NULL DEFAULT now(),
    search       tsvector NOT NULL,
    PRIMARY KEY (project_id, path)
);
CREATE INDEX files_search ON mnemo.files USING gin (search);
CREATE INDEX files_changed ON mnemo.files (project_id, changed_at);

CREATE TABLE mnemo.file_changes (
    project_id   bigint NOT NULL REFERENCES mnemo.projects ON DELETE CASCADE,
    change_id    bigint GENERATED ALWAYS AS IDENTITY,
    path         text NOT NULL,
    change       text NOT NULL CHECK (change IN ('added', 'modified', 'deleted')),
    size_bytes   bigint,
    content_hash text,
    changed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, change_id)
);
CREATE INDEX file_changes_recent ON mnemo.file_changes (project_id, changed_at);

-- Partial-path matches (query_files) use a trigram index, like topics in 001.
DO $$
DECLARE
    trgm_schema text := (SELECT n.nspname FROM pg_extension e
                         JOIN pg_namespace n ON n.oid = e.extnamespace
                         WHERE e.extname = 'pg_trgm');
BEGIN
    EXECUTE format('CREATE INDEX files_path_trgm ON mnemo.files USING gin (path %I.gin_trgm_ops)',
                   trgm_schema);
END
$$;

-- The same isolation as 002's project tables: the project's own token, or its owner's
-- registry token.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['files', 'file_changes'] LOOP
        EXECUTE format('ALTER TABLE mnemo.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE mnemo.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY project_isolation ON mnemo.%I
                            USING (project_id = (SELECT mnemo.current_project_id())
                                   OR project_id IN (SELECT p.project_id FROM mnemo.projects p
                                                     WHERE p.owner = (SELECT mnemo.registry_owner())))',
                       t);
    END LOOP;
END
$$;
