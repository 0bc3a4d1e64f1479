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
/// The statement is the PL/pgSQL function mnemo.recall_context (sql/011_recall_plan.sql),
/// planned once per backend, as the search statements are (010).
inline constexpr std::string_view kRecallContext =
    "SELECT mnemo.recall_context($1::text, $2::int, $3::bool)";

/// search_contexts' first statement: the tier where every item matches, alone. $1 strict
/// tsquery text, $2 any-term tsquery text, $3 priorities (text[]; NULL = any), $4 tags (text[],
/// all required), $5 rows (one more than shown), $6 offset. NULL when the project does not
/// exist, else {"total": hits of this tier, "hits": the page, ranked as kSearchContexts ranks
/// them}. When kSearchContexts' other tiers would not run (Store::SearchContexts says when),
/// it would return the same page, so the caller stops here.
/// The statement is the PL/pgSQL function mnemo.search_exact (sql/010_search_plan.sql), whose
/// plan each backend makes once: a call costs its execution only, not 0.6 ms of parsing and
/// planning (docs/bench-runs/search.md, "Search: planned once per connection").
inline constexpr std::string_view kSearchExact =
    "SELECT mnemo.search_exact($1, $2, $3::text[], $4::text[], $5::int, $6::int)";

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
/// The statement is the PL/pgSQL function mnemo.search_tiers (sql/010_search_plan.sql),
/// planned once per backend like kSearchExact.
inline constexpr std::string_view kSearchContexts =
    "SELECT mnemo.search_tiers($1, $2, $3::text[], $4::text[], $5::text[], $6::text[], $7::int, "
    "$8::int, $9::bool)";

}  // namespace mnemo::memory::sql
