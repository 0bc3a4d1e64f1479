// SPDX-License-Identifier: MIT
// The statements mnemo runs per HTTP tool call besides memory::sql's lock and recall: copies,
// since the server keeps them inside functions. Keep them in step with the sources named.
#pragma once

#include <string_view>

namespace mnemo::bench::sql {

/// Copy of the statement in memory::Store::SearchContexts (server/src/memory/
/// store_contexts.cpp). $1 query, $2 priority (NULL = any), $3 tags (text[] literal), $4 limit
/// + 1, $5 offset. Run under the project's token.
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

/// Copy of the statement in memory::AccessStore::Resolve (server/src/memory/access_store.cpp):
/// the bearer token and session check every HTTP request makes before its tool runs, on a lease
/// of its own. $1 hex SHA-256 of the bearer token ('' without), $2 hex SHA-256 of the session
/// id, $3 session TTL in seconds, $4 whether a token is checked. Run under the server tenant's
/// token (AccessStore::ServerTenant()).
inline constexpr std::string_view kResolveSession = R"sql(
WITH tok AS (SELECT user_name, scope, encode(token_hash, 'hex') AS hash
             FROM mnemo.api_tokens
             WHERE $4::boolean AND token_hash = decode($1, 'hex') AND revoked_at IS NULL),
used AS (UPDATE mnemo.api_tokens SET last_used_at = now()
         WHERE $4::boolean AND token_hash = decode($1, 'hex') AND revoked_at IS NULL
           AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')),
who AS (SELECT CASE WHEN $4::boolean THEN (SELECT user_name FROM tok) ELSE '' END AS name),
ses AS (SELECT s.user_name, s.protocol_version, s.client_info, s.selected_project
        FROM mnemo.http_sessions s
        WHERE $2 <> '' AND s.id_hash = decode($2, 'hex') AND s.expires_at > now()
          AND s.user_name = (SELECT name FROM who)),
touch AS (UPDATE mnemo.http_sessions s
          SET last_seen = now(), expires_at = now() + make_interval(secs => $3::bigint)
          WHERE $2 <> '' AND s.id_hash = decode($2, 'hex') AND s.expires_at > now()
            AND s.user_name = (SELECT name FROM who)
            AND s.last_seen < now() - make_interval(secs => least($3::bigint / 100, 60)))
SELECT json_build_object('token', (SELECT row_to_json(tok) FROM tok),
                         'session', (SELECT row_to_json(ses) FROM ses)))sql";

}  // namespace mnemo::bench::sql
