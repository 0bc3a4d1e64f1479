// SPDX-License-Identifier: MIT
// Store: versioned contexts — lock, recall, unlock, search, topics, check.
#include <array>

#include "memory/context_sql.hpp"
#include "memory/store.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Error;
using pqpool::ErrorCode;
using pqpool::Param;

std::optional<std::string> OptionalInt(std::optional<int> value) {
    return value ? std::optional<std::string>(std::to_string(*value)) : std::nullopt;
}

Param AsParam(const std::optional<std::string>& value) {
    return value ? Param(*value) : Param(std::nullopt);
}

}  // namespace

pqpool::Result<Json> Store::LockContext(const ProjectRef& project, const LockRequest& request) {
    const std::string tags = TextArrayLiteral(request.tags);
    const std::array<Param, 4> params{Param(request.topic), Param(request.content),
                                      Param(request.priority), Param(tags)};
    return ProjectJson(project, "lock_context", sql::kLockContext, params);
}

pqpool::Result<Json> Store::RecallContext(const ProjectRef& project, const std::string& topic,
                                          std::optional<int> version, bool preview_only) {
    const auto version_text = OptionalInt(version);
    const std::array<Param, 3> params{Param(topic), AsParam(version_text),
                                      Param(preview_only ? "true" : "false")};
    auto result = ProjectJson(project, "recall_context", sql::kRecallContext, params);
    if (result.ok() && !result->value("found", false)) {
        return Error(ErrorCode::kInvalidArgument,
                     "no context '" + topic + "'" +
                         (version ? " version " + std::to_string(*version) : std::string()) +
                         " in project '" + project.name + "'",
                     kNotFound);
    }
    return result;
}

pqpool::Result<Json> Store::UnlockContext(const ProjectRef& project, const std::string& topic,
                                          std::optional<int> version, bool force) {
    const auto version_text = OptionalInt(version);
    const std::array<Param, 3> params{Param(topic), AsParam(version_text),
                                      Param(force ? "true" : "false")};
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
target AS (
    SELECT c.version, c.priority FROM mnemo.contexts c
    WHERE c.project_id = (SELECT id FROM pid) AND c.topic = $1 AND c.archived_at IS NULL
      AND ($2::int IS NULL OR c.version = $2::int)
    FOR UPDATE),
allowed AS (
    SELECT $3::bool OR NOT EXISTS (SELECT 1 FROM target WHERE priority = 'always_check') AS ok),
done AS (
    UPDATE mnemo.contexts c SET archived_at = now(), archive_reason = 'unlock_context'
    FROM target t, allowed a
    WHERE a.ok AND c.project_id = (SELECT id FROM pid) AND c.topic = $1 AND c.version = t.version
    RETURNING c.version)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'topic', $1::text,
    'matched', (SELECT coalesce(json_agg(version ORDER BY version), '[]') FROM target),
    'always_check', EXISTS (SELECT 1 FROM target WHERE priority = 'always_check'),
    'archived', (SELECT coalesce(json_agg(version ORDER BY version), '[]') FROM done)) END)sql";
    auto result = ProjectJson(project, "unlock_context", kSql, params);
    if (!result.ok()) return result;
    if ((*result)["matched"].empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "no live context '" + topic + "'" +
                         (version ? " version " + std::to_string(*version) : std::string()) +
                         " in project '" + project.name + "' (already archived, or never locked)",
                     kNotFound);
    }
    if ((*result)["archived"].empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "'" + topic + "' is an always_check context: pass force: true to archive it",
                     kRefused);
    }
    return result;
}

pqpool::Result<Json> Store::SearchContexts(const ProjectRef& project,
                                           const SearchRequest& request) {
    const std::string tags = TextArrayLiteral(request.tags);
    const std::string limit = std::to_string(request.limit + 1);  // one more: is there a next page?
    const std::string offset = std::to_string(request.offset);
    const std::array<Param, 5> params{Param(request.query), AsParam(request.priority), Param(tags),
                                      Param(limit), Param(offset)};
    return ProjectJson(project, "search_contexts", sql::kSearchContexts, params);
}

pqpool::Result<Json> Store::ListTopics(const ProjectRef& project, const std::string& prefix,
                                       int limit, const std::string& after) {
    const std::string limit_text = std::to_string(limit);
    const std::array<Param, 3> params{Param(prefix), Param(limit_text), Param(after)};
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
live AS (
    SELECT c.topic, max(c.version) AS latest_version, count(*) AS versions,
           (array_agg(c.priority ORDER BY c.version DESC))[1] AS priority
    FROM mnemo.contexts c
    WHERE c.project_id = (SELECT id FROM pid) AND c.archived_at IS NULL
      AND left(c.topic, length($1)) = $1 AND c.topic > $3
    GROUP BY c.topic ORDER BY c.topic LIMIT $2::int)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE
    (SELECT coalesce(json_agg(json_build_object('topic', topic, 'latest_version', latest_version,
                                                'versions', versions, 'priority', priority)
                              ORDER BY topic), '[]') FROM live) END)sql";
    return ProjectJson(project, "explore_context_tree", kSql, params);
}

pqpool::Result<Json> Store::CheckContexts(const ProjectRef& project, const std::string& text) {
    const std::array<Param, 1> params{Param(text)};
    // Any word of the text may match: plainto_tsquery ANDs the words, so turn & into |.
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
q AS (SELECT nullif(replace(plainto_tsquery('english', $1)::text, ' & ', ' | '), '')::tsquery
             AS tsq),
hits AS (
    SELECT c.topic, c.version, c.priority, c.preview,
           CASE WHEN c.priority = 'always_check' THEN left(c.content, 2000) END AS content,
           ts_rank_cd(c.search, q.tsq) AS score
    FROM mnemo.contexts c, q
    WHERE c.project_id = (SELECT id FROM pid) AND c.archived_at IS NULL
      AND c.priority IN ('always_check', 'important') AND c.search @@ q.tsq
      AND NOT EXISTS (SELECT 1 FROM mnemo.contexts n
                      WHERE n.project_id = c.project_id AND n.topic = c.topic
                        AND n.version > c.version AND n.archived_at IS NULL)
    ORDER BY c.priority = 'always_check' DESC, score DESC, c.topic
    LIMIT 10)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE
    (SELECT coalesce(json_agg(json_build_object(
        'topic', topic, 'version', version, 'priority', priority, 'preview', left(preview, 300),
        'content', content, 'score', round(score::numeric, 4))), '[]') FROM hits) END)sql";
    return ProjectJson(project, "check_contexts", kSql, params);
}

}  // namespace mnemo::memory
