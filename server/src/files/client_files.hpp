// SPDX-License-Identifier: MIT
// index_files arguments: the file metadata a client sends, checked and turned into records.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "files/file_record.hpp"
#include "util/error.hpp"

namespace mnemo::files {

/// Most files (and most deleted paths) one index_files call takes.
inline constexpr std::size_t kMaxClientBatch = 1000;
/// Longest client summary, in characters (the column holds 2000 bytes).
inline constexpr std::size_t kMaxClientSummary = 500;

struct ClientBatch {
    std::vector<FileRecord> files;        // kind "unread"; language from the path
    std::vector<FileDeletion> deletions;  // unconditional
};

/// Checks index_files' `files` ([{path, size, mtime, hash?, summary?}]; mtime in seconds since
/// the Unix epoch, fractions allowed) and `deleted` ([path]) beyond what the schema checked:
/// every path must pass PathProblem, appear once, and not be both sent and deleted; at most
/// kMaxClientBatch of each. Errors (kInvalidArgument) name the entry, e.g. "files[3].path
/// 'a/../b' holds a '..' segment: …". Thread safety: pure function.
[[nodiscard]] Result<ClientBatch> ParseClientBatch(const nlohmann::json& files,
                                                   const nlohmann::json& deleted);

}  // namespace mnemo::files
