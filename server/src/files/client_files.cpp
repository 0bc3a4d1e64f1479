// SPDX-License-Identifier: MIT
// index_files arguments: the file metadata a client sends, checked and turned into records.
#include "files/client_files.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <unordered_set>

#include "files/file_type.hpp"
#include "files/path_rules.hpp"

namespace mnemo::files {
namespace {

using Json = nlohmann::json;

// Past the year 9999: a mtime above it is a unit mistake (milliseconds), not a date.
constexpr double kMaxMtimeSeconds = 253402300799.0;
constexpr double kMaxSize = 9007199254740992.0;  // 2^53: exact in JSON numbers

Error Invalid(const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); }

std::string Lower(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
}

bool IsHex64(const std::string& text) {
    if (text.size() != 64) return false;
    return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

/// Nanoseconds since 1970 of an RFC 3339 / ISO 8601 date-time such as "2026-12-06T05:51:20Z"
/// or "2026-12-06 05:51:20.125+01:00" (up to 9 digits of a second count; 'Z' or an offset is
/// required); nullopt for anything else, before 1970 or past 9999.
std::optional<std::int64_t> IsoNanos(const std::string& text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
    char separator = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &year, &month, &day, &separator,
                    &hour, &minute, &second, &consumed) != 7 ||
        consumed != 19 || (separator != 'T' && separator != 't' && separator != ' ') || month < 1 ||
        month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::size_t i = 19;
    std::int64_t nanos = 0;
    if (i < text.size() && text[i] == '.') {
        const std::size_t digits_start = ++i;
        std::int64_t scale = 100000000;
        for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0; ++i) {
            nanos += (text[i] - '0') * scale;
            scale /= 10;
        }
        if (i == digits_start) return std::nullopt;
    }
    std::int64_t offset = 0;
    const auto digit = [&text](std::size_t at) {
        return std::isdigit(static_cast<unsigned char>(text[at])) != 0;
    };
    if (i + 1 == text.size() && (text[i] == 'Z' || text[i] == 'z')) {
        offset = 0;
    } else if (i + 6 == text.size() && (text[i] == '+' || text[i] == '-') && text[i + 3] == ':' &&
               digit(i + 1) && digit(i + 2) && digit(i + 4) && digit(i + 5)) {
        const int hours = (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
        const int minutes = (text[i + 4] - '0') * 10 + (text[i + 5] - '0');
        if (hours > 23 || minutes > 59) return std::nullopt;
        offset = (text[i] == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
    } else {
        return std::nullopt;
    }
    std::tm parts{};
    parts.tm_year = year - 1900;
    parts.tm_mon = month - 1;
    parts.tm_mday = day;
    parts.tm_hour = hour;
    parts.tm_min = minute;
    parts.tm_sec = second;
    const std::int64_t utc = static_cast<std::int64_t>(timegm(&parts)) - offset;
    // timegm normalises 31 February into March: a date that changed was not a date.
    if (parts.tm_mday != day || parts.tm_mon != month - 1) return std::nullopt;
    if (utc < 0 || utc > static_cast<std::int64_t>(kMaxMtimeSeconds)) return std::nullopt;
    return utc * 1000000000 + nanos;
}

/// The mtime of an index_files entry in nanoseconds: seconds since 1970 (a number, 0 or
/// more, below the year 10000), or an ISO 8601 date-time string (what query_files returns,
/// so its answers go back unchanged). Whole seconds and the fraction are converted apart, so
/// 1700000000.25 is exactly …250000000 ns.
std::optional<std::int64_t> MtimeNanos(const Json& mtime) {
    if (mtime.is_string()) return IsoNanos(mtime.get<std::string>());
    if (!mtime.is_number()) return std::nullopt;
    const double seconds = mtime.get<double>();
    if (!(seconds >= 0) || seconds > kMaxMtimeSeconds) return std::nullopt;
    const double whole = std::floor(seconds);
    return static_cast<std::int64_t>(whole) * 1000000000 +
           static_cast<std::int64_t>(std::llround((seconds - whole) * 1e9));
}

}  // namespace

Result<ClientBatch> ParseClientBatch(const Json& files, const Json& deleted) {
    ClientBatch batch;
    std::unordered_set<std::string> seen;
    if (!files.is_null() && !files.is_array()) return Invalid("files must be an array");
    if (!deleted.is_null() && !deleted.is_array()) return Invalid("deleted must be an array");
    const std::size_t file_count = files.is_array() ? files.size() : 0;
    const std::size_t deleted_count = deleted.is_array() ? deleted.size() : 0;
    if (file_count > kMaxClientBatch || deleted_count > kMaxClientBatch) {
        return Invalid("index_files takes at most " + std::to_string(kMaxClientBatch) +
                       " files and " + std::to_string(kMaxClientBatch) +
                       " deleted paths per call, got " + std::to_string(file_count) + " and " +
                       std::to_string(deleted_count) + ": send them in several calls");
    }
    if (file_count == 0 && deleted_count == 0) {
        return Invalid("nothing to index: send files (or deleted paths)");
    }
    for (std::size_t i = 0; i < file_count; ++i) {
        const Json& entry = files[i];
        const std::string where = "files[" + std::to_string(i) + "]";
        if (!entry.is_object()) return Invalid(where + " must be an object");
        const auto path = entry.find("path");
        const auto size = entry.find("size");
        const auto mtime = entry.find("mtime");
        if (path == entry.end() || !path->is_string()) {
            return Invalid(where + ".path is required (a string)");
        }
        FileRecord record;
        record.path = path->get<std::string>();
        if (auto problem = PathProblem(record.path); !problem.empty()) {
            return Invalid(where + ".path '" + record.path + "' " + problem);
        }
        if (size == entry.end() || !size->is_number() || size->get<double>() < 0 ||
            size->get<double>() > kMaxSize ||
            std::floor(size->get<double>()) != size->get<double>()) {
            return Invalid(where + ".size must be a whole number of bytes, 0 or more");
        }
        const auto nanos = mtime == entry.end() ? std::nullopt : MtimeNanos(*mtime);
        if (!nanos) {
            return Invalid(where +
                           ".mtime must be the modification time: seconds since 1970 (not "
                           "milliseconds), 0 or more, or an ISO 8601 date-time with 'Z' or an "
                           "offset, such as \"2026-12-06T05:51:20Z\"");
        }
        record.size = static_cast<std::int64_t>(size->get<double>());
        record.mtime_ns = *nanos;
        if (auto hash = entry.find("hash"); hash != entry.end() && !hash->is_null()) {
            record.hash = hash->is_string() ? Lower(hash->get<std::string>()) : "";
            if (!IsHex64(record.hash)) {
                return Invalid(where + ".hash must be a SHA-256 digest: 64 hex digits");
            }
        }
        if (auto summary = entry.find("summary"); summary != entry.end() && summary->is_string()) {
            record.summary = summary->get<std::string>();
        }
        if (!seen.insert(record.path).second) {
            return Invalid(where + ".path '" + record.path + "' appears twice in this call");
        }
        record.kind = "unread";
        record.language = std::string(DetectLanguage(record.path));
        batch.files.push_back(std::move(record));
    }
    for (std::size_t i = 0; i < deleted_count; ++i) {
        const std::string where = "deleted[" + std::to_string(i) + "]";
        if (!deleted[i].is_string()) return Invalid(where + " must be a string");
        const std::string path = deleted[i].get<std::string>();
        if (auto problem = PathProblem(path); !problem.empty()) {
            return Invalid(where + " '" + path + "' " + problem);
        }
        if (!seen.insert(path).second) {
            return Invalid(where + " '" + path + "' is also sent in files, or deleted twice");
        }
        batch.deletions.push_back({path, std::nullopt});
    }
    return batch;
}

}  // namespace mnemo::files
