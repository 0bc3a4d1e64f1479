// SPDX-License-Identifier: MIT
// Store: the memory browser's reads (project page, handovers, topic tree, versions, file
// changes) and restoring an archived version.
#include <array>

#include "memory/pool_errors.hpp"
#include "memory/store.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Param;

}  // namespace

Result<Json> Store::ProjectOverview(const ProjectRef& project, int per_priority) {
    // Each priority's list reads topics_live_by_time backwards; counts stop at 10 000 and read
    // only indexes, so a page costs about the same for ten contexts and for a million. (No
    // count of archived versions: no index has them; each context's page lists its own.)
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
latest AS (
    SELECT l.* FROM unnest(ARRAY['always_check', 'important', 'reference']) AS pr(priority),
    LATERAL (SELECT t.topic, t.latest_version, t.latest_at FROM mnemo.topics t
             WHERE t.project_id = (SELECT id FROM pid) AND t.latest_version IS NOT NULL
               AND t.latest_priority = pr.priority
             ORDER BY t.latest_at DESC LIMIT $1::int) l)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'project', p.name, 'description', p.description, 'created_at', p.created_at,
    'counts', json_build_object(
        'always_check', (SELECT count(*) FROM (SELECT 1 FROM mnemo.topics t
            WHERE t.project_id = p.project_id AND t.latest_version IS NOT NULL
              AND t.latest_priority = 'always_check' LIMIT 10000) n),
        'important', (SELECT count(*) FROM (SELECT 1 FROM mnemo.topics t
            WHERE t.project_id = p.project_id AND t.latest_version IS NOT NULL
              AND t.latest_priority = 'important' LIMIT 10000) n),
        'reference', (SELECT count(*) FROM (SELECT 1 FROM mnemo.topics t
            WHERE t.project_id = p.project_id AND t.latest_version IS NOT NULL
              AND t.latest_priority = 'reference' LIMIT 10000) n),
        'handovers', (SELECT count(*) FROM (SELECT 1 FROM mnemo.handovers h
            WHERE h.project_id = p.project_id LIMIT 10000) n),
        'files', (SELECT count(*) FROM (SELECT 1 FROM mnemo.files f
            WHERE f.project_id = p.project_id LIMIT 10000) n)),
    'contexts', (SELECT coalesce(json_agg(json_build_object(
        'topic', c.topic, 'version', c.version, 'priority', c.priority, 'tags', c.tags,
        'preview', left(c.preview, 200), 'created_at', c.created_at)
        ORDER BY l.latest_at DESC, c.topic), '[]')
        FROM latest l JOIN mnemo.contexts c ON c.project_id = p.project_id
                                         AND c.topic = l.topic AND c.version = l.latest_version))
END
FROM mnemo.projects p RIGHT JOIN pid ON p.project_id = pid.id)sql";
    const std::string limit = std::to_string(per_priority);
    const std::array<Param, 1> params{Param(limit)};
    return ProjectJson(project, "ui_project", kSql, params);
}

Result<Json> Store::Handovers(const ProjectRef& project, int limit, std::int64_t before) {
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE
    (SELECT coalesce(json_agg(json_build_object(
        'handover_id', h.handover_id, 'created_at', h.created_at, 'session', h.session_id,
        'summary', h.summary, 'completed', h.completed, 'pending', h.pending,
        'notes', left(h.notes, 4000))
        ORDER BY h.created_at DESC, h.handover_id DESC), '[]')
     FROM (SELECT * FROM mnemo.handovers h
           WHERE h.project_id = (SELECT id FROM pid)
             AND ($2::bigint = 0 OR h.handover_id < $2::bigint)
           ORDER BY h.created_at DESC, h.handover_id DESC LIMIT $1::int) h) END)sql";
    const std::string limit_text = std::to_string(limit);
    const std::string before_text = std::to_string(before);
    const std::array<Param, 2> params{Param(limit_text), Param(before_text)};
    return ProjectJson(project, "ui_handovers", kSql, params);
}

Result<Json> Store::TopicLevel(const ProjectRef& project, const std::string& prefix, int limit) {
    // A skip scan of topics_live_by_name under the prefix: each step seeks the next topic
    // after the previous one, or past the whole folder it was in, so a level of 100 folders
    // over 10 000 topics costs about 100 seeks (plus an index-only count per folder shown),
    // not a read of every topic. The walk stops after 2 × (limit + 1) steps.
    constexpr std::string_view kSql = R"sql(
WITH RECURSIVE pid AS (SELECT mnemo.current_project_id() AS id),
walk(topic, version, priority, folder, n) AS (
    (SELECT t.topic, t.latest_version, t.latest_priority,
            substring(substr(t.topic, char_length($1) + 1) FROM '^[^/.]*[/.]'), 1
     FROM mnemo.topics t
     WHERE t.project_id = (SELECT id FROM pid) AND t.latest_version IS NOT NULL
       AND t.topic COLLATE "C" >= $1 AND t.topic COLLATE "C" < $1 || chr(1114111)
     ORDER BY t.topic COLLATE "C" LIMIT 1)
    UNION ALL
    SELECT x.topic, x.latest_version, x.latest_priority, x.folder, w.n + 1
    FROM walk w, LATERAL (
        SELECT t.topic, t.latest_version, t.latest_priority,
               substring(substr(t.topic, char_length($1) + 1) FROM '^[^/.]*[/.]') AS folder
        FROM mnemo.topics t
        WHERE t.project_id = (SELECT id FROM pid) AND t.latest_version IS NOT NULL
          AND t.topic COLLATE "C" > CASE WHEN w.folder IS NULL THEN w.topic
                                         ELSE $1 || w.folder || chr(1114111) END
          AND t.topic COLLATE "C" < $1 || chr(1114111)
        ORDER BY t.topic COLLATE "C" LIMIT 1) x
    WHERE w.n < 2 * ($2::int + 1)),
folders AS (SELECT folder FROM walk WHERE folder IS NOT NULL ORDER BY n LIMIT $2::int),
leaves AS (SELECT * FROM walk WHERE folder IS NULL ORDER BY n LIMIT $2::int),
capped AS (SELECT count(*) >= 2 * ($2::int + 1) AS hit FROM walk)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'prefix', $1::text,
    'folders', (SELECT coalesce(json_agg(json_build_object(
        'name', f.folder, 'path', $1 || f.folder,
        'topics', (SELECT count(*) FROM mnemo.topics t
                   WHERE t.project_id = (SELECT id FROM pid) AND t.latest_version IS NOT NULL
                     AND t.topic COLLATE "C" >= $1 || f.folder
                     AND t.topic COLLATE "C" < $1 || f.folder || chr(1114111)))
        ORDER BY f.folder COLLATE "C"), '[]') FROM folders f),
    'more_folders', (SELECT count(*) > $2::int FROM walk WHERE folder IS NOT NULL)
                    OR (SELECT hit FROM capped),
    'topics', (SELECT coalesce(json_agg(json_build_object(
        'topic', l.topic, 'name', substr(l.topic, char_length($1) + 1),
        'version', l.version, 'priority', l.priority)
        ORDER BY l.topic COLLATE "C"), '[]') FROM leaves l),
    'more_topics', (SELECT count(*) > $2::int FROM walk WHERE folder IS NULL)
                   OR (SELECT hit FROM capped)) END)sql";
    const std::string limit_text = std::to_string(limit);
    const std::array<Param, 2> params{Param(prefix), Param(limit_text)};
    return ProjectJson(project, "ui_topics", kSql, params);
}

Result<Json> Store::ContextVersions(const ProjectRef& project, const std::string& topic) {
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'topic', $1::text,
    'latest_version', (SELECT t.latest_version FROM mnemo.topics t
                       WHERE t.project_id = (SELECT id FROM pid) AND t.topic = $1),
    'versions', (SELECT coalesce(json_agg(json_build_object(
        'version', c.version, 'priority', c.priority, 'tags', c.tags,
        'created_at', c.created_at, 'archived_at', c.archived_at,
        'archive_reason', c.archive_reason, 'size_bytes', c.size_bytes,
        'content_hash', c.content_hash) ORDER BY c.version DESC), '[]')
        FROM (SELECT * FROM mnemo.contexts c
              WHERE c.project_id = (SELECT id FROM pid) AND c.topic = $1
              ORDER BY c.version DESC LIMIT 500) c)) END)sql";
    const std::array<Param, 1> params{Param(topic)};
    auto result = ProjectJson(project, "ui_versions", kSql, params);
    if (result.ok() && (*result)["versions"].empty()) {
        return Error(ErrorCode::kNotFound,
                     "no context '" + topic + "' in project '" + project.name + "'");
    }
    return result;
}

Result<Json> Store::RestoreContext(const ProjectRef& project, const std::string& topic,
                                   int version) {
    const std::string version_text = std::to_string(version);
    const std::array<Param, 2> params{Param(topic), Param(version_text)};
    // As in UnlockContext: the topic row's lock first, so the topic's latest live version is
    // set from rows no concurrent lock_context or unlock_context is changing.
    constexpr std::string_view kLockTopic = R"sql(
SELECT 1 FROM mnemo.topics t
WHERE t.project_id = mnemo.current_project_id() AND t.topic = $1 FOR UPDATE)sql";
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
target AS (
    SELECT c.version, c.priority, c.created_at, c.archived_at FROM mnemo.contexts c
    WHERE c.project_id = (SELECT id FROM pid) AND c.topic = $1 AND c.version = $2::int),
done AS (
    UPDATE mnemo.contexts c SET archived_at = NULL, archive_reason = NULL
    FROM target t
    WHERE t.archived_at IS NOT NULL AND c.project_id = (SELECT id FROM pid) AND c.topic = $1
      AND c.version = t.version
    RETURNING c.version, c.priority, c.created_at),
latest AS (
    UPDATE mnemo.topics t SET (latest_version, latest_priority, latest_at) =
        (d.version, d.priority, d.created_at)
    FROM done d
    WHERE t.project_id = (SELECT id FROM pid) AND t.topic = $1
      AND (t.latest_version IS NULL OR t.latest_version < d.version)
    RETURNING t.latest_version)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'found', EXISTS (SELECT 1 FROM target),
    'restored', EXISTS (SELECT 1 FROM done)) END)sql";
    auto lease = Lease(project.Tenant(), "ui_restore");
    if (!lease.ok()) return FromPool(lease.error());
    auto step = lease->Execute("BEGIN");
    if (step.ok()) step = lease->Execute(kLockTopic, std::span<const Param>(params.data(), 1));
    if (step.ok()) step = lease->Execute(kSql, params);
    if (!step.ok()) {
        (void)lease->connection().Execute("ROLLBACK");
        return FromPool(step.error());
    }
    const Json outcome =
        step->rows() == 1 && !step->IsNull(0, 0) ? Json::parse(step->Get(0, 0)) : Json();
    if (auto committed = lease->Execute("COMMIT"); !committed.ok()) {
        return FromPool(committed.error());
    }
    if (outcome.is_null()) {
        return Error(ErrorCode::kProjectMissing, "project '" + project.name + "' does not exist");
    }
    const std::string named = "'" + topic + "' version " + version_text;
    if (!outcome.value("found", false)) {
        return Error(ErrorCode::kNotFound,
                     "no context " + named + " in project '" + project.name + "'");
    }
    if (!outcome.value("restored", false)) {
        return Error(ErrorCode::kRefused, named + " is not archived");
    }
    return Json{{"topic", topic}, {"version", version}, {"restored", true}};
}

Result<Json> Store::RecentFileChanges(const ProjectRef& project, int limit) {
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'files', (SELECT count(*) FROM (SELECT 1 FROM mnemo.files f
              WHERE f.project_id = (SELECT id FROM pid) LIMIT 100000) n),
    'changes', (SELECT coalesce(json_agg(json_build_object(
        'path', c.path, 'change', c.change, 'size_bytes', c.size_bytes,
        'changed_at', c.changed_at) ORDER BY c.changed_at DESC, c.change_id DESC), '[]')
        FROM (SELECT * FROM mnemo.file_changes c
              WHERE c.project_id = (SELECT id FROM pid)
              ORDER BY c.changed_at DESC, c.change_id DESC LIMIT $1::int) c)) END)sql";
    const std::string limit_text = std::to_string(limit);
    const std::array<Param, 1> params{Param(limit_text)};
    return ProjectJson(project, "ui_file_changes", kSql, params);
}

}  // namespace mnemo::memory
