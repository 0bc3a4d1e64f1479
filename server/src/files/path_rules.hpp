// SPDX-License-Identifier: MIT
// Path rules of the file index: which relative paths are acceptable, and staying inside a root.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mnemo::files {

/// Longest indexed path, in bytes.
inline constexpr std::size_t kMaxPathBytes = 4096;

/// True if `text` is valid UTF-8 (no overlong forms or surrogates).
[[nodiscard]] bool IsValidUtf8(std::string_view text);

/// Why `path` is not an acceptable index path, or "" when it is: relative, '/'-separated,
/// normalised (no empty, "." or ".." segments, no leading or trailing '/'), valid UTF-8
/// without control characters, at most kMaxPathBytes. Thread safety: pure function.
[[nodiscard]] std::string PathProblem(std::string_view path);

/// True if `inner` is `root` or below it (both absolute and canonical).
[[nodiscard]] bool IsInside(const std::filesystem::path& root, const std::filesystem::path& inner);

/// The directory to scan, as a path relative to `root` ("" = the root itself), from a caller's
/// `requested` path (relative to the root, or absolute). `root` must be canonical. Errors
/// (kRefused): a ".." segment, a path (or a symlink on it)
/// that resolves outside the root, a path that does not exist or is not a directory.
[[nodiscard]] Result<std::string> ResolveScanPath(const std::filesystem::path& root,
                                                  const std::string& requested);

/// The default root of stdio scans: the nearest directory at or above `working_directory`
/// holding .git, else `working_directory`; canonical.
[[nodiscard]] std::filesystem::path DefaultScanRoot(const std::filesystem::path& working_directory);

}  // namespace mnemo::files
