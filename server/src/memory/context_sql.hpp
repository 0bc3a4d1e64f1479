// SPDX-License-Identifier: MIT
// The statements behind lock_context and recall_context, shared with the benchmark that
// compares mnemo with issuing them directly through libpq.
#pragma once

#include <string_view>

namespace mnemo::memory::sql {

/// $1 topic, $2 content, $3 priority, $4 tags (text[] literal), $5 guard pattern, $6 guard
/// decision, $7 guard mode: 'set' ($5, $6), 'clear' (none), 'keep' (the previous latest
/// version's guard, if any). Takes the next version of the topic under the topic row's lock
/// and makes it the topic's latest live version in the same statement. One row of JSON; no row
/// when the tenant token matches no project.
inline constexpr std::string_view kLockContext = R"sql(
WITH prev AS (
    SELECT c.guard_pattern, c.guard_decision FROM mnemo.topics t
    JOIN mnemo.contexts c ON c.project_id = t.project_id AND c.topic = t.topic
                         AND c.version = t.latest_version
    WHERE t.project_id = mnemo.current_project_id() AND t.topic = $1 AND $7 = 'keep'),
v AS (
    INSERT INTO mnemo.topics AS t (project_id, topic, last_version, latest_version,
                                   latest_priority, latest_at)
    SELECT p.id, $1, 1, 1, $3, now()
    FROM (SELECT mnemo.current_project_id() AS id) p WHERE p.id IS NOT NULL
    ON CONFLICT (project_id, topic) DO UPDATE
        SET last_version = t.last_version + 1, latest_version = t.last_version + 1,
            latest_priority = excluded.latest_priority, latest_at = excluded.latest_at
    RETURNING t.project_id, t.last_version),
c AS (
    INSERT INTO mnemo.contexts (project_id, topic, version, content, preview, priority, tags,
                                content_hash, size_bytes, guard_pattern, guard_decision)
    SELECT v.project_id, $1, v.last_version, $2, left($2, 500), $3, $4::text[],
           encode(sha256(convert_to($2, 'UTF8')), 'hex'), octet_length($2),
           CASE $7 WHEN 'set' THEN $5 WHEN 'keep' THEN (SELECT guard_pattern FROM prev) END,
           CASE $7 WHEN 'set' THEN $6 WHEN 'keep' THEN (SELECT guard_decision FROM prev) END
    FROM v
    RETURNING project_id, topic, version, priority, tags, content_hash, size_bytes, preview,
              created_at, search, guard_pattern, guard_decision),
-- New words of five letters or more join the project's vocabulary (typo matching); sorted,
-- so that concurrent writers insert shared words in the same order.
voc AS (
    INSERT INTO mnemo.vocabulary (project_id, word)
    SELECT DISTINCT c.project_id, w FROM c, unnest(tsvector_to_array(c.search)) w
    WHERE char_length(w) BETWEEN 5 AND 40
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING)
SELECT json_build_object('topic', topic, 'version', version, 'priority', priority,
                         'tags', tags, 'content_hash', content_hash, 'size_bytes', size_bytes,
                         'preview', preview, 'created_at', created_at,
                         'guard', CASE WHEN guard_pattern IS NOT NULL THEN json_build_object(
                             'pattern', guard_pattern, 'decision', guard_decision) END)
FROM c)sql";

/// $1 topic, $2 version (NULL = latest live), $3 preview_only. A read: the latest live
/// version is the topic row's (one primary-key lookup each). One row: NULL when the project
/// does not exist, else JSON with "found" (and, when not found, the topic's "archived_versions").
inline constexpr std::string_view kRecallContext = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
hit AS (
    SELECT c.* FROM mnemo.contexts c
    WHERE c.project_id = (SELECT id FROM pid) AND c.topic = $1
      AND c.version = coalesce($2::int,
          (SELECT t.latest_version FROM mnemo.topics t
           WHERE t.project_id = (SELECT id FROM pid) AND t.topic = $1)))
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE coalesce(
    (SELECT json_build_object(
        'found', true, 'topic', h.topic, 'version', h.version, 'priority', h.priority,
        'tags', h.tags, 'created_at', h.created_at, 'content_hash', h.content_hash,
        'size_bytes', h.size_bytes, 'archived_at', h.archived_at, 'preview', h.preview,
        'guard', CASE WHEN h.guard_pattern IS NOT NULL THEN json_build_object(
            'pattern', h.guard_pattern, 'decision', h.guard_decision) END,
        'content', CASE WHEN $3::bool THEN NULL ELSE h.content END,
        'live_versions', (SELECT coalesce(json_agg(v.version ORDER BY v.version), '[]')
                          FROM mnemo.contexts v
                          WHERE v.project_id = h.project_id AND v.topic = h.topic
                            AND v.archived_at IS NULL))
     FROM hit h),
    json_build_object('found', false, 'archived_versions',
        (SELECT coalesce(json_agg(a.version ORDER BY a.version), '[]') FROM mnemo.contexts a
         WHERE a.project_id = (SELECT id FROM pid) AND a.topic = $1
           AND a.archived_at IS NOT NULL))) END)sql";

/// search_contexts' first statement: the tier where every item matches, alone. $1 strict
/// tsquery text, $2 any-term tsquery text, $3 priorities (text[]; NULL = any), $4 tags (text[],
/// all required), $5 rows (one more than shown), $6 offset. NULL when the project does not
/// exist, else {"total": hits of this tier, "hits": the page, ranked as kSearchContexts ranks
/// them}. When kSearchContexts' other tiers would not run (Store::SearchContexts says when),
/// it would return the same page, so the caller stops here: most searches then pay for
/// planning this small statement only (0.4 ms against 1.5 ms for kSearchContexts, measured).
inline constexpr std::string_view kSearchExact = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
q AS (SELECT nullif(mnemo.fold($1), '')::tsquery AS strict, nullif(mnemo.fold($2), '')::tsquery AS anyq,
             mnemo.keyed_query((SELECT id FROM pid), nullif(mnemo.fold($1), '')) AS kstrict),
-- Narrow rows (the page reads the rest by primary key): 10 000 hits stay in work_mem.
exact AS (
    SELECT c.topic, c.version, c.priority, c.created_at,
           2::float8 + ts_rank_cd(c.search, (SELECT anyq FROM q), 32)  -- as kSearchContexts
           + CASE WHEN ts_filter(c.search, '{a}') @@ (SELECT anyq FROM q) THEN 0.5 ELSE 0 END
           + CASE c.priority WHEN 'always_check' THEN 0.3 WHEN 'important' THEN 0.15 ELSE 0 END
           + 0.2 / (1 + extract(epoch FROM now() - c.created_at) / 2592000) AS score
    FROM mnemo.contexts c
    WHERE c.project_id = (SELECT id FROM pid) AND c.archived_at IS NULL AND NOT c.superseded
      AND mnemo.keyed_doc(c.project_id, c.search) @@ (SELECT kstrict FROM q)
      AND c.search @@ (SELECT strict FROM q)
      AND ($3::text[] IS NULL OR c.priority = ANY ($3::text[])) AND c.tags @> $4::text[]),
top AS (SELECT * FROM exact ORDER BY score DESC, created_at DESC, topic
        LIMIT $5::int OFFSET $6::int),
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
        ORDER BY r.score DESC, r.created_at DESC, r.topic), '[]') FROM page r)) END)sql";

/// search_contexts and check_contexts (see SearchQuery and docs/server.md, "Search"):
/// $1 strict tsquery text ('' = none), $2 any-term tsquery text, $3 each term's tsquery text
/// (text[]), $4 words for typo matching (text[]), $5 priorities (text[]; NULL = any), $6 tags
/// (text[], all required), $7 rows (one more than shown: is there a next page?), $8 offset,
/// $9 check mode (bool: always_check first, with content; no typo tier).
/// Tiers, each only when the ones before found fewer than offset + rows (the typo tier: than
/// the rows shown, so a full page of exact hits never pays for it): 2 every item
/// matches, 1 some do, 0 a word of the query is within a typo (pg_trgm similarity) of up to
/// eight words of the project's vocabulary, which are then searched exactly. Only each topic's
/// latest live version: the rows of contexts_doc (sql/009_search_speed.sql), found by their
/// project-keyed lexemes, then tested against the query itself. NULL when the project does not
/// exist, else a JSON array of hits, best first.
inline constexpr std::string_view kSearchContexts = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
q AS (SELECT nullif(mnemo.fold($1), '')::tsquery AS strict, nullif(mnemo.fold($2), '')::tsquery AS anyq,
             mnemo.keyed_query((SELECT id FROM pid), nullif(mnemo.fold($1), '')) AS kstrict,
             mnemo.keyed_query((SELECT id FROM pid), nullif(mnemo.fold($2), '')) AS kany),
want AS (SELECT $7::int + $8::int AS n, $7::int - 1 + $8::int AS shown),
exact AS (
    SELECT c.topic, c.version, 2 AS tier, c.priority, c.created_at, 1.0::float8 AS coverage,
           ts_rank_cd(c.search, (SELECT anyq FROM q), 32) AS rank,
           ts_filter(c.search, '{a}') @@ (SELECT anyq FROM q) AS topic_match
    FROM mnemo.contexts c
    WHERE c.project_id = (SELECT id FROM pid) AND c.archived_at IS NULL AND NOT c.superseded
      AND mnemo.keyed_doc(c.project_id, c.search) @@ (SELECT kstrict FROM q)
      AND c.search @@ (SELECT strict FROM q) AND NOT $9::bool
      AND ($5::text[] IS NULL OR c.priority = ANY ($5::text[])) AND c.tags @> $6::text[]),
terms AS MATERIALIZED (
    SELECT x.q, ln(1 + 1000.0 / (1 + (
        SELECT count(*) FROM (SELECT 1 FROM mnemo.contexts d
                              WHERE d.project_id = (SELECT id FROM pid) AND d.archived_at IS NULL
                                AND NOT d.superseded AND mnemo.keyed_doc(d.project_id, d.search)
                                    @@ mnemo.keyed_query((SELECT id FROM pid), x.t)
                                AND d.search @@ x.q LIMIT 1000) s))) AS w
    FROM (SELECT mnemo.fold(u) AS t, mnemo.fold(u)::tsquery AS q FROM unnest($3::text[]) u) x
    WHERE (SELECT count(*) FROM exact) < (SELECT n FROM want)
      AND ($9::bool OR cardinality($3::text[]) > 1)),
partial AS (
    SELECT c.topic, c.version, 1 AS tier, c.priority, c.created_at,
           (SELECT coalesce(sum(w) FILTER (WHERE c.search @@ terms.q), 0) / nullif(sum(w), 0)
            FROM terms)::float8 AS coverage,
           ts_rank_cd(c.search, (SELECT anyq FROM q), 32) AS rank,
           ts_filter(c.search, '{a}') @@ (SELECT anyq FROM q) AS topic_match
    FROM mnemo.contexts c
    WHERE (SELECT count(*) FROM exact) < (SELECT n FROM want)
      AND ($9::bool OR cardinality($3::text[]) > 1)  -- one item: nothing partial to find
      AND c.project_id = (SELECT id FROM pid) AND c.archived_at IS NULL AND NOT c.superseded
      AND mnemo.keyed_doc(c.project_id, c.search) @@ (SELECT kany FROM q)
      AND c.search @@ (SELECT anyq FROM q)
      AND ($9::bool OR (SELECT strict FROM q) IS NULL OR NOT c.search @@ (SELECT strict FROM q))
      AND ($5::text[] IS NULL OR c.priority = ANY ($5::text[])) AND c.tags @> $6::text[]),
fixes AS (
    SELECT v.word,
           (SELECT max(mnemo.trgm_similarity(v.word, f)) FROM unnest(mnemo.fold_all($4::text[])) f)
               AS similarity
    FROM mnemo.vocabulary v
    WHERE (SELECT count(*) FROM exact) + (SELECT count(*) FROM partial) < (SELECT shown FROM want)
      AND NOT $9::bool AND cardinality($4::text[]) > 0
      AND v.project_id = (SELECT id FROM pid)
      AND mnemo.similar_words(v.word, mnemo.fold_all($4::text[]))
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
    WHERE c.project_id = (SELECT id FROM pid) AND c.archived_at IS NULL AND NOT c.superseded
      AND mnemo.keyed_doc(c.project_id, c.search) @@ (SELECT ktsq FROM fixq)
      AND c.search @@ (SELECT tsq FROM fixq)
      AND ((SELECT anyq FROM q) IS NULL OR NOT c.search @@ (SELECT anyq FROM q))
      AND ($5::text[] IS NULL OR c.priority = ANY ($5::text[])) AND c.tags @> $6::text[]
    LIMIT 200),
ranked AS (
    SELECT h.*,
           2 * coalesce(h.coverage, 0) + h.rank + CASE WHEN h.topic_match THEN 0.5 ELSE 0 END
           + CASE h.priority WHEN 'always_check' THEN 0.3 WHEN 'important' THEN 0.15 ELSE 0 END
           + 0.2 / (1 + extract(epoch FROM now() - h.created_at) / 2592000) AS score
    FROM (SELECT * FROM exact UNION ALL SELECT * FROM partial UNION ALL SELECT * FROM typo) h
    ORDER BY CASE WHEN $9::bool THEN h.priority = 'always_check' END DESC, h.tier DESC,
             score DESC, h.created_at DESC, h.topic
    LIMIT $7::int OFFSET $8::int),
page AS (
    SELECT r.*, c.tags, c.preview, c.search,
           CASE WHEN $9::bool AND c.priority = 'always_check' THEN left(c.content, 2000) END
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
        ORDER BY CASE WHEN $9::bool THEN r.priority = 'always_check' END DESC, r.tier DESC,
                 r.score DESC, r.created_at DESC, r.topic), '[]') FROM page r) END)sql";

}  // namespace mnemo::memory::sql
