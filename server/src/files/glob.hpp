// SPDX-License-Identifier: MIT
// Glob matching with gitignore's rules for '*', '?', '[...]' and '**' path segments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mnemo::files {

/// Splits a '/'-separated path into its non-empty segments.
[[nodiscard]] std::vector<std::string_view> SplitPath(std::string_view path);

/// True if `segment` (no '/') matches `pattern` (no '/'): '*' any run, '?' one character,
/// '[a-z]' / '[!a-z]' classes, '\' escapes the next character (fnmatch(3) without flags).
[[nodiscard]] bool MatchSegment(const std::string& pattern, std::string_view segment);

/// True if the path `segments` match the pattern `parts` segment by segment, where a part
/// "**" matches zero or more whole segments (gitignore: "a/**/b", "**/b", "a/**").
/// Thread safety: pure function.
[[nodiscard]] bool MatchSegments(const std::vector<std::string>& parts,
                                 const std::vector<std::string_view>& segments);

}  // namespace mnemo::files
