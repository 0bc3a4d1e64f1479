// SPDX-License-Identifier: MIT
// Store: memory_status figures and query_database (caller SQL, read-only, row-limited).
#include <array>

#include "memory/statement_canceller.hpp"
#include "memory/store.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Param;

// Caps what one query_database call returns, whatever its row limit.
constexpr std::size_t kMaxQueryBytes = 64 * 1024;

Json RowsJson(const pqpool::QueryResult& result, int limit) {
    Json columns = Json::array();
    for (int c = 0; c < result.columns(); ++c) columns.push_back(result.ColumnName(c));
    Json rows = Json::array();
    std::size_t bytes = 0;
    bool truncated = result.rows() > limit;
    for (int r = 0; r < result.rows() && r < limit; ++r) {
        Json row = Json::array();
        for (int c = 0; c < result.columns(); ++c) {
            if (result.IsNull(r, c)) {
                row.push_back(nullptr);
            } else {
                row.push_back(std::string(result.Get(r, c)));
                bytes += result.Get(r, c).size();
            }
        }
        if (bytes > kMaxQueryBytes) {
            truncated = true;
            break;
        }
        rows.push_back(std::move(row));
    }
    const auto row_count = rows.size();
    return Json{{"columns", std::move(columns)},
                {"rows", std::move(rows)},
                {"row_count", row_count},
                {"truncated", truncated}};
}

}  // namespace

pqpool::Result<Json> Store::Status(const ProjectRef& project) {
    constexpr std::string_view kSql = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'project', (SELECT p.name FROM mnemo.projects p WHERE p.project_id = (SELECT id FROM pid)),
    'contexts', (SELECT count(*) FROM mnemo.contexts c
                 WHERE c.project_id = (SELECT id FROM pid) AND c.archived_at IS NULL),
    'archived_contexts', (SELECT count(*) FROM mnemo.contexts c
                          WHERE c.project_id = (SELECT id FROM pid) AND c.archived_at IS NOT NULL),
    'topics', (SELECT count(*) FROM mnemo.topics t WHERE t.project_id = (SELECT id FROM pid)),
    'handovers', (SELECT count(*) FROM mnemo.handovers h WHERE h.project_id = (SELECT id FROM pid)),
    'content_bytes', (SELECT coalesce(sum(c.size_bytes), 0) FROM mnemo.contexts c
                      WHERE c.project_id = (SELECT id FROM pid)),
    'database', json_build_object(
        'server_version', current_setting('server_version'),
        'database_size_bytes', pg_database_size(current_database()),
        'max_connections', current_setting('max_connections')::int,
        'connections', (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
        'schema_version', (SELECT max(version) FROM mnemo.schema_migrations))) END)sql";
    return ProjectJson(project, "memory_status", kSql, {});
}

pqpool::Result<Json> Store::Query(const ProjectRef& project, const QueryRequest& request) {
    auto lease = Lease(project.Tenant(), "query_database");
    if (!lease.ok()) return std::move(lease).error();
    const std::string timeout = std::to_string(request.timeout.count());
    const std::array<Param, 1> timeout_param{Param(timeout)};
    std::vector<Param> params;
    for (const auto& p : request.params) params.push_back(p ? Param(*p) : Param(std::nullopt));
    const std::string fetch = "FETCH FORWARD " + std::to_string(request.limit + 1) + " FROM q";

    // A cursor bounds what is read to limit+1 rows; DECLARE accepts only queries, and READ ONLY
    // makes PostgreSQL refuse any write a query might still attempt (e.g. nextval()).
    auto result = lease->Execute("BEGIN READ ONLY");
    if (result.ok()) {
        result = lease->Execute(
            "SELECT set_config('statement_timeout', $1, true), "
            "mnemo.current_project_id() IS NOT NULL",
            timeout_param);
    }
    const bool project_exists = result.ok() && result->rows() == 1 && result->Get(0, 1) == "t";
    if (result.ok() && project_exists) {
        const StatementCanceller canceller(lease->connection(), request.cancelled);
        // The server-side statement_timeout ends it first; this bounds a silent network.
        const auto deadline = pqpool::Clock::now() + request.timeout + std::chrono::seconds(2);
        result = lease->Execute("DECLARE q NO SCROLL CURSOR FOR " + request.sql, params, deadline);
        if (result.ok()) result = lease->Execute(fetch, {}, deadline);
    }
    // Session-level side effects a query can cause despite READ ONLY: GUCs (undone by the
    // rollback) and session advisory locks (released here), so the connection goes back clean.
    (void)lease->connection().Execute("ROLLBACK");
    (void)lease->connection().Execute("SELECT pg_advisory_unlock_all()");
    if (!result.ok()) return std::move(result).error();
    if (!project_exists) {
        return pqpool::Error(pqpool::ErrorCode::kInvalidArgument,
                             "project '" + project.name + "' does not exist", kProjectMissing);
    }
    return RowsJson(*result, request.limit);
}

}  // namespace mnemo::memory
