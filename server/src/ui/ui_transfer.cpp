// SPDX-License-Identifier: MIT
// UiService's download and upload: a project's export as a file, a file imported (backup/).
#include <chrono>
#include <ctime>
#include <sstream>

#include "backup/exporter.hpp"
#include "backup/importer.hpp"
#include "backup/records.hpp"
#include "ui/ui_errors.hpp"
#include "ui/ui_http.hpp"
#include "ui/ui_service.hpp"
#include "util/log.hpp"

namespace mnemo::ui {
namespace {

using nlohmann::json;
using util::RouteResponse;

constexpr std::string_view kUploadSetting = "MNEMO_UI_MAX_UPLOAD_BYTES";

std::string UtcDate() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
    return text;
}

std::string Query(const UiCall& call, const char* name) {
    const auto found = call.query.find(name);
    return found == call.query.end() ? std::string() : found->second;
}

}  // namespace

util::BodyLimit UiService::BodyLimitFor(std::string_view method, std::string_view path) const {
    if (method == "POST" && path == "/ui/api/import") {
        return {services_.config.http.max_upload_bytes, kUploadSetting};
    }
    return {};
}

RouteResponse UiService::Export(const UiCall& call) {
    const std::string project = Query(call, "p");
    if (project.empty()) return ErrorReply(400, "name the project (p=NAME)");
    if (auto why = backup::ProjectNameProblem(project); !why.empty()) return ErrorReply(400, why);
    backup::ExportOptions options;
    options.owner = call.principal.user;
    options.projects = {project};
    // The whole file is held until it is sent, so it is bounded like an upload: what /ui
    // downloads, /ui can upload again.
    const std::size_t limit = services_.config.http.max_upload_bytes;
    std::string file;
    bool too_large = false;
    auto counts = backup::Export(services_.store, options, [&](std::string_view line) {
        if (file.size() + line.size() + 1 > limit) {
            too_large = true;
            return false;
        }
        file.append(line).push_back('\n');
        return true;
    });
    if (too_large) {
        return ErrorReply(
            413, "the export of '" + project + "' is larger than " + std::to_string(limit) +
                     " bytes (" + std::string(kUploadSetting) +
                     "), the most /ui downloads: use `mnemo export --project " + project + "`");
    }
    if (!counts.ok()) return StoreError(counts.error());
    log::Info("ui_export", {{"user", call.principal.user},
                            {"project", project},
                            {"contexts", counts->contexts},
                            {"bytes", file.size()}});
    auto response = Secured(200, "application/x-ndjson; charset=utf-8", std::move(file));
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"mnemo-" + project +
                                                             "-" + UtcDate() + ".jsonl\"");
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

RouteResponse UiService::Import(UiCall& call) {
    const std::string format_name = Query(call, "format");
    const auto format = backup::ParseImportFormat(format_name.empty() ? "auto" : format_name);
    if (!format || *format == backup::ImportFormat::kMarkdown) {
        return ErrorReply(400, "format must be auto, mnemo or server-memory");
    }
    backup::ImportOptions options;
    options.owner = call.principal.user;
    if (const std::string project = Query(call, "project"); !project.empty()) {
        if (auto why = backup::ProjectNameProblem(project); !why.empty()) {
            return ErrorReply(400, why);
        }
        options.project = project;
    }
    const std::string dry_run = Query(call, "dry_run");
    if (dry_run != "" && dry_run != "0" && dry_run != "1") {
        return ErrorReply(400, "dry_run must be 0 or 1");
    }
    options.dry_run = dry_run == "1";
    // The transport refused a larger Content-Length before reading the body; this holds for
    // a chunked body too.
    if (call.request.body.size() > services_.config.http.max_upload_bytes) {
        return ErrorReply(413, "the file is larger than " +
                                   std::to_string(services_.config.http.max_upload_bytes) +
                                   " bytes (" + std::string(kUploadSetting) + ")");
    }
    if (call.request.body.empty()) return ErrorReply(400, "the file is empty");
    std::istringstream in(std::move(call.request.body));
    const backup::ImportReport report = backup::ImportStream(services_.store, in, *format, options);
    json answer = report.ToJson();
    log::Info("ui_import", {{"user", call.principal.user},
                            {"projects", report.projects},
                            {"dry_run", report.dry_run},
                            {"ok", report.ok()}});
    if (!report.ok()) {
        // A file's problem names its line; nothing of the failing project was written.
        answer["problem"] = answer["error"];
        answer["error"] = report.ErrorText();
        return JsonReply(400, answer);
    }
    return JsonReply(200, answer);
}

}  // namespace mnemo::ui
