// SPDX-License-Identifier: MIT
// index_files arguments: the file metadata a client sends, checked and turned into records.
#include "files/client_files.hpp"

#include <cmath>
#include <unordered_set>

#include "files/file_type.hpp"
#include "files/path_rules.hpp"

namespace mnemo::files {
namespace {

using pqpool::Error;
using pqpool::ErrorCode;
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

}  // namespace

pqpool::Result<ClientBatch> ParseClientBatch(const Json& files, const Json& deleted) {
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
        if (mtime == entry.end() || !mtime->is_number() || !(mtime->get<double>() >= 0) ||
            mtime->get<double>() > kMaxMtimeSeconds) {
            return Invalid(where +
                           ".mtime must be the modification time in seconds since 1970 (not "
                           "milliseconds), 0 or more");
        }
        record.size = static_cast<std::int64_t>(size->get<double>());
        record.mtime_ns = static_cast<std::int64_t>(std::llround(mtime->get<double>() * 1e9));
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
