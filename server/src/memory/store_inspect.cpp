// SPDX-License-Identifier: MIT
// Store: memory_status figures and query_database (caller SQL, read-only, row-limited).
#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "memory/caller_sql_text.hpp"
#include "memory/pool_errors.hpp"
#include "memory/statement_canceller.hpp"
#include "memory/store.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Param;

// Caps what one query_database call returns, whatever its row limit.
constexpr std::size_t kMaxQueryBytes = 64 * 1024;
// Each value is cut in the database at kMaxQueryBytes / columns characters (at least
// kMinValueChars), so one row holds at most ~kMaxQueryBytes characters.
constexpr std::size_t kMinValueChars = 1024;
// Bound on what one FETCH may bring into memory (4 bytes per character at worst in UTF-8).
constexpr std::size_t kFetchBytes = 4 * 1024 * 1024;
// How many cut values an answer lists by position.
constexpr std::size_t kMaxListedCuts = 100;

/// The byte length of the longest prefix of `text` holding at most `chars` UTF-8 characters
/// and at most `max_bytes` bytes, ending on a character boundary.
std::size_t Utf8Prefix(std::string_view text, std::size_t chars, std::size_t max_bytes) {
    std::size_t boundary = 0;  // the last character start seen, at most max_bytes
    std::size_t seen = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        const bool starts =
            i == text.size() || (static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U;
        if (!starts) continue;
        if (i > max_bytes) return boundary;
        boundary = i;
        if (seen == chars || i == text.size()) return i;
        ++seen;
    }
    return boundary;
}

/// `SELECT <each column cut to value_chars + 1 characters, as text> FROM (<sql>) AS t(c1, …)`:
/// one character more than shown tells a cut value. format('%s') is the type's output
/// function (what PostgreSQL would send), num_nulls keeps SQL NULL apart from a row of NULLs.
std::string CuttingSql(std::string_view sql, int columns, std::size_t value_chars) {
    sql = WithoutTrailer(sql);
    std::string select = "SELECT ";
    std::string aliases;
    const std::string cut = std::to_string(value_chars + 1);
    for (int c = 1; c <= columns; ++c) {
        const std::string name = "t.c" + std::to_string(c);
        if (c > 1) {
            select += ", ";
            aliases += ", ";
        }
        select += "CASE WHEN pg_catalog.num_nulls(" + name +
                  ") = 1 THEN NULL ELSE pg_catalog.left(pg_catalog.format('%s', " + name + "), " +
                  cut + ") END";
        aliases += "c" + std::to_string(c);
    }
    // The newline ends a trailing "--" comment of the caller's SQL.
    return select + " FROM (\n" + std::string(sql) + "\n) AS t(" + aliases + ")";
}

/// Accumulates fetched rows into query_database's answer, within kMaxQueryBytes.
class RowCollector {
public:
    RowCollector(Json columns, std::vector<unsigned> types, int limit, std::size_t value_chars)
        : columns_(std::move(columns)),
          types_(std::move(types)),
          limit_(limit),
          value_chars_(value_chars),
          value_bytes_(std::max(kMinValueChars,
                                kMaxQueryBytes / std::max<std::size_t>(columns_.size(), 1))) {}

    /// Adds `result`'s rows; false once the answer is full (row limit or byte cap).
    bool Add(const pqpool::QueryResult& result) {
        for (int r = 0; r < result.rows(); ++r) {
            if (static_cast<int>(rows_.size()) >= limit_) {
                truncated_ = true;
                return false;
            }
            Json row = Json::array();
            std::vector<std::size_t> cut_columns;  // counted only if the row is kept
            std::size_t row_bytes = 0;
            for (int c = 0; c < result.columns(); ++c) {
                if (result.IsNull(r, c)) {
                    row.push_back(nullptr);
                    continue;
                }
                std::string_view value = result.Get(r, c);
                const std::size_t keep = Utf8Prefix(value, value_chars_, value_bytes_);
                const bool whole = keep == value.size();
                if (!whole) {
                    value = value.substr(0, keep);
                    cut_columns.push_back(static_cast<std::size_t>(c));
                }
                row_bytes += value.size();
                const auto column = static_cast<std::size_t>(c);
                row.push_back(
                    TypedValue(value, column < types_.size() ? types_[column] : 0, whole));
            }
            if (bytes_ + row_bytes > kMaxQueryBytes) {
                truncated_ = true;
                return false;
            }
            bytes_ += row_bytes;
            for (const std::size_t column : cut_columns) {
                ++cut_count_;
                if (cuts_.size() < kMaxListedCuts) {
                    cuts_.push_back(Json{{"row", rows_.size()}, {"column", columns_[column]}});
                }
            }
            rows_.push_back(std::move(row));
        }
        return true;
    }

    Json Finish(Json column_types) && {
        const auto row_count = rows_.size();
        Json answer{{"columns", std::move(columns_)},
                    {"column_types", std::move(column_types)},
                    {"rows", std::move(rows_)},
                    {"row_count", row_count},
                    {"truncated", truncated_ || cut_count_ > 0}};
        if (cut_count_ > 0) {
            answer["cut_values"] = Json{{"count", cut_count_},
                                        {"max_characters", value_chars_},
                                        {"first", std::move(cuts_)}};
        }
        return answer;
    }

private:
    Json columns_;
    std::vector<unsigned> types_;  // type OIDs, one per column
    int limit_;
    std::size_t value_chars_;
    std::size_t value_bytes_;  // Multi-byte characters: cut at this many bytes too.
    Json rows_ = Json::array();
    Json cuts_ = Json::array();
    std::size_t cut_count_ = 0;
    std::size_t bytes_ = 0;
    bool truncated_ = false;
};

/// The columns' names and type OIDs of `result`.
struct Columns {
    Json names = Json::array();
    std::vector<unsigned> types;
};

Columns ColumnsOf(const pqpool::QueryResult& result) {
    Columns columns;
    for (int c = 0; c < result.columns(); ++c) {
        columns.names.push_back(result.ColumnName(c));
        columns.types.push_back(result.ColumnType(c));
    }
    return columns;
}

/// The SQL names of `types` (format_type), e.g. ["integer", "text"].
Result<Json> TypeNames(pqpool::Connection& connection, const std::vector<unsigned>& types,
                       pqpool::Deadline deadline) {
    std::string array = "{";
    for (std::size_t i = 0; i < types.size(); ++i) {
        array += (i > 0 ? "," : "") + std::to_string(types[i]);
    }
    array += "}";
    const std::array<Param, 1> param{Param(array)};
    auto names = connection.Execute(
        "SELECT coalesce(json_agg(pg_catalog.format_type(t, NULL) ORDER BY n), '[]') "
        "FROM unnest($1::oid[]) WITH ORDINALITY AS u(t, n)",
        param, deadline);
    if (!names.ok()) return FromPool(names.error());
    return Json::parse(names->Get(0, 0));
}

/// The answer's value width for `columns` columns: values are cut to this many characters.
std::size_t ValueChars(std::size_t columns) {
    return std::max(kMinValueChars, kMaxQueryBytes / std::max<std::size_t>(columns, 1));
}

/// A query through cursors: first the caller's own, only for its columns and types (FETCH 0
/// reads no row), then the one that is read, every value cut in the database to a bounded
/// length. Each step is one round trip (pipeline); the tenant context is already applied.
Result<Json> QueryThroughCursor(pqpool::Connection& connection, const QueryRequest& request,
                                const std::vector<Param>& params, pqpool::Deadline deadline) {
    const std::string declare_q0 = "DECLARE q0 NO SCROLL CURSOR FOR " + request.sql;
    const std::array<pqpool::Statement, 2> describe{
        pqpool::Statement{declare_q0, params}, pqpool::Statement{"FETCH FORWARD 0 FROM q0", {}}};
    auto result = connection.ExecuteBatch(describe, deadline);
    if (!result.ok() && result.error().sqlstate() == "0A000" &&
        result.error().message().find("data-modifying") != std::string::npos) {
        return Error(ErrorCode::kRefused,
                     "query_database runs read-only queries: this WITH holds a data-modifying "
                     "statement (INSERT, UPDATE, DELETE or MERGE)");
    }
    if (!result.ok()) {
        return FromPool(QuoteCallerSql(result.error(), request.sql,
                                       Utf8Length(declare_q0) - Utf8Length(request.sql)));
    }
    Columns columns = ColumnsOf(*result);
    auto type_names = TypeNames(connection, columns.types, deadline);
    if (!type_names.ok()) return std::move(type_names).error();
    const std::size_t width = std::max<std::size_t>(columns.types.size(), 1);
    const std::size_t value_chars = ValueChars(columns.types.size());
    const std::size_t batch =
        std::clamp<std::size_t>(kFetchBytes / (width * (value_chars + 1) * 4), 1,
                                static_cast<std::size_t>(request.limit) + 1);
    RowCollector collector(std::move(columns.names), std::move(columns.types), request.limit,
                           value_chars);
    if (result->columns() > 0) {
        const std::string declare_q = "DECLARE q NO SCROLL CURSOR FOR " +
                                      CuttingSql(request.sql, result->columns(), value_chars);
        const std::string fetch = "FETCH FORWARD " + std::to_string(batch) + " FROM q";
        const std::array<pqpool::Statement, 3> first{pqpool::Statement{"CLOSE q0", {}},
                                                     pqpool::Statement{declare_q, params},
                                                     pqpool::Statement{fetch, {}}};
        result = connection.ExecuteBatch(first, deadline);
        while (result.ok() && collector.Add(*result) &&
               static_cast<std::size_t>(result->rows()) == batch) {
            result = connection.Execute(fetch, {}, deadline);
        }
        if (!result.ok()) {
            // The caller's SQL follows "FROM (\n" in the cutting cursor.
            const std::size_t prefix =
                Utf8Length(declare_q.substr(0, declare_q.find(" FROM (\n") + 8));
            return FromPool(QuoteCallerSql(result.error(), request.sql, prefix));
        }
    }
    return std::move(collector).Finish(std::move(type_names).value());
}

/// SHOW and EXPLAIN, which no cursor takes: run as they are. Their answers are small (a
/// setting, a plan), so cutting values after they arrive is enough.
Result<Json> QueryAsIs(pqpool::Connection& connection, const QueryRequest& request,
                       const std::vector<Param>& params, pqpool::Deadline deadline) {
    auto result = connection.Execute(request.sql, params, deadline);
    if (!result.ok()) return FromPool(QuoteCallerSql(result.error(), request.sql, 0));
    Columns columns = ColumnsOf(*result);
    auto type_names = TypeNames(connection, columns.types, deadline);
    if (!type_names.ok()) return std::move(type_names).error();
    const std::size_t value_chars = ValueChars(columns.types.size());
    RowCollector collector(std::move(columns.names), std::move(columns.types), request.limit,
                           value_chars);
    collector.Add(*result);
    return std::move(collector).Finish(std::move(type_names).value());
}

}  // namespace

Result<Json> Store::Status(const ProjectRef& project) {
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

Result<Json> Store::Query(const ProjectRef& project, const QueryRequest& request) {
    // Never run caller SQL as mnemo's own role: without its pool, refuse and say why.
    if (!caller_.pool) {
        return Error(ErrorCode::kRefused, caller_.refusal.empty()
                                              ? "query_database is unavailable: no caller pool"
                                              : caller_.refusal);
    }
    // Refused before it runs: anything but a query would only meet READ ONLY's refusal, or
    // the cursor's syntax error quoting mnemo's wrapper.
    auto kind = ClassifyCallerSql(request.sql);
    if (!kind.ok()) return Error(ErrorCode::kRefused, kind.error().message());
    auto lease = Lease(project.Tenant(), "query_database", /*caller=*/true);
    if (!lease.ok()) return FromPool(lease.error());
    const std::string timeout = std::to_string(request.timeout.count());
    const std::array<Param, 1> timeout_param{Param(timeout)};
    std::vector<Param> params;
    for (const auto& p : request.params) params.push_back(p ? Param(*p) : Param(std::nullopt));

    // READ ONLY makes PostgreSQL refuse any write a query might still attempt (nextval(),
    // EXPLAIN ANALYZE of a write).
    auto result = lease->Execute("BEGIN READ ONLY");
    if (result.ok()) {
        result = lease->Execute(
            "SELECT set_config('statement_timeout', $1, true), "
            "mnemo.current_project_id() IS NOT NULL",
            timeout_param);
    }
    const bool project_exists = result.ok() && result->rows() == 1 && result->Get(0, 1) == "t";
    std::optional<Json> answer;
    std::optional<Error> failed;
    if (!result.ok()) failed = FromPool(result.error());
    if (result.ok() && project_exists) {
        const StatementCanceller canceller(lease->connection(), request.cancelled);
        // The server-side statement_timeout ends it first; this bounds a silent network.
        const auto deadline = pqpool::Clock::now() + request.timeout + std::chrono::seconds(2);
        auto rows = *kind == CallerStatement::kQuery
                        ? QueryThroughCursor(lease->connection(), request, params, deadline)
                        : QueryAsIs(lease->connection(), request, params, deadline);
        if (rows.ok()) {
            answer = std::move(rows).value();
        } else {
            failed = std::move(rows).error();
        }
    }
    // Session-level side effects a query can cause despite READ ONLY: GUCs (undone by the
    // rollback) and session advisory locks (released here), so the connection goes back clean.
    (void)lease->connection().Execute("ROLLBACK");
    (void)lease->connection().Execute("SELECT pg_advisory_unlock_all()");
    if (failed) return std::move(*failed);
    if (!project_exists) {
        return Error(ErrorCode::kProjectMissing, "project '" + project.name + "' does not exist");
    }
    return std::move(*answer);
}

}  // namespace mnemo::memory
