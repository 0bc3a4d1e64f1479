// SPDX-License-Identifier: MIT
// Store: session handovers (sleep, get_last_handover) and the wake_up briefing.
#include <array>

#include "memory/store.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Param;

}  // namespace

Result<Json> Store::Sleep(const ProjectRef& project, const HandoverRequest& request) {
    const std::string completed = Json(request.completed).dump();
    const std::string pending = Json(request.pending).dump();
    const std::array<Param, 5> params{Param(request.summary), Param(completed), Param(pending),
                                      Param(request.notes), Param(request.session_id)};
    constexpr std::string_view kSql = R"sql(
INSERT INTO mnemo.handovers (project_id, summary, completed, pending, notes, session_id)
SELECT p.id, $1, $2::jsonb, $3::jsonb, $4, $5
FROM (SELECT mnemo.current_project_id() AS id) p WHERE p.id IS NOT NULL
RETURNING json_build_object('handover_id', handover_id, 'created_at', created_at,
                            'completed', jsonb_array_length(completed),
                            'pending', jsonb_array_length(pending)))sql";
    return ProjectJson(project, "sleep", kSql, params);
}

Result<Json> Store::LastHandover(const ProjectRef& project) {
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE coalesce(
    (SELECT json_build_object(
        'available', true, 'handover_id', h.handover_id, 'created_at', h.created_at,
        'age_hours', round((extract(epoch FROM now() - h.created_at) / 3600)::numeric, 2),
        'summary', h.summary, 'completed', h.completed, 'pending', h.pending,
        'notes', h.notes, 'session', h.session_id, 'automatic', h.automatic)
     FROM mnemo.handovers h WHERE h.project_id = (SELECT id FROM pid)
     ORDER BY h.created_at DESC, h.handover_id DESC LIMIT 1),
    json_build_object('available', false)) END)sql";
    return ProjectJson(project, "get_last_handover", kSql, {});
}

Result<Json> Store::WakeUp(const ProjectRef& project) {
    // Every part reads an index range bounded by what it shows (counts stop at 10 000).
    // Bounded: at most 20 always_check contexts of at most 3000 characters each, 20 important
    // previews, 10 recent changes and 20 changed files, so the briefing stays far below
    // clients' output caps.
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
always AS (
    SELECT c.topic, c.version, c.content, c.tags
    FROM (SELECT t.topic, t.latest_version FROM mnemo.topics t
          WHERE t.project_id = (SELECT id FROM pid) AND t.latest_version IS NOT NULL
            AND t.latest_priority = 'always_check'
          ORDER BY t.topic LIMIT 20) l
    JOIN mnemo.contexts c ON c.project_id = (SELECT id FROM pid) AND c.topic = l.topic
                         AND c.version = l.latest_version),
important AS (
    SELECT c.topic, c.version, c.preview, c.created_at
    FROM (SELECT t.topic, t.latest_version FROM mnemo.topics t
          WHERE t.project_id = (SELECT id FROM pid) AND t.latest_version IS NOT NULL
            AND t.latest_priority = 'important'
          ORDER BY t.latest_at DESC LIMIT 20) l
    JOIN mnemo.contexts c ON c.project_id = (SELECT id FROM pid) AND c.topic = l.topic
                         AND c.version = l.latest_version)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'project', (SELECT p.name FROM mnemo.projects p WHERE p.project_id = (SELECT id FROM pid)),
    'handover', (SELECT json_build_object(
        'created_at', h.created_at,
        'age_hours', round((extract(epoch FROM now() - h.created_at) / 3600)::numeric, 2),
        'summary', h.summary, 'completed', h.completed, 'pending', h.pending, 'notes', h.notes,
        'automatic', h.automatic)
        FROM mnemo.handovers h WHERE h.project_id = (SELECT id FROM pid)
        ORDER BY h.created_at DESC, h.handover_id DESC LIMIT 1),
    'always_check', (SELECT coalesce(json_agg(json_build_object(
        'topic', topic, 'version', version, 'tags', tags, 'content', left(content, 3000),
        'truncated', char_length(content) > 3000) ORDER BY topic), '[]') FROM always),
    'important', (SELECT coalesce(json_agg(json_build_object(
        'topic', topic, 'version', version, 'preview', left(preview, 200))
        ORDER BY created_at DESC), '[]') FROM important),
    'counts', json_build_object(
        'always_check', (SELECT count(*) FROM (SELECT 1 FROM mnemo.topics t
            WHERE t.project_id = (SELECT id FROM pid) AND t.latest_version IS NOT NULL
              AND t.latest_priority = 'always_check' LIMIT 10000) n),
        'important', (SELECT count(*) FROM (SELECT 1 FROM mnemo.topics t
            WHERE t.project_id = (SELECT id FROM pid) AND t.latest_version IS NOT NULL
              AND t.latest_priority = 'important' LIMIT 10000) n),
        'reference', (SELECT count(*) FROM (SELECT 1 FROM mnemo.topics t
            WHERE t.project_id = (SELECT id FROM pid) AND t.latest_version IS NOT NULL
              AND t.latest_priority = 'reference' LIMIT 10000) n),
        'handovers', (SELECT count(*) FROM (SELECT 1 FROM mnemo.handovers h
                      WHERE h.project_id = (SELECT id FROM pid) LIMIT 10000) n)),
    'recent', (SELECT coalesce(json_agg(json_build_object(
        'topic', r.topic, 'version', r.version, 'priority', r.priority,
        'created_at', r.created_at, 'archived_at', r.archived_at)
        ORDER BY r.created_at DESC), '[]')
        FROM (SELECT c.topic, c.version, c.priority, c.created_at, c.archived_at
              FROM mnemo.contexts c WHERE c.project_id = (SELECT id FROM pid)
              ORDER BY c.created_at DESC LIMIT 10) r),
    -- Files changed (file index) since the last handover: how many, and the 20 latest.
    'files_changed', (SELECT CASE WHEN h.at IS NULL THEN NULL ELSE json_build_object(
        'since', h.at,
        'count', (SELECT count(DISTINCT c.path) FROM mnemo.file_changes c
                  WHERE c.project_id = (SELECT id FROM pid) AND c.changed_at > h.at),
        'recent', (SELECT coalesce(json_agg(json_build_object(
            'path', l.path, 'change', l.change, 'changed_at', l.changed_at)
            ORDER BY l.changed_at DESC, l.path), '[]')
            FROM (SELECT * FROM (SELECT DISTINCT ON (c.path) c.path, c.change, c.changed_at
                                 FROM mnemo.file_changes c
                                 WHERE c.project_id = (SELECT id FROM pid)
                                   AND c.changed_at > h.at
                                 ORDER BY c.path, c.change_id DESC) latest
                  ORDER BY latest.changed_at DESC, latest.path LIMIT 20) l)) END
        FROM (SELECT max(created_at) AS at FROM mnemo.handovers
              WHERE project_id = (SELECT id FROM pid)) h)) END)sql";
    return ProjectJson(project, "wake_up", kSql, {});
}

}  // namespace mnemo::memory
