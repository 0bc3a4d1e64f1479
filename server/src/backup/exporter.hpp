// SPDX-License-Identifier: MIT
// Export: a project (or all of an owner's) as one JSON Lines file (docs/export-format.md).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "memory/backup_store.hpp"

namespace mnemo::backup {

struct ExportOptions {
    std::string owner;                  // whose projects ("" = the local owner)
    std::vector<std::string> projects;  // empty = all of the owner's projects
};

/// Writes the export, one line (without its '\n') per call of `write_line`: a header, the
/// projects' records (memory::ExportProjects) and an end record with the counts. Streams: memory
/// stays flat whatever the size. `write_line` returning false stops it (kCancelled).
/// Errors: memory::ExportProjects's.
Result<memory::ExportCounts> Export(memory::Store& store, const ExportOptions& options,
                                    const std::function<bool(std::string_view)>& write_line);

/// Export to a stream, each line ending in '\n'. Stops with kCancelled when the stream fails.
Result<memory::ExportCounts> ExportTo(memory::Store& store, const ExportOptions& options,
                                      std::ostream& out);

}  // namespace mnemo::backup
