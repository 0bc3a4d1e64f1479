// SPDX-License-Identifier: MIT
// Import: a mnemo export, a server-memory memory.json or a folder of Markdown files into
// projects, idempotently, one transaction per project (docs/export-format.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memory/backup_store.hpp"

namespace mnemo::backup {

enum class ImportFormat { kAuto, kMnemo, kServerMemory, kMarkdown };

/// "mnemo" | "server-memory" | "markdown" (| "auto"); nullopt for anything else.
[[nodiscard]] std::optional<ImportFormat> ParseImportFormat(std::string_view name);

struct ImportOptions {
    /// Whose projects the records go into ("" = the local owner). Nothing outside them is
    /// ever read or written.
    std::string owner;
    /// mnemo format: import the file's single project under this name (a file of several
    /// projects is refused). server-memory and Markdown: the project to import into
    /// (required).
    std::optional<std::string> project;
    /// server-memory and Markdown: the project when `project` is not given ("" = none: the
    /// import is refused and says to pass one). The command line's default project.
    std::string default_project;
    /// Do everything in transactions that are rolled back: the report says what would change.
    bool dry_run = false;
    /// The longest line (and Markdown file) accepted, in bytes (default 16 MiB).
    std::size_t max_line_bytes = std::size_t{16} << 20;
};

/// Where and why an import stopped.
struct ImportError {
    std::int64_t line = 0;  // 1-based line of the file; 0 when the problem has no line
    std::string file;       // the Markdown file, or ""
    std::string message;
};

/// What an import did (or, with dry_run, would do). When `error` is set, the projects listed
/// in `projects` were committed before it (a later project failed in the database), and
/// nothing of the failing project was written; a file that fails its checks writes nothing.
struct ImportReport {
    bool dry_run = false;
    std::vector<std::string> projects;                 // imported (or checked, with dry_run)
    std::map<std::string, memory::KindCounts> counts;  // "projects", "contexts", ...
    std::int64_t skipped = 0;                          // records of a type this version ignores
    std::optional<ImportError> error;

    [[nodiscard]] bool ok() const { return !error.has_value(); }
    /// {"dry_run", "projects", "counts": {kind: {added, unchanged}}, "skipped", "error":
    /// {line, file, message} | null}.
    [[nodiscard]] nlohmann::json ToJson() const;
    /// "line 12: ..." / "notes/a.md line 3: ..." / the message alone.
    [[nodiscard]] std::string ErrorText() const;
};

/// Imports a mnemo export read from `in`. A seekable stream is first read whole to check
/// every record (so a malformed or truncated file writes nothing), then imported; a
/// non-seekable one is checked as it is imported (a problem rolls back the project it is in).
/// Memory stays flat: records go to the database in batches.
[[nodiscard]] ImportReport ImportMnemo(memory::Store& store, std::istream& in,
                                       const ImportOptions& options);

/// Imports @modelcontextprotocol/server-memory's memory.json (JSON Lines of entities and
/// relations) into options.project: each entity becomes a topic named after it, its
/// observations the content (one "- " line each), its entityType a tag; relations are
/// listed in their source entity's content under "Relations:" ("- relationType: target").
[[nodiscard]] ImportReport ImportServerMemory(memory::Store& store, std::istream& in,
                                              ImportOptions options);

/// Imports every *.md file under `folder` (or the one file `folder` names) into
/// options.project: one context per file, topic from the front matter's `topic` (else
/// `title`, else the path without .md), priority and tags from the front matter.
[[nodiscard]] ImportReport ImportMarkdown(memory::Store& store, const std::filesystem::path& folder,
                                          ImportOptions options);

/// Imports a file read from `in` in `format` (kAuto: detected from its first record when
/// `in` can seek, else taken for a mnemo export). kMarkdown is refused (it reads folders).
[[nodiscard]] ImportReport ImportStream(memory::Store& store, std::istream& in, ImportFormat format,
                                        const ImportOptions& options);

/// Opens `path` and imports it in `format` (kAuto: a folder is Markdown; a file whose first
/// record is a mnemo header is a mnemo export; one of entities and relations is server-memory).
[[nodiscard]] ImportReport ImportPath(memory::Store& store, const std::filesystem::path& path,
                                      ImportFormat format, const ImportOptions& options);

}  // namespace mnemo::backup
