// SPDX-License-Identifier: MIT
// Converters: other memory servers' files as mnemo export records for the import engine.
#pragma once

#include <filesystem>
#include <istream>
#include <vector>

#include "backup/import_engine.hpp"

namespace mnemo::backup::detail {

/// server-memory's memory.json as records (header, one project `project`, its contexts, end).
/// False with `error` set on a line that is not an entity or relation.
bool ServerMemoryRecords(std::istream& in, const std::string& project, std::size_t max_line_bytes,
                         std::vector<SourceRecord>& records, std::optional<ImportError>& error);

/// The Markdown files under `folder` (or the file itself) as records. False with `error` set
/// on a file that cannot be read or whose front matter is invalid.
bool MarkdownRecords(const std::filesystem::path& folder, const std::string& project,
                     std::size_t max_file_bytes, std::vector<SourceRecord>& records,
                     std::optional<ImportError>& error);

}  // namespace mnemo::backup::detail
