// SPDX-License-Identifier: MIT
// File index tools: scan_project_files (stdio: walk the disk), index_files (client metadata),
// query_files (search, filters, pages).
#include <chrono>

#include "files/client_files.hpp"
#include "files/path_rules.hpp"
#include "files/query_cursor.hpp"
#include "files/scanner.hpp"
#include "memory/store_scan_sink.hpp"
#include "tools/tool_support.hpp"

namespace mnemo::tools {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kWriteBatch = 500;
constexpr int kDefaultQueryLimit = 50;
constexpr int kMaxQueryLimit = 200;

Json CountsJson(const files::IndexCounts& counts) {
    return {{"added", counts.added},
            {"modified", counts.modified},
            {"deleted", counts.deleted},
            {"touched", counts.touched}};
}

Json ScanJson(const files::ScanReport& report, const fs::path& root) {
    Json result = {{"root", root.string()},
                   {"path", report.path.empty() ? "." : report.path},
                   {"files_seen", report.files_seen},
                   {"files_read", report.files_read},
                   {"unchanged", report.unchanged},
                   {"binary", report.binary},
                   {"large", report.large},
                   {"batches", report.batches},
                   {"cancelled", report.cancelled},
                   {"truncated", report.walk.truncated},
                   {"skipped",
                    {{"ignored", report.walk.ignored},
                     {"outside_root", report.walk.outside_root},
                     {"loops", report.walk.loops},
                     {"unreadable", report.walk.unreadable}}},
                   {"notes", report.walk.notes}};
    result.update(CountsJson(report.counts));
    return result;
}

ToolResult ScanProjectFiles(const ToolCall& call, ToolServices& services) {
    if (services.config.transport == Transport::kHttp) {
        return ToolResult::Error(
            "unsupported_transport",
            "scan_project_files reads the server's own disk, which over HTTP is not your "
            "project: list your project's files yourself and send their metadata with "
            "index_files (path, size, mtime, optional hash and summary; up to 1000 per call)");
    }
    std::error_code ec;
    const fs::path root = services.files_root.empty() ? files::DefaultScanRoot(fs::current_path(ec))
                                                      : fs::canonical(services.files_root, ec);
    if (ec)
        return ToolResult::Error("internal", "cannot resolve the project root: " + ec.message());
    auto start = files::ResolveScanPath(root, OptionalString(call.arguments, "path").value_or(""));
    if (!start.ok()) return mcp::ToolErrorResult(start.error(), "");
    // Clients may start stdio servers in "/": never walk the whole file system.
    if (start->empty() && root == root.root_path()) {
        return ToolResult::Error(
            "refused",
            "refusing to scan '/': start mnemo in the project's directory (or pass \"path\")");
    }

    files::ScanOptions options;
    options.batch_size = kWriteBatch;
    if (call.progress != nullptr) {
        options.progress = [&call](double done, double total, const std::string& message) {
            call.Progress(done, total, message);
        };
    }
    options.cancelled = [&call] { return call.Cancelled(); };
    return WithProject(call, services, [&](const memory::ProjectRef& project) -> Result<Json> {
        const auto began = std::chrono::steady_clock::now();
        auto report =
            files::ScanTree(root, *start, memory::StoreScanSink(services.store, project), options);
        if (!report.ok()) return std::move(report).error();
        Json result = ScanJson(*report, root);
        result["project"] = project.name;
        result["duration_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - began)
                                    .count();
        return result;
    });
}

ToolResult IndexFiles(const ToolCall& call, ToolServices& services) {
    const Json none;
    const auto files_arg = call.arguments.find("files");
    const auto deleted_arg = call.arguments.find("deleted");
    auto batch = files::ParseClientBatch(files_arg == call.arguments.end() ? none : *files_arg,
                                         deleted_arg == call.arguments.end() ? none : *deleted_arg);
    if (!batch.ok()) return mcp::ToolErrorResult(batch.error(), "");
    return WithProject(call, services, [&](const memory::ProjectRef& project) -> Result<Json> {
        files::IndexCounts counts;
        const std::span<const files::FileRecord> records(batch->files);
        for (std::size_t at = 0; at < records.size(); at += kWriteBatch) {
            if (at > 0 && call.Cancelled()) break;
            auto written = services.store.UpsertFiles(
                project, records.subspan(at, std::min(kWriteBatch, records.size() - at)));
            if (!written.ok()) return std::move(written).error();
            counts += *written;
        }
        auto removed = services.store.DeleteFiles(project, batch->deletions);
        if (!removed.ok()) return std::move(removed).error();
        counts += *removed;
        Json result = CountsJson(counts);
        result["project"] = project.name;
        result["received"] = batch->files.size();
        result["unchanged"] = static_cast<std::int64_t>(batch->files.size()) - counts.added -
                              counts.modified - counts.touched;
        return result;
    });
}

ToolResult QueryFiles(const ToolCall& call, ToolServices& services) {
    memory::FileQuery query;
    auto non_empty = [&call](const char* name) -> std::optional<std::string> {
        auto value = OptionalString(call.arguments, name);
        if (value && value->empty()) return std::nullopt;
        return value;
    };
    query.query = non_empty("query");
    query.type = non_empty("type");
    query.path_prefix = non_empty("path_prefix");
    query.changed_since = non_empty("changed_since");
    const int limit = OptionalInt(call.arguments, "limit").value_or(kDefaultQueryLimit);
    query.limit = limit + 1;  // One more: is there a next page?
    const std::string fingerprint =
        files::FilterFingerprint(query.query.value_or(""), query.type.value_or(""),
                                 query.path_prefix.value_or(""), query.changed_since.value_or(""));
    if (auto token = non_empty("cursor")) {
        auto cursor = files::DecodeCursor(*token, fingerprint);
        if (!cursor) {
            return ToolResult::Error(
                "invalid_cursor",
                "invalid cursor: pass the next_cursor of a previous query_files call unchanged, "
                "with the same query, type, path_prefix and changed_since");
        }
        query.after_score = cursor->score;
        query.after_path = cursor->path;
    }
    return WithProject(call, services, [&](const memory::ProjectRef& project) -> Result<Json> {
        auto found = services.store.QueryFiles(project, query);
        if (!found.ok()) return found;
        Json& rows = (*found)["files"];
        Json result = {{"project", project.name}, {"total", (*found)["total"]}};
        if (rows.size() > static_cast<std::size_t>(limit)) {
            rows.erase(rows.begin() + limit, rows.end());
            const Json& last = rows.back();
            result["next_cursor"] = files::EncodeCursor(
                {last["score"].dump(), last["path"].get<std::string>()}, fingerprint);
        }
        result["shown"] = rows.size();
        result["files"] = std::move(rows);
        if (!(*found)["deleted"].is_null()) result["deleted"] = (*found)["deleted"];
        return result;
    });
}

Json StringProperty(int max_length, const char* description) {
    return {{"type", "string"}, {"maxLength", max_length}, {"description", description}};
}

}  // namespace

void RegisterFileTools(mcp::ToolRegistry& registry, ToolServices& services) {
    auto bind = [&services](ToolResult (*handler)(const ToolCall&, ToolServices&)) {
        return [&services, handler](const ToolCall& call) { return handler(call, services); };
    };
    registry.Add(
        {.name = "scan_project_files",
         .title = "Index the project's files",
         .description =
             "stdio only: walks the project directory (the git root, else the server's working "
             "directory; or `path` below it) and updates the file index: path, size, mtime, "
             "SHA-256, language, line count and a short summary per file. Skips .git, what "
             ".gitignore and .mnemoignore exclude and symlinks leaving the root; files above "
             "1 MiB are recorded unread. Unchanged files (same size and mtime) are not re-read. "
             "Reports added / modified / deleted files; sends progress when asked. Over HTTP "
             "use index_files.",
         .input_schema = ObjectSchema(
             {{"path", StringProperty(4096,
                                      "Directory to scan, relative to the project root "
                                      "(default: the whole project).")},
              {"project", ProjectProperty()}}),
         .annotations = {{"idempotentHint", true}},
         .handler = bind(ScanProjectFiles),
         .plan = ProjectToolPlan(services)});
    const Json file_entry = ObjectSchema(
        {{"path", StringProperty(4096, "Relative to the project root, '/'-separated.")},
         {"size", {{"type", "integer"}, {"minimum", 0}, {"description", "Bytes."}}},
         {"mtime",
          {{"type", {"number", "string"}},
           {"description",
            "Modification time: seconds since 1970 (fractions allowed), or an ISO 8601 "
            "date-time with 'Z' or an offset (e.g. \"2026-12-06T05:51:20Z\", as query_files "
            "returns it)."}}},
         {"hash",
          {{"type", "string"},
           {"pattern", "^[0-9a-fA-F]{64}$"},
           {"description", "SHA-256 of the content, hex."}}},
         {"summary", StringProperty(static_cast<int>(files::kMaxClientSummary),
                                    "A short description of the file.")}},
        {"path", "size", "mtime"});
    registry.Add(
        {.name = "index_files",
         .title = "Index files the client describes",
         .description =
             "Updates the file index from metadata the client sends (the way to index over "
             "HTTP, where the server cannot see your disk): up to 1000 files per call, and "
             "paths to remove in `deleted`. A file whose hash (or, without one, size and mtime) "
             "differs from the index counts as modified. Paths must be relative, without '..'.",
         .input_schema =
             ObjectSchema({{"files",
                            {{"type", "array"},
                             {"maxItems", files::kMaxClientBatch},
                             {"items", file_entry},
                             {"description", "Files to add or update ([] when only deleting)."}}},
                           {"deleted",
                            {{"type", "array"},
                             {"maxItems", files::kMaxClientBatch},
                             {"items", {{"type", "string"}, {"maxLength", 4096}}},
                             {"description", "Paths that no longer exist."}}},
                           {"project", ProjectProperty()}},
                          {"files"}),
         .annotations = {{"idempotentHint", true}},
         .handler = bind(IndexFiles),
         .plan = ProjectToolPlan(services)});
    registry.Add(
        {.name = "query_files",
         .title = "Find indexed files",
         .description =
             "Searches the file index: full text over paths, languages and summaries (also "
             "path substrings), filtered by type (a language such as cpp, or text / binary / "
             "large / unread), path prefix and change time; best matches first. Pages with "
             "next_cursor. With changed_since it also lists files deleted since then.",
         .input_schema = ObjectSchema(
             {{"query", StringProperty(500, "Words or a path fragment.")},
              {"type", StringProperty(32, "Language (cpp, python, markdown, …) or kind.")},
              {"path_prefix", StringProperty(4096, "Only paths starting with this.")},
              {"changed_since",
               StringProperty(64, "Only files changed since this time (ISO 8601).")},
              {"limit",
               {{"type", "integer"},
                {"minimum", 1},
                {"maximum", kMaxQueryLimit},
                {"description", "Files per page (default 50)."}}},
              {"cursor", StringProperty(20000, "next_cursor of the previous page.")},
              {"project", ProjectProperty()}}),
         .annotations = {{"readOnlyHint", true}},
         .handler = bind(QueryFiles),
         .plan = ProjectToolPlan(services)});
}

}  // namespace mnemo::tools
