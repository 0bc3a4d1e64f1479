// SPDX-License-Identifier: MIT
// Structured logging: JSON lines on stderr.
#include "util/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace mnemo::log {
namespace {

std::atomic<Level> min_level{Level::kInfo};
std::mutex write_mutex;

const char* LevelName(Level level) {
    switch (level) {
        case Level::kDebug: return "debug";
        case Level::kInfo: return "info";
        case Level::kWarning: return "warning";
        case Level::kError: return "error";
    }
    return "info";
}

std::string UtcTimestamp() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(millis));
    return text;
}

}  // namespace

void SetMinLevel(Level level) { min_level.store(level, std::memory_order_relaxed); }

bool Enabled(Level level) { return level >= min_level.load(std::memory_order_relaxed); }

bool ParseLevel(std::string_view text, Level& level) {
    for (Level candidate : {Level::kDebug, Level::kInfo, Level::kWarning, Level::kError}) {
        if (text == LevelName(candidate)) {
            level = candidate;
            return true;
        }
    }
    return false;
}

void Write(Level level, std::string_view event, const nlohmann::json& fields) {
    if (!Enabled(level)) return;
    nlohmann::json line = {{"ts", UtcTimestamp()}, {"level", LevelName(level)}, {"event", event}};
    if (fields.is_object()) {
        for (const auto& [key, value] : fields.items()) line[key] = value;
    }
    // Replace, never throw, on invalid UTF-8 coming from outside (e.g. a client's tool name).
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text.push_back('\n');
    std::lock_guard lock(write_mutex);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

}  // namespace mnemo::log
