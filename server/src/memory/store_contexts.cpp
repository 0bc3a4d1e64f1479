// SPDX-License-Identifier: MIT
// Store: versioned contexts — lock, recall, unlock, search, topics, check.
#include <array>

#include "memory/context_sql.hpp"
#include "memory/pool_errors.hpp"
#include "memory/search_query.hpp"
#include "memory/store.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Param;

std::optional<std::string> OptionalInt(std::optional<int> value) {
    return value ? std::optional<std::string>(std::to_string(*value)) : std::nullopt;
}

Param AsParam(const std::optional<std::string>& value) {
    return value ? Param(*value) : Param(std::nullopt);
}

}  // namespace

Result<Json> Store::LockContext(const ProjectRef& project, const LockRequest& request) {
    const std::string tags = TextArrayLiteral(request.tags);
    const char* mode = request.guard_mode == GuardMode::kSet     ? "set"
                       : request.guard_mode == GuardMode::kClear ? "clear"
                                                                 : "keep";
    const std::array<Param, 7> params{
        Param(request.topic), Param(request.content),       Param(request.priority),
        Param(tags),          Param(request.guard_pattern), Param(request.guard_decision),
        Param(mode)};
    return ProjectJson(project, "lock_context", sql::kLockContext, params);
}

Result<Json> Store::RecallContext(const ProjectRef& project, const std::string& topic,
                                  std::optional<int> version, bool preview_only) {
    const auto version_text = OptionalInt(version);
    const std::array<Param, 3> params{Param(topic), AsParam(version_text),
                                      Param(preview_only ? "true" : "false")};
    auto result = ProjectJson(project, "recall_context", sql::kRecallContext, params);
    if (result.ok() && !result->value("found", false)) {
        std::string message = "no context '" + topic + "'" +
                              (version ? " version " + std::to_string(*version) : std::string()) +
                              " in project '" + project.name + "'";
        const Json archived = result->value("archived_versions", Json::array());
        if (!version && !archived.empty()) {
            std::string numbers;
            for (const auto& n : archived) numbers += (numbers.empty() ? "" : ", ") + n.dump();
            message += ": every version is archived (" + numbers +
                       "); read one with recall_context and version=" + archived.back().dump() +
                       ", or store a new one with lock_context";
        }
        return Error(ErrorCode::kNotFound, message);
    }
    return result;
}

Result<Json> Store::UnlockContext(const ProjectRef& project, const std::string& topic,
                                  std::optional<int> version, bool force) {
    const auto version_text = OptionalInt(version);
    const std::array<Param, 3> params{Param(topic), AsParam(version_text),
                                      Param(force ? "true" : "false")};
    // Two statements in one transaction: the first takes the topic row's lock (lock_context
    // takes it too), so the second, with a snapshot taken after that lock, sees every version
    // a concurrent writer acknowledged before, and sets the topic's latest live version from
    // the same rows it archives.
    constexpr std::string_view kLockTopic = R"sql(
SELECT 1 FROM mnemo.topics t
WHERE t.project_id = mnemo.current_project_id() AND t.topic = $1 FOR UPDATE)sql";
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
    RETURNING c.version),
latest AS (
    UPDATE mnemo.topics t
    SET (latest_version, latest_priority, latest_at) = (
        SELECT c.version, c.priority, c.created_at FROM mnemo.contexts c
        WHERE c.project_id = t.project_id AND c.topic = t.topic AND c.archived_at IS NULL
          AND c.version NOT IN (SELECT version FROM done)
        ORDER BY c.version DESC LIMIT 1)
    WHERE t.project_id = (SELECT id FROM pid) AND t.topic = $1
      AND t.latest_version IN (SELECT version FROM done)
    RETURNING t.latest_version)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'topic', $1::text,
    'matched', (SELECT coalesce(json_agg(version ORDER BY version), '[]') FROM target),
    'always_check', EXISTS (SELECT 1 FROM target WHERE priority = 'always_check'),
    'archived', (SELECT coalesce(json_agg(version ORDER BY version), '[]') FROM done),
    'updated_latest', (SELECT count(*) FROM latest)) END)sql";
    auto lease = Lease(project.Tenant(), "unlock_context");
    if (!lease.ok()) return FromPool(lease.error());
    auto step = lease->Execute("BEGIN");
    if (step.ok()) step = lease->Execute(kLockTopic, std::span<const Param>(params.data(), 1));
    if (step.ok()) step = lease->Execute(kSql, params);
    Result<Json> result = Json();
    if (!step.ok()) {
        result = FromPool(step.error());
    } else if (step->rows() == 1 && !step->IsNull(0, 0)) {
        result = Json::parse(step->Get(0, 0));
    }
    if (result.ok()) {
        if (auto committed = lease->Execute("COMMIT"); !committed.ok()) {
            return FromPool(committed.error());
        }
    } else {
        (void)lease->connection().Execute("ROLLBACK");
        return result;
    }
    if (result->is_null()) {
        return Error(ErrorCode::kProjectMissing, "project '" + project.name + "' does not exist");
    }
    result->erase("updated_latest");
    if ((*result)["matched"].empty()) {
        return Error(ErrorCode::kNotFound,
                     "no live context '" + topic + "'" +
                         (version ? " version " + std::to_string(*version) : std::string()) +
                         " in project '" + project.name + "' (already archived, or never locked)");
    }
    if ((*result)["archived"].empty()) {
        return Error(ErrorCode::kRefused,
                     "'" + topic + "' is an always_check context: pass force: true to archive it");
    }
    return result;
}

Result<Json> Store::SearchContexts(const ProjectRef& project, const SearchRequest& request) {
    const SearchQuery query = BuildSearchQuery(request.query);
    const std::string terms = TextArrayLiteral(query.terms);
    const std::string fuzzy = TextArrayLiteral(query.fuzzy);
    const std::string tags = TextArrayLiteral(request.tags);
    const std::optional<std::string> priorities =
        request.priority ? std::optional<std::string>(TextArrayLiteral({*request.priority}))
                         : std::nullopt;
    const std::string limit = std::to_string(request.limit + 1);  // one more: is there a next page?
    const std::string offset = std::to_string(request.offset);
    // First the tier where every item matches, alone (kSearchExact). The full statement adds
    // the tier "some items match" only when this one found fewer than rows + offset and the
    // query has more than one item, and the typo tier only when fewer than the rows shown were
    // found and the query has a word of five letters or more; when neither would run, its
    // page is this one, so it is not run.
    const std::array<Param, 6> exact_params{Param(query.strict), Param(query.any),
                                            AsParam(priorities), Param(tags),
                                            Param(limit),        Param(offset)};
    auto exact = ProjectJson(project, "search_contexts", sql::kSearchExact, exact_params);
    if (!exact.ok()) return exact;
    const long total = (*exact)["total"].get<long>();
    const bool some_tier = total < request.limit + 1 + request.offset && query.terms.size() > 1;
    const bool typo_tier = total < request.limit + request.offset && !query.fuzzy.empty();
    if (!some_tier && !typo_tier) return std::move((*exact)["hits"]);
    const std::array<Param, 9> params{Param(query.strict), Param(query.any),    Param(terms),
                                      Param(fuzzy),        AsParam(priorities), Param(tags),
                                      Param(limit),        Param(offset),       Param("false")};
    return ProjectJson(project, "search_contexts", sql::kSearchContexts, params);
}

Result<Json> Store::ListTopics(const ProjectRef& project, const std::string& prefix, int limit,
                               const std::string& after) {
    const std::string limit_text = std::to_string(limit);
    const std::array<Param, 3> params{Param(prefix), Param(limit_text), Param(after)};
    // Live topics come from the topic rows (latest_version set), in byte order through
    // topics_live_by_name: a prefix is a range of that index, read up to `limit` rows.
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
live AS (
    SELECT t.topic, t.latest_version, t.latest_priority AS priority,
           (SELECT count(*) FROM mnemo.contexts c
            WHERE c.project_id = t.project_id AND c.topic = t.topic AND c.archived_at IS NULL)
               AS versions,
           (SELECT json_build_object('pattern', g.guard_pattern, 'decision', g.guard_decision)
            FROM mnemo.contexts g
            WHERE g.project_id = t.project_id AND g.topic = t.topic
              AND g.version = t.latest_version AND g.guard_pattern IS NOT NULL) AS guard
    FROM mnemo.topics t
    WHERE t.project_id = (SELECT id FROM pid) AND t.latest_version IS NOT NULL
      AND t.topic COLLATE "C" >= $1 AND t.topic COLLATE "C" < $1 || chr(1114111)
      AND t.topic COLLATE "C" > $3
    ORDER BY t.topic COLLATE "C" LIMIT $2::int)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE
    (SELECT coalesce(json_agg(json_build_object('topic', topic, 'latest_version', latest_version,
                                                'versions', versions, 'priority', priority,
                                                'guard', guard)
                              ORDER BY topic COLLATE "C"), '[]') FROM live) END)sql";
    return ProjectJson(project, "explore_context_tree", kSql, params);
}

Result<Json> Store::CheckContexts(const ProjectRef& project, const std::string& text) {
    // The search engine in check mode: any word of the text may match (how many and how rare
    // rank), always_check and important contexts only, always_check first with its content.
    const SearchQuery query = BuildSearchQuery(text, /*plain_words=*/true);
    const std::string terms = TextArrayLiteral(query.terms);
    const std::array<Param, 9> params{Param(query.strict),
                                      Param(query.any),
                                      Param(terms),
                                      Param("{}"),
                                      Param("{always_check,important}"),
                                      Param("{}"),
                                      Param("10"),
                                      Param("0"),
                                      Param("true")};
    return ProjectJson(project, "check_contexts", sql::kSearchContexts, params);
}

}  // namespace mnemo::memory
