// SPDX-License-Identifier: MIT
// The checks an import applies to each record before anything is written.
#include "backup/records.hpp"

#include <climits>

#include "config/config.hpp"
#include "files/sha256.hpp"
#include "tools/guard.hpp"

namespace mnemo::backup {
namespace {

using memory::RecordKind;

bool IsAbsent(const Json& record, const char* key) {
    const auto it = record.find(key);
    return it == record.end() || it->is_null();
}

/// Copies an optional string field; false when present with another type.
bool OptionalString(const Json& record, const char* key, Json& row) {
    if (IsAbsent(record, key)) {
        row[key] = nullptr;
        return true;
    }
    if (!record[key].is_string()) return false;
    row[key] = record[key];
    return true;
}

bool IsInteger(const Json& value, long long min, long long max) {
    if (!value.is_number_integer()) return false;
    const auto number = value.get<long long>();
    return number >= min && number <= max;
}

std::size_t CodePoints(std::string_view text) {
    std::size_t count = 0;
    for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return count;
}

bool HasControl(std::string_view text) {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) return true;
    }
    return false;
}

std::string CheckContext(const Json& r, Json& row) {
    if (!r.contains("topic") || !r["topic"].is_string()) return "topic must be a string";
    const auto topic = r["topic"].get<std::string>();
    if (topic.empty() || CodePoints(topic) > 256) return "topic must have 1 to 256 characters";
    if (HasControl(topic)) return "topic must not contain control characters";
    if (!r.contains("version") || !IsInteger(r["version"], 1, INT_MAX)) {
        return "version must be a positive integer";
    }
    if (!r.contains("priority") || !r["priority"].is_string()) return "priority must be a string";
    const auto priority = r["priority"].get<std::string>();
    if (priority != "always_check" && priority != "important" && priority != "reference") {
        return "priority must be always_check, important or reference, not '" + priority + "'";
    }
    Json tags = Json::array();
    if (!IsAbsent(r, "tags")) {
        if (!r["tags"].is_array() || r["tags"].size() > 32) {
            return "tags must be an array of at most 32 strings";
        }
        for (const auto& tag : r["tags"]) {
            if (!tag.is_string()) return "tags must be an array of at most 32 strings";
            if (tag.get<std::string>().find('\0') != std::string::npos) {
                return "a tag must not contain NUL";
            }
        }
        tags = r["tags"];
    }
    if (!r.contains("content") || !r["content"].is_string()) return "content must be a string";
    const auto& content = r["content"].get_ref<const std::string&>();
    if (content.find('\0') != std::string::npos) return "content must not contain NUL";
    if (!IsAbsent(r, "content_hash")) {
        if (!r["content_hash"].is_string() || r["content_hash"] != files::Sha256Hex(content)) {
            return "content_hash does not match the content (the record was altered or cut)";
        }
    }
    row["topic"] = topic;
    row["version"] = r["version"];
    row["priority"] = priority;
    row["tags"] = std::move(tags);
    row["content"] = content;
    for (const char* key : {"created_at", "archived_at", "archive_reason"}) {
        if (!OptionalString(r, key, row)) return std::string(key) + " must be a string or null";
    }
    row["guard_pattern"] = nullptr;
    row["guard_decision"] = nullptr;
    if (!IsAbsent(r, "guard")) {
        const Json& guard = r["guard"];
        if (!guard.is_object() || !guard.contains("pattern") || !guard["pattern"].is_string() ||
            !guard.contains("decision") ||
            (guard["decision"] != "deny" && guard["decision"] != "ask")) {
            return "guard must be null or {\"pattern\": text, \"decision\": \"deny\" or \"ask\"}";
        }
        if (auto problem = tools::GuardPatternProblem(guard["pattern"].get<std::string>());
            !problem.empty()) {
            return "guard.pattern: " + problem;
        }
        row["guard_pattern"] = guard["pattern"];
        row["guard_decision"] = guard["decision"];
    }
    return "";
}

std::string CheckHandover(const Json& r, Json& row) {
    if (!r.contains("summary") || !r["summary"].is_string()) return "summary must be a string";
    if (!r.contains("created_at") || !r["created_at"].is_string()) {
        return "created_at must be a timestamp string";
    }
    row["summary"] = r["summary"];
    row["created_at"] = r["created_at"];
    for (const char* key : {"session_id", "notes", "client_session"}) {
        if (!OptionalString(r, key, row)) return std::string(key) + " must be a string";
    }
    if (!IsAbsent(r, "automatic") && !r["automatic"].is_boolean()) {
        return "automatic must be true or false";
    }
    row["automatic"] = !IsAbsent(r, "automatic") && r["automatic"].get<bool>();
    for (const char* key : {"completed", "pending"}) {
        if (IsAbsent(r, key)) {
            row[key] = Json::array();
        } else if (!r[key].is_array()) {
            return std::string(key) + " must be an array";
        } else {
            row[key] = r[key];
        }
    }
    return "";
}

std::string CheckFile(const Json& r, Json& row) {
    if (!r.contains("path") || !r["path"].is_string()) return "path must be a string";
    const auto& path = r["path"].get_ref<const std::string&>();
    if (path.empty() || path.size() > 4096) return "path must have 1 to 4096 bytes";
    if (!r.contains("size_bytes") || !IsInteger(r["size_bytes"], 0, LLONG_MAX)) {
        return "size_bytes must be a non-negative integer";
    }
    if (!r.contains("mtime_ns") || !r["mtime_ns"].is_number_integer()) {
        return "mtime_ns must be an integer";
    }
    if (!r.contains("kind") || !r["kind"].is_string()) return "kind must be a string";
    const auto kind = r["kind"].get<std::string>();
    if (kind != "text" && kind != "binary" && kind != "large" && kind != "unread") {
        return "kind must be text, binary, large or unread";
    }
    if (!IsAbsent(r, "line_count") && !IsInteger(r["line_count"], 0, INT_MAX)) {
        return "line_count must be a non-negative integer or null";
    }
    if (!IsAbsent(r, "revision") && !IsInteger(r["revision"], 1, INT_MAX)) {
        return "revision must be a positive integer";
    }
    for (const char* key : {"path", "size_bytes", "mtime_ns", "kind", "line_count", "revision"}) {
        row[key] = IsAbsent(r, key) ? Json() : r[key];
    }
    for (const char* key : {"content_hash", "language", "summary", "indexed_at", "changed_at"}) {
        if (!OptionalString(r, key, row)) return std::string(key) + " must be a string or null";
    }
    return "";
}

std::string CheckFileChange(const Json& r, Json& row) {
    if (!r.contains("path") || !r["path"].is_string()) return "path must be a string";
    if (!r.contains("change") || !r["change"].is_string()) return "change must be a string";
    const auto change = r["change"].get<std::string>();
    if (change != "added" && change != "modified" && change != "deleted") {
        return "change must be added, modified or deleted";
    }
    if (!r.contains("changed_at") || !r["changed_at"].is_string()) {
        return "changed_at must be a timestamp string";
    }
    if (!IsAbsent(r, "size_bytes") && !IsInteger(r["size_bytes"], 0, LLONG_MAX)) {
        return "size_bytes must be a non-negative integer or null";
    }
    row["path"] = r["path"];
    row["change"] = change;
    row["changed_at"] = r["changed_at"];
    row["size_bytes"] = IsAbsent(r, "size_bytes") ? Json() : r["size_bytes"];
    if (!OptionalString(r, "content_hash", row)) return "content_hash must be a string or null";
    return "";
}

}  // namespace

std::optional<RecordKind> KindOf(std::string_view type) {
    if (type == "context") return RecordKind::kContext;
    if (type == "handover") return RecordKind::kHandover;
    if (type == "file") return RecordKind::kFile;
    if (type == "file_change") return RecordKind::kFileChange;
    return std::nullopt;
}

const char* KindName(RecordKind kind) {
    switch (kind) {
        case RecordKind::kContext: return "contexts";
        case RecordKind::kHandover: return "handovers";
        case RecordKind::kFile: return "files";
        case RecordKind::kFileChange: return "file_changes";
    }
    return "";
}

std::string CheckRecord(const Json& record, RecordKind kind, std::int64_t line, Json& row) {
    row = Json::object();
    row["line"] = line;
    switch (kind) {
        case RecordKind::kContext: return CheckContext(record, row);
        case RecordKind::kHandover: return CheckHandover(record, row);
        case RecordKind::kFile: return CheckFile(record, row);
        case RecordKind::kFileChange: return CheckFileChange(record, row);
    }
    return "unknown kind";
}

std::string ProjectNameProblem(std::string_view name) {
    if (IsValidProjectName(name)) return "";
    return "project name '" + std::string(name) +
           "' is not valid: 1-64 characters of a-z, 0-9, '_' and '-', starting with a letter or "
           "digit";
}

}  // namespace mnemo::backup
