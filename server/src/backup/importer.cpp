// SPDX-License-Identifier: MIT
// Import entry points: the format, the source, the report.
#include "backup/importer.hpp"

#include <fstream>

#include "backup/converters.hpp"
#include "backup/import_engine.hpp"
#include "backup/line_reader.hpp"

namespace mnemo::backup {
namespace {

ImportReport Failed(const ImportOptions& options, ImportError error) {
    ImportReport report;
    report.dry_run = options.dry_run;
    report.error = std::move(error);
    return report;
}

std::optional<ImportReport> NeedsProject(ImportOptions& options, const char* format) {
    if (!options.project && !options.default_project.empty()) {
        options.project = options.default_project;
    }
    if (options.project) return std::nullopt;
    return Failed(options, ImportError{0, "",
                                       std::string("a ") + format +
                                           " import needs the project to import into "
                                           "(--project)"});
}

/// The format of a file from its first non-blank line.
ImportFormat Detect(std::istream& in) {
    LineReader reader(in, std::size_t{1} << 20);
    std::string line;
    while (reader.Next(line) == LineReader::Status::kLine &&
           line.find_first_not_of(" \t") == std::string::npos) {
    }
    reader.Rewind();
    const Json first = Json::parse(line, nullptr, false);
    if (first.is_object() && first.contains("type") &&
        (first["type"] == "entity" || first["type"] == "relation")) {
        return ImportFormat::kServerMemory;
    }
    return ImportFormat::kMnemo;  // and its checks say what is wrong with anything else
}

}  // namespace

std::optional<ImportFormat> ParseImportFormat(std::string_view name) {
    if (name == "auto") return ImportFormat::kAuto;
    if (name == "mnemo") return ImportFormat::kMnemo;
    if (name == "server-memory") return ImportFormat::kServerMemory;
    if (name == "markdown") return ImportFormat::kMarkdown;
    return std::nullopt;
}

nlohmann::json ImportReport::ToJson() const {
    Json counts_json = Json::object();
    for (const auto& [kind, c] : counts) {
        counts_json[kind] = {{"added", c.added}, {"unchanged", c.unchanged}};
    }
    Json error_json;
    if (error) {
        error_json = {{"line", error->line}, {"file", error->file}, {"message", error->message}};
    }
    return {{"dry_run", dry_run},
            {"projects", projects},
            {"counts", counts_json},
            {"skipped", skipped},
            {"error", error_json}};
}

std::string ImportReport::ErrorText() const {
    if (!error) return "";
    std::string where = error->file;
    if (error->line > 0)
        where += (where.empty() ? "line " : " line ") + std::to_string(error->line);
    return where.empty() ? error->message : where + ": " + error->message;
}

ImportReport ImportMnemo(memory::Store& store, std::istream& in, const ImportOptions& options) {
    auto source = detail::JsonLinesSource(in, options.max_line_bytes);
    return detail::RunImport(store, *source, options);
}

ImportReport ImportServerMemory(memory::Store& store, std::istream& in, ImportOptions options) {
    if (auto missing = NeedsProject(options, "server-memory")) return *missing;
    std::vector<detail::SourceRecord> records;
    std::optional<ImportError> error;
    if (!detail::ServerMemoryRecords(in, *options.project, options.max_line_bytes, records,
                                     error)) {
        return Failed(options, *error);
    }
    auto source = detail::VectorSource(std::move(records));
    return detail::RunImport(store, *source, options);
}

ImportReport ImportMarkdown(memory::Store& store, const std::filesystem::path& folder,
                            ImportOptions options) {
    if (auto missing = NeedsProject(options, "Markdown")) return *missing;
    std::vector<detail::SourceRecord> records;
    std::optional<ImportError> error;
    if (!detail::MarkdownRecords(folder, *options.project, options.max_line_bytes, records,
                                 error)) {
        return Failed(options, *error);
    }
    auto source = detail::VectorSource(std::move(records));
    return detail::RunImport(store, *source, options);
}

ImportReport ImportPath(memory::Store& store, const std::filesystem::path& path,
                        ImportFormat format, const ImportOptions& options) {
    std::error_code ec;
    const bool folder = std::filesystem::is_directory(path, ec);
    if (!folder && !std::filesystem::exists(path, ec)) {
        return Failed(options, ImportError{0, "", "'" + path.string() + "' does not exist"});
    }
    if (format == ImportFormat::kAuto && folder) format = ImportFormat::kMarkdown;
    if (format == ImportFormat::kMarkdown) return ImportMarkdown(store, path, options);
    if (folder) {
        return Failed(options, ImportError{0, "",
                                           "'" + path.string() +
                                               "' is a folder: only --format markdown reads "
                                               "folders"});
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return Failed(options, ImportError{0, "", "cannot open '" + path.string() + "'"});
    return ImportStream(store, in, format, options);
}

ImportReport ImportStream(memory::Store& store, std::istream& in, ImportFormat format,
                          const ImportOptions& options) {
    if (format == ImportFormat::kMarkdown) {
        return Failed(options,
                      ImportError{0, "", "Markdown is imported from a folder, not one stream"});
    }
    if (format == ImportFormat::kAuto) {
        // A pipe cannot be read twice: without a format, it is taken for a mnemo export.
        format = in.tellg() != std::streampos(-1) ? Detect(in) : ImportFormat::kMnemo;
    }
    if (format == ImportFormat::kServerMemory) return ImportServerMemory(store, in, options);
    return ImportMnemo(store, in, options);
}

}  // namespace mnemo::backup
