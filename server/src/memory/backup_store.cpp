// SPDX-License-Identifier: MIT
// BackupStore: export through a server-side cursor, import one project per transaction.
#include "memory/backup_store.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "memory/backup_sql.hpp"
#include "memory/pool_errors.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Param;

// A cursor page is sized to hold about this many bytes of records (from the average so far),
// so a project of small contexts is read in few round trips and one of large ones in bounded
// memory.
constexpr std::size_t kPageBytes = 4 << 20;
constexpr std::int64_t kMaxPageRows = 2000;

std::int64_t ToInt64(std::string_view text) {
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

std::string Replace(std::string text, std::string_view from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

/// Streams the rows of `query` (one text column) through a cursor into `sink`; adds the row
/// count to `count`. REQUIRES: inside a transaction on `lease`.
Status StreamCursor(pqpool::Lease& lease, const std::string& query, const ExportLineSink& sink,
                    std::int64_t& count) {
    auto declared = lease.Execute("DECLARE mnemo_export NO SCROLL CURSOR FOR " + query);
    if (!declared.ok()) return FromPool(declared.error());
    std::int64_t page = 100;
    std::size_t bytes = 0;
    std::int64_t rows_seen = 0;
    while (true) {
        auto fetched = lease.Execute("FETCH " + std::to_string(page) + " FROM mnemo_export");
        if (!fetched.ok()) return FromPool(fetched.error());
        const int rows = fetched->rows();
        for (int row = 0; row < rows; ++row) {
            const std::string_view line = fetched->Get(row, 0);
            bytes += line.size();
            if (!sink(line)) return Error(ErrorCode::kCancelled, "the export was stopped");
        }
        count += rows;
        rows_seen += rows;
        if (rows < page) break;
        const auto average = std::max<std::size_t>(1, bytes / static_cast<std::size_t>(rows_seen));
        page = std::clamp<std::int64_t>(static_cast<std::int64_t>(kPageBytes / average), 1,
                                        kMaxPageRows);
    }
    auto closed = lease.Execute("CLOSE mnemo_export");
    if (!closed.ok()) return FromPool(closed.error());
    return {};
}

Status ExportOne(pqpool::Lease& lease, std::string_view id, const std::string& name,
                 const ExportLineSink& sink, ExportCounts& counts) {
    // The name is spliced into the cursor's query text; the database allows only
    // [a-z0-9_-] in project names, which cannot end the dollar quote.
    const bool plain =
        !name.empty() && name.size() <= 64 &&
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos &&
        name.front() != '_' && name.front() != '-';
    if (!plain) {
        return Error(ErrorCode::kInvalidArgument, "unexpected project name '" + name + "'");
    }
    const struct {
        std::string_view sql;
        std::int64_t* count;
    } parts[] = {{sql::kExportContexts, &counts.contexts},
                 {sql::kExportHandovers, &counts.handovers},
                 {sql::kExportFiles, &counts.files},
                 {sql::kExportFileChanges, &counts.file_changes}};
    for (const auto& part : parts) {
        const std::string query =
            Replace(Replace(std::string(part.sql), "%PID%", std::string(id)), "%NAME%", name);
        if (auto streamed = StreamCursor(lease, query, sink, *part.count); !streamed.ok()) {
            return streamed;
        }
    }
    return {};
}

Result<KindCounts> ParseCounts(const pqpool::QueryResult& result) {
    const Json counts = Json::parse(result.Get(0, 0));
    return KindCounts{counts.value("added", std::int64_t{0}),
                      counts.value("unchanged", std::int64_t{0})};
}

std::optional<std::string> OptionalText(const Json& record, const char* key) {
    const auto it = record.find(key);
    if (it == record.end() || it->is_null()) return std::nullopt;
    return it->get<std::string>();
}

}  // namespace

Result<ExportCounts> ExportProjects(Store& store, const std::string& owner,
                                    const std::vector<std::string>& projects,
                                    const ExportLineSink& sink) {
    auto lease = store.pool().Acquire(pqpool::AcquireLabel(OwnerRegistryTenant(owner), "export"));
    if (!lease.ok()) return FromPool(lease.error());
    auto begun = lease->Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (!begun.ok()) return FromPool(begun.error());
    const std::optional<std::string> names =
        projects.empty() ? std::nullopt : std::optional<std::string>(TextArrayLiteral(projects));
    const std::array<Param, 2> params{Param(owner), names ? Param(*names) : Param(std::nullopt)};
    auto listed = lease->Execute(sql::kExportProjects, params);
    if (!listed.ok()) return FromPool(listed.error());
    for (const auto& wanted : projects) {
        bool found = false;
        for (int row = 0; row < listed->rows() && !found; ++row) {
            found = Json::parse(listed->Get(row, 1))["project"] == wanted;
        }
        if (!found) {
            return Error(ErrorCode::kProjectMissing, "project '" + wanted + "' does not exist");
        }
    }
    ExportCounts counts;
    for (int row = 0; row < listed->rows(); ++row) {
        const std::string_view record = listed->Get(row, 1);
        if (!sink(record)) return Error(ErrorCode::kCancelled, "the export was stopped");
        ++counts.projects;
        const std::string name = Json::parse(record)["project"].get<std::string>();
        if (auto one = ExportOne(*lease, listed->Get(row, 0), name, sink, counts); !one.ok()) {
            return std::move(one).error();
        }
    }
    auto committed = lease->Execute("COMMIT");
    if (!committed.ok()) return FromPool(committed.error());
    return counts;
}

Result<ProjectImport> ProjectImport::Open(Store& store, const std::string& owner,
                                          const ImportProjectInfo& project, bool dry_run) {
    if (!owner.empty()) {
        if (auto registered = store.RegisterOwner(owner); !registered.ok()) {
            return std::move(registered).error();
        }
    }
    const ProjectRef ref(owner, project.name);
    auto lease = store.pool().Acquire(pqpool::AcquireLabel(OwnerRegistryTenant(owner), "import"));
    if (!lease.ok()) return FromPool(lease.error());
    // The per-record lookups must use the primary key even where the planner has no
    // statistics yet (a fresh database filling up during the import would otherwise be
    // scanned once per record: quadratic). Transaction-local, like the tenant token.
    auto begun = lease->Execute("BEGIN");
    if (begun.ok()) begun = lease->Execute("SELECT set_config('enable_seqscan', 'off', true)");
    if (!begun.ok()) return FromPool(begun.error());
    const std::string hash = store.keys().TokenHashFor(ref.Tenant());
    const std::array<Param, 5> params{
        Param(project.name), Param(project.description), Param(owner),
        project.created_at ? Param(*project.created_at) : Param(std::nullopt), Param(hash)};
    auto opened = lease->Execute(sql::kImportProject, params);
    if (!opened.ok()) {
        if (opened.error().sqlstate() == "23514") {  // check_violation: the name
            return Error(ErrorCode::kInvalidArgument,
                         "project name '" + project.name +
                             "' is not valid: 1-64 characters of a-z, 0-9, '_' and '-', "
                             "starting with a letter or digit");
        }
        return FromPool(opened.error());
    }
    if (opened->IsNull(0, 0)) {
        return Error(ErrorCode::kInvalidArgument, "project '" + project.name +
                                                      "' was created by someone else meanwhile; "
                                                      "import again");
    }
    return ProjectImport(std::move(lease).value(), ToInt64(opened->Get(0, 0)),
                         opened->Get(0, 1) == "t", dry_run);
}

ProjectImport::~ProjectImport() {
    // An unfinished import leaves nothing: the lease rolls back its open transaction.
    if (lease_ && !finished_) (void)lease_.connection().Execute("ROLLBACK");
}

Result<KindCounts> ProjectImport::Write(RecordKind kind, const Json& batch) {
    const std::string text = batch.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (kind == RecordKind::kContext) return WriteContexts(text);
    const std::string id = std::to_string(project_id_);
    const std::array<Param, 2> params{Param(id), Param(text)};
    const std::string_view query = kind == RecordKind::kHandover ? sql::kImportHandovers
                                   : kind == RecordKind::kFile   ? sql::kImportFiles
                                                                 : sql::kImportFileChanges;
    auto written = lease_.Execute(query, params);
    if (!written.ok()) return FromPool(written.error());
    return ParseCounts(*written);
}

Result<KindCounts> ProjectImport::WriteContexts(const std::string& batch) {
    const std::string id = std::to_string(project_id_);
    const std::array<Param, 2> params{Param(id), Param(batch)};
    auto written = lease_.Execute(sql::kImportContexts, params);
    if (!written.ok()) return FromPool(written.error());
    const Json result = Json::parse(written->Get(0, 0));
    KindCounts counts{result.value("added", std::int64_t{0}),
                      result.value("unchanged", std::int64_t{0})};
    const Json& conflicts = result["conflicts"];
    if (!conflicts.empty()) {
        // Rare (a topic whose history differs from the file's): one statement each, in file
        // order, so the appended versions follow the file.
        const Json records = Json::parse(batch);
        for (const auto& line : conflicts) {
            const auto it = std::find_if(records.begin(), records.end(),
                                         [&](const Json& r) { return r["line"] == line; });
            const Json& r = *it;
            // Params view their text: every value lives in a local until the statement ran.
            const std::string tags =
                TextArrayLiteral(r.value("tags", Json::array()).get<std::vector<std::string>>());
            const auto created = OptionalText(r, "created_at");
            const auto archived = OptionalText(r, "archived_at");
            const auto reason = OptionalText(r, "archive_reason");
            const auto guard_pattern = OptionalText(r, "guard_pattern");
            const auto guard_decision = OptionalText(r, "guard_decision");
            const auto& topic = r["topic"].get_ref<const std::string&>();
            const auto& content = r["content"].get_ref<const std::string&>();
            const auto& priority = r["priority"].get_ref<const std::string&>();
            const auto optional = [](const std::optional<std::string>& text) {
                return text ? Param(*text) : Param(std::nullopt);
            };
            const std::array<Param, 10> append{Param(id),
                                               Param(topic),
                                               Param(content),
                                               Param(priority),
                                               Param(tags),
                                               optional(created),
                                               optional(archived),
                                               optional(reason),
                                               optional(guard_pattern),
                                               optional(guard_decision)};
            auto appended = lease_.Execute(sql::kAppendContext, append);
            if (!appended.ok()) return FromPool(appended.error());
            ++counts.added;
        }
    }
    return counts;
}

Status ProjectImport::Finish() {
    finished_ = true;
    auto done = lease_.Execute(dry_run_ ? "ROLLBACK" : "COMMIT");
    lease_.Release();
    if (!done.ok()) return FromPool(done.error());
    return {};
}

}  // namespace mnemo::memory
