// SPDX-License-Identifier: MIT
// File type detection: the language a path's name suggests, and whether content is binary.
#pragma once

#include <string_view>

namespace mnemo::files {

/// The language or format of `path`, from its file name or extension ("cpp", "python",
/// "markdown", "json", "cmake", …); "" when unknown. Thread safety: pure function.
[[nodiscard]] std::string_view DetectLanguage(std::string_view path);

/// Git's heuristic: content is binary when its first 8000 bytes hold a NUL byte.
[[nodiscard]] bool LooksBinary(std::string_view content);

/// Lines in `content`: newlines, plus one for a last line without one.
[[nodiscard]] int CountLines(std::string_view content);

}  // namespace mnemo::files
