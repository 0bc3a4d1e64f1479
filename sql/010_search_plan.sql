-- 010: search's statements are planned once per connection, not on every call.
--
-- mnemo sends every statement unnamed (no prepared statements, no session state: it works
-- through transaction poolers, DESIGN.md decision 4), so PostgreSQL parsed and planned the
-- search statement on each call: for a word in 1 % of 10 000 contexts, 0.2 ms of parsing and
-- 0.4 ms of planning against 0.5 ms of execution (log_min_duration_statement). A PL/pgSQL
-- function keeps the plans of its statements for the life of the backend, so the two
-- statements of search_contexts and check_contexts (memory/context_sql.hpp) now live here and
-- mnemo calls them: still one unnamed statement per call, and nothing a pooler must keep.
--
-- Isolation is unchanged: the functions are SECURITY INVOKER (the default), so they run as the
-- role that calls them, under the same row-level security and with the same
-- `project_id = mnemo.current_project_id()` filters as the statements they replace; no
-- privilege is added (EXECUTE is revoked from PUBLIC: only mnemo's own role, their owner,
-- calls them).
--
-- Generic plans: the words searched for reach the plan only through the `q` CTE (InitPlans),
-- so a custom plan cannot use their values; it would only fold the tier switches ($9,
-- cardinality($3)) and pay 0.5-2 ms of planning each call for it. force_generic_plan makes
-- the choice explicit (PL/pgSQL would otherwise plan the first five calls of each backend
-- anew, and keep custom plans for the tiers, whose folded estimates look cheaper). One
-- exception: with a priority filter (check_contexts always, search_contexts with `priority`)
-- a call gets a custom plan, as before 010: only then can `priority = ANY (...)` be an index
-- condition (contexts_live), which reads the few always_check rows of a project instead of
-- every row that has a common word of the text. The SET LOCAL ends with the function.
--
-- Index choice: without a priority filter the project is no index condition (see `exact`):
-- at 1 000 000 contexts the planner ANDed the keyed index with contexts_recent and read the
-- project's million entries on every search (here and in 009's statement alike: 35-55 ms for
-- a word in 10 contexts, 190 ms for a word in 1 %).
--
-- The bodies are the statements as they were, with their parameters' casts moved into the
-- signatures and one change: the score is float8 arithmetic throughout. The recency term's age
-- was numeric (extract) and the topic and priority bonuses numeric constants, so every hit
-- divided in numeric and converted numeric to float8 three times (through text): about a
-- tenth of the execution. The bonuses are the same float8 values as before; the age term
-- agrees to the last bits, and both functions compute it alike. A change to either statement
-- is a new migration (CREATE OR REPLACE FUNCTION).

-- The project of the transaction's token, as before (001, 006), in PL/pgSQL: every statement
-- mnemo runs calls it once, and as a SQL function that cannot be inlined (SECURITY DEFINER,
-- SET) its body was parsed and planned again in each statement: ~6 % of a search's execution.
-- PL/pgSQL keeps the plan for the backend's life. Same query, same owner, same privileges.
CREATE OR REPLACE FUNCTION mnemo.current_project_id() RETURNS bigint
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    RETURN (SELECT k.project_id FROM mnemo.project_keys k
            WHERE k.key_hash = mnemo.tenant_key_hash());
END
$$;

-- search_contexts' first statement: the tier where every item matches, alone. $1 strict
-- tsquery text, $2 any-term tsquery text, $3 priorities (NULL = any), $4 tags (all required),
-- $5 rows (one more than shown), $6 offset. NULL when the project does not exist, else
-- {"total": hits of this tier, "hits": the page, ranked as mnemo.search_tiers ranks them}.
CREATE FUNCTION mnemo.search_exact(strict_query text, any_query text, priorities text[],
                                   required_tags text[], page_rows integer, page_offset integer)
    RETURNS json
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan
    AS $fn$
BEGIN
    IF priorities IS NOT NULL THEN
        PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    END IF;
    RETURN (
    WITH pid AS (SELECT mnemo.current_project_id() AS id),
    q AS (SELECT nullif(mnemo.fold($1), '')::tsquery AS strict, nullif(mnemo.fold($2), '')::tsquery AS anyq,
                 mnemo.keyed_query((SELECT id FROM pid), nullif(mnemo.fold($1), '')) AS kstrict),
    -- Narrow rows (the page reads the rest by primary key): 10 000 hits stay in work_mem.
    exact AS (
        SELECT c.topic, c.version, c.priority, c.created_at,
               2::float8 + ts_rank_cd(c.search, (SELECT anyq FROM q), 32)  -- as kSearchContexts
               + CASE WHEN ts_filter(c.search, '{a}') @@ (SELECT anyq FROM q) THEN float8 '0.5'
                      ELSE 0 END
               + CASE c.priority WHEN 'always_check' THEN float8 '0.3'
                                 WHEN 'important' THEN float8 '0.15' ELSE 0 END
               + 0.2 / (1 + date_part('epoch', now() - c.created_at) / 2592000) AS score
        FROM mnemo.contexts c
        -- The project is an index condition only with a priority filter (a custom plan, which may
        -- read contexts_live); otherwise the keyed index alone finds the rows, all of them this
        -- project's. ANDed with an index on project_id (the planner's choice at 1 000 000
        -- contexts), a search read every index entry of the project: 35-55 ms for 10 hits.
        WHERE CASE WHEN $3 IS NULL THEN c.project_id + 0 ELSE c.project_id END
              = (SELECT id FROM pid)
          AND c.archived_at IS NULL AND NOT c.superseded
          AND mnemo.keyed_doc(c.project_id, c.search) @@ (SELECT kstrict FROM q)
          AND c.search @@ (SELECT strict FROM q)
          AND ($3 IS NULL OR c.priority = ANY ($3)) AND c.tags @> $4),
    top AS (SELECT * FROM exact ORDER BY score DESC, created_at DESC, topic
            LIMIT $5 OFFSET $6),
    page AS (
        SELECT t.*, c.tags, c.preview, c.search
        FROM top t
        JOIN mnemo.contexts c ON c.project_id = (SELECT id FROM pid) AND c.topic = t.topic
                             AND c.version = t.version)
    SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
        'total', (SELECT count(*) FROM exact),
        'hits', (SELECT coalesce(json_agg(json_build_object(
            'topic', r.topic, 'version', r.version, 'priority', r.priority, 'tags', r.tags,
            'preview', left(r.preview, 300), 'score', round(r.score::numeric, 4), 'match', 'all',
            'matched', (
                SELECT coalesce(json_agg(f.name ORDER BY f.ord), '[]') FROM (VALUES
                    (1, 'topic', '{a}'::"char"[]), (2, 'tags', '{b}'), (3, 'content', '{c}'))
                    AS f(ord, name, w)
                WHERE ts_filter(r.search, f.w) @@ (SELECT anyq FROM q)),
            'content', NULL, 'created_at', r.created_at)
            ORDER BY r.score DESC, r.created_at DESC, r.topic), '[]') FROM page r)) END);
END
$fn$;
REVOKE EXECUTE ON FUNCTION mnemo.search_exact(text, text, text[], text[], integer, integer)
    FROM PUBLIC;

-- search_contexts and check_contexts, every tier (docs/server.md, "Search"): $1 strict tsquery
-- text ('' = none), $2 any-term tsquery text, $3 each term's tsquery text, $4 words for typo
-- matching, $5 priorities (NULL = any), $6 tags (all required), $7 rows (one more than shown),
-- $8 offset, $9 check mode (always_check first, with content; no typo tier). NULL when the
-- project does not exist, else a JSON array of hits, best first.
CREATE FUNCTION mnemo.search_tiers(strict_query text, any_query text, term_queries text[],
                                   typo_words text[], priorities text[], required_tags text[],
                                   page_rows integer, page_offset integer, check_mode boolean)
    RETURNS json
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan
    AS $fn$
BEGIN
    IF priorities IS NOT NULL THEN
        PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    END IF;
    RETURN (
    WITH pid AS (SELECT mnemo.current_project_id() AS id),
    q AS (SELECT nullif(mnemo.fold($1), '')::tsquery AS strict, nullif(mnemo.fold($2), '')::tsquery AS anyq,
                 mnemo.keyed_query((SELECT id FROM pid), nullif(mnemo.fold($1), '')) AS kstrict,
                 mnemo.keyed_query((SELECT id FROM pid), nullif(mnemo.fold($2), '')) AS kany),
    want AS (SELECT $7 + $8 AS n, $7 - 1 + $8 AS shown),
    exact AS (
        SELECT c.topic, c.version, 2 AS tier, c.priority, c.created_at, 1.0::float8 AS coverage,
               ts_rank_cd(c.search, (SELECT anyq FROM q), 32) AS rank,
               ts_filter(c.search, '{a}') @@ (SELECT anyq FROM q) AS topic_match
        FROM mnemo.contexts c
        -- As in mnemo.search_exact: the project is an index condition only with a priority
        -- filter ($5).
        WHERE CASE WHEN $5 IS NULL THEN c.project_id + 0 ELSE c.project_id END
              = (SELECT id FROM pid)
          AND c.archived_at IS NULL AND NOT c.superseded
          AND mnemo.keyed_doc(c.project_id, c.search) @@ (SELECT kstrict FROM q)
          AND c.search @@ (SELECT strict FROM q) AND NOT $9
          AND ($5 IS NULL OR c.priority = ANY ($5)) AND c.tags @> $6),
    terms AS MATERIALIZED (
        SELECT x.q, ln(1 + 1000.0 / (1 + (
            SELECT count(*) FROM (SELECT 1 FROM mnemo.contexts d
                                  WHERE d.project_id + 0 = (SELECT id FROM pid)  -- as in exact
                                    AND d.archived_at IS NULL AND NOT d.superseded AND mnemo.keyed_doc(d.project_id, d.search)
                                        @@ mnemo.keyed_query((SELECT id FROM pid), x.t)
                                    AND d.search @@ x.q LIMIT 1000) s))) AS w
        FROM (SELECT mnemo.fold(u) AS t, mnemo.fold(u)::tsquery AS q FROM unnest($3) u) x
        WHERE (SELECT count(*) FROM exact) < (SELECT n FROM want)
          AND ($9 OR cardinality($3) > 1)),
    partial AS (
        SELECT c.topic, c.version, 1 AS tier, c.priority, c.created_at,
               (SELECT coalesce(sum(w) FILTER (WHERE c.search @@ terms.q), 0) / nullif(sum(w), 0)
                FROM terms)::float8 AS coverage,
               ts_rank_cd(c.search, (SELECT anyq FROM q), 32) AS rank,
               ts_filter(c.search, '{a}') @@ (SELECT anyq FROM q) AS topic_match
        FROM mnemo.contexts c
        WHERE (SELECT count(*) FROM exact) < (SELECT n FROM want)
          AND ($9 OR cardinality($3) > 1)  -- one item: nothing partial to find
          AND CASE WHEN $5 IS NULL THEN c.project_id + 0 ELSE c.project_id END  -- as in exact
              = (SELECT id FROM pid)
          AND c.archived_at IS NULL AND NOT c.superseded
          AND mnemo.keyed_doc(c.project_id, c.search) @@ (SELECT kany FROM q)
          AND c.search @@ (SELECT anyq FROM q)
          AND ($9 OR (SELECT strict FROM q) IS NULL OR NOT c.search @@ (SELECT strict FROM q))
          AND ($5 IS NULL OR c.priority = ANY ($5)) AND c.tags @> $6),
    fixes AS (
        SELECT v.word,
               (SELECT max(mnemo.trgm_similarity(v.word, f)) FROM unnest(mnemo.fold_all($4)) f)
                   AS similarity
        FROM mnemo.vocabulary v
        WHERE (SELECT count(*) FROM exact) + (SELECT count(*) FROM partial) < (SELECT shown FROM want)
          AND NOT $9 AND cardinality($4) > 0
          AND v.project_id = (SELECT id FROM pid)
          AND mnemo.similar_words(v.word, mnemo.fold_all($4))
        ORDER BY similarity DESC, v.word
        LIMIT 8),
    fixq AS (SELECT to_tsquery('simple', string_agg(word, ' | ')) AS tsq,
                    mnemo.keyed_query((SELECT id FROM pid), string_agg(quote_literal(word), ' | '))
                        AS ktsq
             FROM fixes),
    typo AS (
        SELECT c.topic, c.version, 0 AS tier, c.priority, c.created_at,
               0.5 * (SELECT max(f.similarity) FROM fixes f
                      WHERE c.search @@ to_tsquery('simple', f.word))::float8 AS coverage,
               0::real AS rank, false AS topic_match
        FROM mnemo.contexts c
        WHERE CASE WHEN $5 IS NULL THEN c.project_id + 0 ELSE c.project_id END  -- as in exact
              = (SELECT id FROM pid)
          AND c.archived_at IS NULL AND NOT c.superseded
          AND mnemo.keyed_doc(c.project_id, c.search) @@ (SELECT ktsq FROM fixq)
          AND c.search @@ (SELECT tsq FROM fixq)
          AND ((SELECT anyq FROM q) IS NULL OR NOT c.search @@ (SELECT anyq FROM q))
          AND ($5 IS NULL OR c.priority = ANY ($5)) AND c.tags @> $6
        LIMIT 200),
    ranked AS (
        SELECT h.*,
               2 * coalesce(h.coverage, 0) + h.rank
               + CASE WHEN h.topic_match THEN float8 '0.5' ELSE 0 END
               + CASE h.priority WHEN 'always_check' THEN float8 '0.3'
                                 WHEN 'important' THEN float8 '0.15' ELSE 0 END
               + 0.2 / (1 + date_part('epoch', now() - h.created_at) / 2592000) AS score
        FROM (SELECT * FROM exact UNION ALL SELECT * FROM partial UNION ALL SELECT * FROM typo) h
        ORDER BY CASE WHEN $9 THEN h.priority = 'always_check' END DESC, h.tier DESC,
                 score DESC, h.created_at DESC, h.topic
        LIMIT $7 OFFSET $8),
    page AS (
        SELECT r.*, c.tags, c.preview, c.search,
               CASE WHEN $9 AND c.priority = 'always_check' THEN left(c.content, 2000) END
                   AS content
        FROM ranked r
        JOIN mnemo.contexts c ON c.project_id = (SELECT id FROM pid) AND c.topic = r.topic
                             AND c.version = r.version)
    SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE
        (SELECT coalesce(json_agg(json_build_object(
            'topic', r.topic, 'version', r.version, 'priority', r.priority, 'tags', r.tags,
            'preview', left(r.preview, 300), 'score', round(r.score::numeric, 4),
            'match', CASE r.tier WHEN 2 THEN 'all' WHEN 1 THEN 'some' ELSE 'typo' END,
            'matched', (
                SELECT coalesce(json_agg(f.name ORDER BY f.ord), '[]') FROM (VALUES
                    (1, 'topic', '{a}'::"char"[]), (2, 'tags', '{b}'), (3, 'content', '{c}'))
                    AS f(ord, name, w)
                WHERE ts_filter(r.search, f.w) @@ CASE WHEN r.tier = 0 THEN (SELECT tsq FROM fixq)
                                                       ELSE (SELECT anyq FROM q) END),
            'content', r.content, 'created_at', r.created_at)
            ORDER BY CASE WHEN $9 THEN r.priority = 'always_check' END DESC, r.tier DESC,
                     r.score DESC, r.created_at DESC, r.topic), '[]') FROM page r) END);
END
$fn$;
REVOKE EXECUTE ON FUNCTION mnemo.search_tiers(text, text, text[], text[], text[], text[], integer,
                                              integer, boolean) FROM PUBLIC;
