// SPDX-License-Identifier: MIT
// Walk: lists the files of a project tree the index should hold, without reading them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace mnemo::files {

struct WalkedFile {
    std::string path;  // relative to the root, '/'-separated
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;  // nanoseconds since the Unix epoch
};

struct WalkReport {
    std::vector<WalkedFile> files;   // in walk order (sorted by name within a directory)
    std::size_t ignored = 0;         // files and directories excluded by ignore rules
    std::size_t outside_root = 0;    // symlinks resolving outside the root (not followed)
    std::size_t loops = 0;           // symlinked directories already walked (loops, duplicates)
    std::size_t unreadable = 0;      // broken links, permission errors, non-UTF-8 names, devices
    std::vector<std::string> notes;  // the first 20 skips, "path: reason"
    bool cancelled = false;
    bool truncated = false;  // stopped at WalkOptions::max_files: `files` is incomplete
};

struct WalkOptions {
    /// Polled every 256 entries; the walk stops (report.cancelled) once it returns true.
    std::function<bool()> cancelled;
    /// Directories deeper than this are not entered (counted unreadable). Default 128.
    int max_depth = 128;
    /// The walk stops (report.truncated) once it has listed this many files. Default 200 000.
    std::size_t max_files = 200'000;
};

/// Lists the regular files under `root`/`start` (`root` canonical; `start` relative, "" = all,
/// from ResolveScanPath). Skips every ".git", whatever .gitignore and .mnemoignore files (in
/// every directory from the root down) exclude, symlinks that resolve outside the root, and
/// symlinked directories already walked (so loops end). Files reached through a symlink inside
/// the root are listed under the link's path. Errors: kInvalidArgument when `start` cannot be
/// opened. Thread safety: reentrant (no shared state).
[[nodiscard]] Result<WalkReport> Walk(const std::filesystem::path& root, const std::string& start,
                                      const WalkOptions& options = {});

/// Reads a whole (small) file; nullopt when it cannot be read.
[[nodiscard]] std::optional<std::string> ReadFile(const std::string& path, std::size_t max_bytes);

}  // namespace mnemo::files
