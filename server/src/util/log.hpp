// SPDX-License-Identifier: MIT
// Structured logging: one JSON object per line on stderr (stdout belongs to the protocol).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace mnemo::log {

enum class Level { kDebug, kInfo, kWarning, kError };

/// Lines below this level are dropped. Default kInfo. Thread-safe.
void SetMinLevel(Level level);

/// True when lines at `level` are written; lets callers skip building fields for nothing.
[[nodiscard]] bool Enabled(Level level);

/// Parses "debug" | "info" | "warning" | "error"; false for anything else.
[[nodiscard]] bool ParseLevel(std::string_view text, Level& level);

/// Writes {"ts", "level", "event", ...fields} as one line on stderr. `fields` must be an
/// object (or null). Thread-safe: lines from concurrent callers never interleave.
void Write(Level level, std::string_view event, const nlohmann::json& fields = nullptr);

inline void Debug(std::string_view event, const nlohmann::json& fields = nullptr) {
    Write(Level::kDebug, event, fields);
}
inline void Info(std::string_view event, const nlohmann::json& fields = nullptr) {
    Write(Level::kInfo, event, fields);
}
inline void Warning(std::string_view event, const nlohmann::json& fields = nullptr) {
    Write(Level::kWarning, event, fields);
}
inline void Error(std::string_view event, const nlohmann::json& fields = nullptr) {
    Write(Level::kError, event, fields);
}

}  // namespace mnemo::log
