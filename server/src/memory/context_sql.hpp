// SPDX-License-Identifier: MIT
// The statements behind lock_context and recall_context, shared with the benchmark that
// compares mnemo with issuing them directly through libpq.
#pragma once

#include <string_view>

namespace mnemo::memory::sql {

/// $1 topic, $2 content, $3 priority, $4 tags (text[] literal). Takes the next version of the
/// topic under the topic row's lock. One row of JSON; no row when the tenant token matches no
/// project.
inline constexpr std::string_view kLockContext = R"sql(
WITH v AS (
    INSERT INTO mnemo.topics AS t (project_id, topic, last_version)
    SELECT p.id, $1, 1 FROM (SELECT mnemo.current_project_id() AS id) p WHERE p.id IS NOT NULL
    ON CONFLICT (project_id, topic) DO UPDATE SET last_version = t.last_version + 1
    RETURNING t.project_id, t.last_version),
c AS (
    INSERT INTO mnemo.contexts (project_id, topic, version, content, preview, priority, tags,
                                content_hash, size_bytes, search)
    SELECT v.project_id, $1, v.last_version, $2, left($2, 500), $3, $4::text[],
           encode(sha256(convert_to($2, 'UTF8')), 'hex'), octet_length($2),
           setweight(to_tsvector('english', translate($1, '/._-', '    ')), 'A') ||
           setweight(to_tsvector('english', array_to_string($4::text[], ' ')), 'B') ||
           setweight(to_tsvector('english', left($2, 100000)), 'C')
    FROM v
    RETURNING topic, version, priority, tags, content_hash, size_bytes, preview, created_at)
SELECT json_build_object('topic', topic, 'version', version, 'priority', priority,
                         'tags', tags, 'content_hash', content_hash, 'size_bytes', size_bytes,
                         'preview', preview, 'created_at', created_at)
FROM c)sql";

/// $1 topic, $2 version (NULL = latest live), $3 preview_only. Counts the access. One row:
/// NULL when the project does not exist, else JSON with "found".
inline constexpr std::string_view kRecallContext = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
hit AS (
    UPDATE mnemo.contexts c SET access_count = c.access_count + 1, last_accessed = now()
    WHERE c.project_id = (SELECT id FROM pid) AND c.topic = $1
      AND c.version = coalesce($2::int,
          (SELECT max(x.version) FROM mnemo.contexts x
           WHERE x.project_id = (SELECT id FROM pid) AND x.topic = $1
             AND x.archived_at IS NULL))
    RETURNING c.*)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE coalesce(
    (SELECT json_build_object(
        'found', true, 'topic', h.topic, 'version', h.version, 'priority', h.priority,
        'tags', h.tags, 'created_at', h.created_at, 'content_hash', h.content_hash,
        'size_bytes', h.size_bytes, 'access_count', h.access_count,
        'archived_at', h.archived_at, 'preview', h.preview,
        'content', CASE WHEN $3::bool THEN NULL ELSE h.content END,
        'live_versions', (SELECT coalesce(json_agg(v.version ORDER BY v.version), '[]')
                          FROM mnemo.contexts v
                          WHERE v.project_id = h.project_id AND v.topic = h.topic
                            AND v.archived_at IS NULL))
     FROM hit h),
    json_build_object('found', false)) END)sql";

/// search_contexts: $1 query (websearch syntax; also matched as a topic substring), $2 priority
/// (NULL = any), $3 tags (text[] literal, all required), $4 limit (one more than shown: is there
/// a next page?), $5 offset. Only each topic's latest live version. NULL when the project does
/// not exist, else a JSON array of hits, best first.
inline constexpr std::string_view kSearchContexts = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
q AS (SELECT websearch_to_tsquery('english', $1) AS tsq,
             '%' || replace(replace(replace($1, '\', '\\'), '%', '\%'), '_', '\_') || '%' AS pattern),
hits AS (
    SELECT c.topic, c.version, c.priority, c.tags, c.preview, c.created_at, c.access_count,
           ts_rank_cd(c.search, q.tsq) + CASE WHEN c.topic ILIKE q.pattern THEN 1 ELSE 0 END
               AS score
    FROM mnemo.contexts c, q
    WHERE c.project_id = (SELECT id FROM pid) AND c.archived_at IS NULL
      AND (c.search @@ q.tsq OR c.topic ILIKE q.pattern)
      AND ($2::text IS NULL OR c.priority = $2) AND c.tags @> $3::text[]
      AND NOT EXISTS (SELECT 1 FROM mnemo.contexts n
                      WHERE n.project_id = c.project_id AND n.topic = c.topic
                        AND n.version > c.version AND n.archived_at IS NULL)
    ORDER BY score DESC, c.created_at DESC, c.topic
    LIMIT $4::int OFFSET $5::int)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE
    (SELECT coalesce(json_agg(json_build_object(
        'topic', topic, 'version', version, 'priority', priority, 'tags', tags,
        'preview', left(preview, 300), 'score', round(score::numeric, 4),
        'created_at', created_at, 'access_count', access_count)), '[]') FROM hits) END)sql";

}  // namespace mnemo::memory::sql
