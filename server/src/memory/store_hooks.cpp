// SPDX-License-Identifier: MIT
// Store: what Claude Code hooks read and write — guards in force, automatic handovers.
#include <array>

#include "memory/store.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Param;

}  // namespace

Result<Json> Store::Guards(const ProjectRef& project) {
    // contexts_guarded holds only live guarded versions; each must be its topic's latest.
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE
    (SELECT coalesce(json_agg(json_build_object(
        'topic', g.topic, 'version', g.version, 'priority', g.priority,
        'pattern', g.guard_pattern, 'decision', g.guard_decision,
        'content', left(g.content, 1000)) ORDER BY g.topic), '[]')
     FROM (SELECT c.topic, c.version, c.priority, c.guard_pattern, c.guard_decision, c.content
           FROM mnemo.contexts c
           JOIN mnemo.topics t ON t.project_id = c.project_id AND t.topic = c.topic
                              AND t.latest_version = c.version
           WHERE c.project_id = (SELECT id FROM pid) AND c.guard_pattern IS NOT NULL
             AND c.archived_at IS NULL
           ORDER BY c.topic LIMIT 200) g) END)sql";
    return ProjectJson(project, "hook_guards", kSql, {});
}

Result<Json> Store::StoreAutomaticHandover(const ProjectRef& project,
                                           const AutomaticHandoverRequest& request) {
    const std::string completed = Json(request.completed).dump();
    const std::string pending = Json(request.pending).dump();
    const std::array<Param, 7> params{
        Param(request.summary),
        Param(completed),
        Param(pending),
        Param(request.notes),
        Param(request.client_session),
        request.since.empty() ? Param(std::nullopt) : Param(request.since),
        Param("hook")};
    // A handover written by sleep in this conversation wins: nothing is stored. Otherwise the
    // conversation's automatic handover is inserted, or updated in place (PreCompact, then
    // SessionEnd); rows written by sleep are never touched (they are not in the unique index).
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
manual AS (
    SELECT h.created_at FROM mnemo.handovers h
    WHERE h.project_id = (SELECT id FROM pid) AND NOT h.automatic
      AND ((h.client_session <> '' AND h.client_session = $5)
           OR ($6::timestamptz IS NOT NULL AND h.created_at >= $6::timestamptz))
    ORDER BY h.created_at DESC LIMIT 1),
up AS (
    INSERT INTO mnemo.handovers AS h (project_id, summary, completed, pending, notes,
                                      session_id, automatic, client_session)
    SELECT (SELECT id FROM pid), $1, $2::jsonb, $3::jsonb, $4, $7, true, $5
    WHERE (SELECT id FROM pid) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM manual)
    ON CONFLICT (project_id, client_session) WHERE automatic AND client_session <> ''
    DO UPDATE SET summary = excluded.summary, completed = excluded.completed,
                  pending = excluded.pending, notes = excluded.notes, created_at = now()
    RETURNING h.handover_id, h.created_at, (h.xmax <> 0) AS updated)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'stored', EXISTS (SELECT 1 FROM up),
    'updated', coalesce((SELECT updated FROM up), false),
    'handover_id', (SELECT handover_id FROM up),
    'created_at', (SELECT created_at FROM up),
    'skipped', CASE WHEN EXISTS (SELECT 1 FROM manual) THEN
        'the conversation wrote its own handover (sleep) at ' ||
        (SELECT created_at FROM manual)::text END) END)sql";
    return ProjectJson(project, "automatic_handover", kSql, params);
}

}  // namespace mnemo::memory
