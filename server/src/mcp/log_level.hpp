// SPDX-License-Identifier: MIT
// LogLevel: the RFC 5424 severities MCP's logging utility uses (logging/setLevel).
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace mnemo::mcp {

/// Ordered from least to most severe: a session at level L receives messages >= L.
enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };

inline constexpr std::array<std::string_view, 8> kLogLevelNames = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};

[[nodiscard]] inline std::string_view LogLevelName(LogLevel level) {
    return kLogLevelNames[static_cast<std::size_t>(level)];
}

/// The level named `name` (lower case, as on the wire); nullopt for anything else.
[[nodiscard]] inline std::optional<LogLevel> ParseLogLevel(std::string_view name) {
    for (std::size_t i = 0; i < kLogLevelNames.size(); ++i) {
        if (kLogLevelNames[i] == name) return static_cast<LogLevel>(i);
    }
    return std::nullopt;
}

}  // namespace mnemo::mcp
