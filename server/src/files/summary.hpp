// SPDX-License-Identifier: MIT
// Summaries of text files by cheap heuristics: the first doc comment, markdown headings, and
// top-level definitions. No parsing, no model.
#pragma once

#include <string>
#include <string_view>

namespace mnemo::files {

/// Longest summary ExtractSummary returns, in bytes (cut on a UTF-8 boundary).
inline constexpr std::size_t kMaxSummaryBytes = 400;

/// A one-line summary of `content` written in `language` (DetectLanguage's names):
/// markdown → its headings; code → its leading comment (licence lines skipped) or Python
/// docstring, then "defines: …" with up to 10 top-level classes, structs, functions or
/// tables; anything else → its first non-empty line. Reads at most the first 64 KiB.
/// "" when nothing useful is found. Thread safety: pure function.
[[nodiscard]] std::string ExtractSummary(std::string_view language, std::string_view content);

}  // namespace mnemo::files
