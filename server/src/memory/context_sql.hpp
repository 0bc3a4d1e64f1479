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

}  // namespace mnemo::memory::sql
