-- 005: search that runs on indexes and forgives; reads that stay reads.
--
-- Isolation for mnemo's own statements: the searched tables keep their policies (ENABLE ROW
-- LEVEL SECURITY) but drop FORCE, so the owning role (mnemo's) is not bound by them. Every
-- statement mnemo runs on these tables filters `project_id = mnemo.current_project_id()`
-- itself (the token in `mnemo.tenant`, as before), and the planner may then use the GIN
-- indexes for `@@` and trigram operators, which it cannot do under a policy because those
-- operators are not leakproof. Caller SQL (query_database) must run as another role, bound by
-- the policies (see docs/server.md).
--
-- Search documents: `search` is generated from the text (unaccented, lower-cased, code
-- identifiers split into their parts and also joined: "pool_config.cpp" gives pool, config,
-- cpp and poolconfigcpp; "acquireTimeoutMs" gives acquire, timeout, ms and acquiretimeoutms;
-- "on-call" gives on, call and oncall), with the 'simple' configuration (no stemming: the
-- query side matches prefixes). `vocabulary` holds each project's words of five letters or
-- more, for typo matching (pg_trgm similarity over short words, then an exact search for the
-- words found).
--
-- Latest live version: kept on the topics row (latest_version, latest_priority, latest_at),
-- set by lock_context and unlock_context in the statement that changes the versions.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- mnemo.fold: unaccent + lower. Declared IMMUTABLE (the dictionary is named, and mnemo never
-- changes its rules), so that the generated columns below may use it.
DO $$
DECLARE
    s text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
               WHERE e.extname = 'unaccent');
BEGIN
    EXECUTE format($f$CREATE FUNCTION mnemo.fold(t text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $b$ SELECT lower(%I.unaccent(%L::regdictionary, t)) $b$ $f$,
        s, quote_ident(s) || '.unaccent');
END
$$;

-- The words of `t` for the search document: camelCase split, every run of other characters a
-- separator, then the joined forms of compound identifiers (a-b, a_b, a.b, a/b, camelCase).
CREATE FUNCTION mnemo.search_words(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
SELECT regexp_replace(mnemo.fold(
           regexp_replace(regexp_replace(t, '([[:lower:][:digit:]])([[:upper:]])', '\1 \2', 'g'),
                          '([[:upper:]])([[:upper:]][[:lower:]])', '\1 \2', 'g')),
           '[^[:alnum:]]+', ' ', 'g')
       || ' ' ||
       coalesce((SELECT string_agg(regexp_replace(mnemo.fold(m[1]), '[^[:alnum:]]+', '', 'g'), ' ')
                 FROM regexp_matches(t, '([[:alnum:]]+(?:[-_./:]+[[:alnum:]]+)+|[[:alnum:]]*(?:[[:lower:]][[:upper:]]|[[:upper:]][[:upper:]][[:lower:]])[[:alnum:]]*)', 'g') AS m),
                '')
$$;

CREATE FUNCTION mnemo.context_search(topic text, tags text[], content text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT setweight(to_tsvector('simple'::regconfig, mnemo.search_words(topic)), 'A') ||
       setweight(to_tsvector('simple'::regconfig, mnemo.search_words(array_to_string(tags, ' '))), 'B') ||
       setweight(to_tsvector('simple'::regconfig, mnemo.search_words(left(content, 100000))), 'C')
$$;

CREATE FUNCTION mnemo.file_search(path text, language text, summary text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT setweight(to_tsvector('simple'::regconfig, mnemo.search_words(path)), 'A') ||
       setweight(to_tsvector('simple'::regconfig, mnemo.search_words(coalesce(language, ''))), 'B') ||
       setweight(to_tsvector('simple'::regconfig, mnemo.search_words(coalesce(summary, ''))), 'C')
$$;

-- Owner statements filter by project themselves (see the top of this file).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['topics', 'contexts', 'handovers', 'files', 'file_changes'] LOOP
        EXECUTE format('ALTER TABLE mnemo.%I NO FORCE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;

-- Reads stay reads: nothing used the access counter.
ALTER TABLE mnemo.contexts DROP COLUMN access_count, DROP COLUMN last_accessed;

-- The documents, generated so that every writer (the server, imports, benchmarks' bulk loads)
-- gets the same one.
DROP INDEX mnemo.contexts_search;
DROP INDEX mnemo.contexts_topic_trgm;
ALTER TABLE mnemo.contexts DROP COLUMN search;
ALTER TABLE mnemo.contexts
    ADD COLUMN search tsvector GENERATED ALWAYS AS (mnemo.context_search(topic, tags, content)) STORED;
-- project_id first (btree_gin): one project's rows are found in the index, whatever the
-- other projects hold.
CREATE INDEX contexts_doc ON mnemo.contexts USING gin (project_id, search)
    WHERE archived_at IS NULL;
CREATE INDEX contexts_recent ON mnemo.contexts (project_id, created_at);

DROP INDEX mnemo.files_search;
DROP INDEX mnemo.files_path_trgm;
ALTER TABLE mnemo.files DROP COLUMN search;
ALTER TABLE mnemo.files
    ADD COLUMN search tsvector GENERATED ALWAYS AS (mnemo.file_search(path, language, summary)) STORED;
CREATE INDEX files_doc ON mnemo.files USING gin (project_id, search);

-- The latest live version of each topic (NULL when every version is archived).
ALTER TABLE mnemo.topics
    ADD COLUMN latest_version integer,
    ADD COLUMN latest_priority text,
    ADD COLUMN latest_at timestamptz;
UPDATE mnemo.topics t
SET (latest_version, latest_priority, latest_at) =
    (SELECT c.version, c.priority, c.created_at FROM mnemo.contexts c
     WHERE c.project_id = t.project_id AND c.topic = t.topic AND c.archived_at IS NULL
     ORDER BY c.version DESC LIMIT 1);
-- The latest-version check of every search hit reads only this index (an index-only scan).
CREATE INDEX topics_latest ON mnemo.topics (project_id, topic) INCLUDE (latest_version);
CREATE INDEX topics_live_by_priority ON mnemo.topics (project_id, latest_priority, topic)
    WHERE latest_version IS NOT NULL;
CREATE INDEX topics_live_by_time ON mnemo.topics (project_id, latest_priority, latest_at)
    WHERE latest_version IS NOT NULL;

-- Each project's words of five letters or more (from its contexts' documents), for typo
-- matching: lock_context adds the new ones in its statement; never shrinks.
CREATE TABLE mnemo.vocabulary (
    project_id bigint NOT NULL REFERENCES mnemo.projects ON DELETE CASCADE,
    word       text NOT NULL,
    PRIMARY KEY (project_id, word)
);
ALTER TABLE mnemo.vocabulary ENABLE ROW LEVEL SECURITY;
CREATE POLICY project_isolation ON mnemo.vocabulary
    USING (project_id = (SELECT mnemo.current_project_id())
           OR project_id IN (SELECT p.project_id FROM mnemo.projects p
                             WHERE p.owner = (SELECT mnemo.registry_owner())));
INSERT INTO mnemo.vocabulary (project_id, word)
SELECT DISTINCT c.project_id, w FROM mnemo.contexts c, unnest(tsvector_to_array(c.search)) w
WHERE char_length(w) BETWEEN 5 AND 40
ON CONFLICT DO NOTHING;

-- pg_trgm's similarity under mnemo's names (pg_trgm may live in any schema; statements never
-- depend on search_path). similar_words is inlined into the statement, so the planner sees
-- pg_trgm's operator itself and uses vocabulary_trgm.
CREATE FUNCTION mnemo.fold_all(ws text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT coalesce(array_agg(mnemo.fold(w)), '{}') FROM unnest(ws) AS w $$;
DO $$
DECLARE
    s text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
               WHERE e.extname = 'pg_trgm');
BEGIN
    EXECUTE format('CREATE INDEX vocabulary_trgm ON mnemo.vocabulary
                        USING gin (project_id, word %I.gin_trgm_ops)', s);
    EXECUTE format($f$CREATE FUNCTION mnemo.similar_words(word text, ws text[]) RETURNS boolean
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $b$ SELECT word OPERATOR(%I.%%) ANY (ws) $b$ $f$, s);
    EXECUTE format($f$CREATE FUNCTION mnemo.trgm_similarity(a text, b text) RETURNS real
        LANGUAGE sql STABLE STRICT PARALLEL SAFE
        AS $b$ SELECT %I.similarity(a, b) $b$ $f$, s);
END
$$;
-- Live topics by name in byte order (explore_context_tree, resources/list, completions): a
-- prefix is a range of this index.
CREATE INDEX topics_live_by_name ON mnemo.topics (project_id, (topic COLLATE "C"))
    WHERE latest_version IS NOT NULL;

-- Every mnemo statement reads index ranges bounded by what it returns; a parallel plan only
-- adds worker start-up (measured: two Gathers cost 20 ms around 0.2 ms of work at 1 000 000
-- contexts), so the planner is told not to use one on these tables.
ALTER TABLE mnemo.contexts SET (parallel_workers = 0);
ALTER TABLE mnemo.topics SET (parallel_workers = 0);
ALTER TABLE mnemo.files SET (parallel_workers = 0);
ALTER TABLE mnemo.vocabulary SET (parallel_workers = 0);
