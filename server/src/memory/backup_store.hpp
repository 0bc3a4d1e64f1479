// SPDX-License-Identifier: MIT
// BackupStore: the SQL of export (a streaming snapshot of projects) and import (one transaction
// per project, idempotent by content hash).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "memory/store.hpp"
#include "util/error.hpp"

namespace mnemo::memory {

/// Receives export records, one JSON object per call (no newline), in file order. Returning
/// false stops the export (e.g. the reader went away): the call then fails with kCancelled.
using ExportLineSink = std::function<bool(std::string_view line)>;

/// How many records of each kind an export wrote.
struct ExportCounts {
    std::int64_t projects = 0;
    std::int64_t contexts = 0;
    std::int64_t handovers = 0;
    std::int64_t files = 0;
    std::int64_t file_changes = 0;
};

/// One kind's outcome in an import: new rows, and rows the database already held.
struct KindCounts {
    std::int64_t added = 0;
    std::int64_t unchanged = 0;
};

/// The record kinds that belong to a project (see docs/export-format.md).
enum class RecordKind { kContext, kHandover, kFile, kFileChange };

/// Streams `owner`'s projects named in `projects` (empty = all of them, by name) as export
/// records: for each project its "project" record, every context version (archived too) by
/// topic and version, its handovers by time, its file index and the index's history. One
/// read-only snapshot (REPEATABLE READ) for the whole export on one lease of the owner's
/// registry tenant, read through a server-side cursor a few megabytes at a time, so memory
/// stays flat whatever the size. Another owner's project is never read: projects are looked
/// up under `owner`'s registry token (row-level security) and by owner.
///
/// Errors: the pool's (FromPool); kProjectMissing when a named project does not
/// exist (for this owner); kCancelled when `sink` returned false.
Result<ExportCounts> ExportProjects(Store& store, const std::string& owner,
                                    const std::vector<std::string>& projects,
                                    const ExportLineSink& sink);

/// What a "project" record says about the project to import into.
struct ImportProjectInfo {
    std::string name;
    std::string description;
    std::optional<std::string> created_at;  // kept when the project is created
};

/// Writes one project's records in one transaction on one lease of the owner's registry
/// tenant: Open creates the project if missing, Write* add batches, Finish commits (or rolls
/// back when `dry_run`); destroying it unfinished rolls back, so a failed import leaves
/// nothing of that project behind. Writes are idempotent (docs/export-format.md, "Import"):
///   - a context version is unchanged when the topic holds the same content (content hash)
///     at that version or with the same created_at; it is added at its own version when that
///     is free, else as the topic's next version (what was there is never changed);
///   - a handover is unchanged when one with the same created_at, session and summary exists;
///   - a file is unchanged when its path is indexed (the index's own row is kept);
///   - a file change is unchanged when the same path, change and time is recorded.
/// Contexts are written as lock_context writes them: the topic row's version counter and
/// latest live version, the search document (generated) and the project's vocabulary.
///
/// Thread safety: one thread at a time.
class ProjectImport {
public:
    /// Opens the transaction and finds or creates the project (`created` tells which).
    /// Errors: the pool's (FromPool); kInvalidArgument for a project name PostgreSQL refuses.
    static Result<ProjectImport> Open(Store& store, const std::string& owner,
                                      const ImportProjectInfo& project, bool dry_run);

    ProjectImport(ProjectImport&&) noexcept = default;
    ProjectImport& operator=(ProjectImport&&) noexcept = default;
    ~ProjectImport();

    /// Writes a batch of records of one kind: a JSON array of objects with the fields of
    /// docs/export-format.md (already validated: types, priorities, hashes). Errors: the pool's
    /// (FromPool) (e.g. a timestamp PostgreSQL cannot read, kSql 22007).
    Result<KindCounts> Write(RecordKind kind, const Json& batch);

    /// Commits (rolls back when dry_run). REQUIRES: called once, last.
    Status Finish();

    [[nodiscard]] bool created() const { return created_; }

private:
    ProjectImport(pqpool::Lease lease, std::int64_t project_id, bool created, bool dry_run)
        : lease_(std::move(lease)), project_id_(project_id), created_(created), dry_run_(dry_run) {}

    Result<KindCounts> WriteContexts(const std::string& batch);

    pqpool::Lease lease_;
    std::int64_t project_id_ = 0;
    bool created_ = false;
    bool dry_run_ = false;
    bool finished_ = false;
};

}  // namespace mnemo::memory
