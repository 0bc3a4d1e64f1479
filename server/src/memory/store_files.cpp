// SPDX-License-Identifier: MIT
// Store: the project file index — read what is indexed, write scan batches, query.
#include <array>
#include <charconv>

#include "memory/file_sql.hpp"
#include "memory/pool_errors.hpp"
#include "memory/search_query.hpp"
#include "memory/store.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Param;

std::int64_t ToInt64(std::string_view text) {
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

/// The batch as one JSON parameter; invalid UTF-8 (never in a checked path) becomes U+FFFD.
std::string Dump(const Json& rows) {
    return rows.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<files::IndexCounts> Counts(Result<Json> written) {
    if (!written.ok()) return std::move(written).error();
    files::IndexCounts counts;
    counts.added = written->value("added", std::int64_t{0});
    counts.modified = written->value("modified", std::int64_t{0});
    counts.touched = written->value("touched", std::int64_t{0});
    counts.deleted = written->value("deleted", std::int64_t{0});
    return counts;
}

}  // namespace

Result<std::unordered_map<std::string, files::KnownFile>> Store::IndexedFiles(
    const ProjectRef& project, const std::string& prefix) {
    auto lease = Lease(project.Tenant(), "indexed_files");
    if (!lease.ok()) return FromPool(lease.error());
    const std::array<Param, 1> params{Param(prefix)};
    auto rows = lease->Execute(sql::kIndexedFiles, params);
    if (!rows.ok()) return FromPool(rows.error());
    if (rows->rows() == 0) {
        return Error(ErrorCode::kProjectMissing, "project '" + project.name + "' does not exist");
    }
    std::unordered_map<std::string, files::KnownFile> known;
    known.reserve(static_cast<std::size_t>(rows->rows()));
    for (int row = 0; row < rows->rows(); ++row) {
        if (rows->IsNull(row, 0)) continue;
        known.emplace(std::string(rows->Get(row, 0)),
                      files::KnownFile{ToInt64(rows->Get(row, 1)), ToInt64(rows->Get(row, 2))});
    }
    return known;
}

Result<files::IndexCounts> Store::UpsertFiles(const ProjectRef& project,
                                              std::span<const files::FileRecord> records) {
    if (records.empty()) return files::IndexCounts{};
    Json rows = Json::array();
    for (const auto& record : records) {
        rows.push_back({{"path", record.path},
                        {"size_bytes", record.size},
                        {"mtime_ns", record.mtime_ns},
                        {"content_hash", record.hash.empty() ? Json() : Json(record.hash)},
                        {"kind", record.kind},
                        {"language", record.language},
                        {"line_count", record.line_count ? Json(*record.line_count) : Json()},
                        {"summary", record.summary}});
    }
    const std::string batch = Dump(rows);
    const std::array<Param, 1> params{Param(batch)};
    return Counts(ProjectJson(project, "upsert_files", sql::kUpsertFiles, params));
}

Result<files::IndexCounts> Store::DeleteFiles(const ProjectRef& project,
                                              std::span<const files::FileDeletion> paths) {
    if (paths.empty()) return files::IndexCounts{};
    Json rows = Json::array();
    for (const auto& deletion : paths) {
        Json row = {{"path", deletion.path}};
        if (deletion.expected) {
            row["size_bytes"] = deletion.expected->size;
            row["mtime_ns"] = deletion.expected->mtime_ns;
        }
        rows.push_back(std::move(row));
    }
    const std::string batch = Dump(rows);
    const std::array<Param, 1> params{Param(batch)};
    return Counts(ProjectJson(project, "delete_files", sql::kDeleteFiles, params));
}

Result<Json> Store::QueryFiles(const ProjectRef& project, const FileQuery& request) {
    auto optional = [](const std::optional<std::string>& value) {
        return value ? Param(*value) : Param();
    };
    const std::string limit = std::to_string(request.limit);
    SearchQuery query;
    if (request.query) query = BuildSearchQuery(*request.query);
    const std::string terms = TextArrayLiteral(query.terms);
    // A query with nothing searchable (only stop words or punctuation) matches nothing; no
    // query lists every file.
    const Param strict = request.query ? Param(query.strict) : Param();
    const std::array<Param, 9> params{strict,
                                      Param(query.any),
                                      Param(terms),
                                      optional(request.type),
                                      optional(request.path_prefix),
                                      optional(request.changed_since),
                                      Param(limit),
                                      optional(request.after_score),
                                      Param(request.after_path)};
    auto result = ProjectJson(project, "query_files", sql::kQueryFiles, params);
    // 22007/22008: changed_since is not a timestamp PostgreSQL can read.
    if (!result.ok() && result.error().code() == ErrorCode::kSql &&
        (result.error().sqlstate() == "22007" || result.error().sqlstate() == "22008")) {
        return Error(ErrorCode::kInvalidArgument,
                     "changed_since must be a timestamp such as 2026-01-31T12:00:00Z: " +
                         result.error().message());
    }
    return result;
}

}  // namespace mnemo::memory
