// SPDX-License-Identifier: MIT
// `mnemo export` and `mnemo import`: projects to and from one JSON Lines file.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "backup/exporter.hpp"
#include "backup/importer.hpp"
#include "cli/commands.hpp"
#include "cli/database.hpp"

namespace mnemo::cli {
namespace {

std::string CountsLine(const backup::ImportReport& report) {
    std::string line;
    for (const auto& [kind, counts] : report.counts) {
        line += (line.empty() ? "" : "; ") + kind + " " + std::to_string(counts.added) +
                " added, " + std::to_string(counts.unchanged) + " unchanged";
    }
    return line.empty() ? "nothing to import" : line;
}

}  // namespace

int RunExport(const Config& config, const ExportCommand& command) {
    if (command.all == !command.project.empty()) {
        PrintError("choose what to export: --project NAME or --all");
        return 2;
    }
    auto db = OpenDatabase(config);
    if (!db.ok()) {
        PrintError(db.error().message());
        return 1;
    }
    backup::ExportOptions options;
    options.owner = command.user;
    if (!command.all) options.projects.push_back(command.project);

    // A file is written beside its final name and renamed when complete, so a failed export
    // never leaves a file that looks whole.
    const std::string partial = command.output + ".partial";
    std::ofstream file;
    if (!command.output.empty()) {
        file.open(partial, std::ios::binary | std::ios::trunc);
        if (!file) {
            PrintError("cannot write '" + partial + "'");
            return 1;
        }
    } else {
        std::ios::sync_with_stdio(false);
    }
    std::ostream& out = command.output.empty() ? std::cout : file;
    auto counts = backup::ExportTo(*db->store, options, out);
    if (!command.output.empty()) {
        file.close();
        std::error_code ec;
        if (counts.ok()) {
            std::filesystem::rename(partial, command.output, ec);
            if (ec) counts = Error(ErrorCode::kCancelled, ec.message());
        }
        if (!counts.ok()) std::filesystem::remove(partial, ec);
    }
    if (!counts.ok()) {
        PrintError("export failed: " + counts.error().message());
        return 1;
    }
    std::fprintf(stderr,
                 "mnemo: exported %lld project(s): %lld context versions, %lld handovers, %lld "
                 "files, %lld file changes\n",
                 static_cast<long long>(counts->projects), static_cast<long long>(counts->contexts),
                 static_cast<long long>(counts->handovers), static_cast<long long>(counts->files),
                 static_cast<long long>(counts->file_changes));
    return 0;
}

int RunImport(const Config& config, const ImportCommand& command) {
    const auto format = backup::ParseImportFormat(command.format);
    if (!format) {
        PrintError("--format must be mnemo, server-memory or markdown, not '" + command.format +
                   "'");
        return 2;
    }
    auto db = OpenDatabase(config);
    if (!db.ok()) {
        PrintError(db.error().message());
        return 1;
    }
    backup::ImportOptions options;
    options.owner = command.user;
    if (!command.project.empty()) options.project = command.project;
    options.default_project = config.default_project;
    options.dry_run = command.dry_run;
    const auto report = backup::ImportPath(*db->store, command.path, *format, options);
    std::string projects;
    for (const auto& name : report.projects) projects += (projects.empty() ? "" : ", ") + name;
    if (!report.ok()) {
        PrintError("import failed: " + report.ErrorText());
        if (!report.projects.empty()) {
            PrintError("projects imported before the failure: " + projects);
        } else {
            PrintError("nothing was imported");
        }
        return 1;
    }
    std::printf("%s%s: %s\n",
                command.dry_run ? "dry run (nothing changed), would import " : "imported ",
                projects.empty() ? "no project" : projects.c_str(), CountsLine(report).c_str());
    if (report.skipped > 0) {
        std::printf("skipped %lld record(s) of types this mnemo does not know\n",
                    static_cast<long long>(report.skipped));
    }
    return 0;
}

}  // namespace mnemo::cli
