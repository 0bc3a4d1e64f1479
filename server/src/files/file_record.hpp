// SPDX-License-Identifier: MIT
// FileRecord: one file of the project index as the scan produces it and the store keeps it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mnemo::files {

/// What the index records about one file.
struct FileRecord {
    std::string path;  // relative to the project root, '/'-separated (PathProblem-clean)
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;  // nanoseconds since the Unix epoch
    std::string hash;           // SHA-256, 64 lower-case hex digits; "" = not known
    /// "text" | "binary" | "large" (above the read limit: not read) | "unread" (metadata sent
    /// by a client that did not send the content).
    std::string kind;
    std::string language;           // DetectLanguage; "" = unknown
    std::optional<int> line_count;  // text files the server read
    std::string summary;            // ExtractSummary, or the client's; "" = none
};

/// A file the index already holds, as a scan compares it with the disk.
struct KnownFile {
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
};

/// A path to remove from the index; with `expected`, only while the index still holds that
/// size and mtime (a concurrent scan that saw the file again wins).
struct FileDeletion {
    std::string path;
    std::optional<KnownFile> expected;
};

/// What one write to the index changed. `added`/`modified`/`deleted` are content changes
/// (each recorded in the change history); `touched` rows changed metadata only (e.g. mtime).
struct IndexCounts {
    std::int64_t added = 0;
    std::int64_t modified = 0;
    std::int64_t touched = 0;
    std::int64_t deleted = 0;

    IndexCounts& operator+=(const IndexCounts& other) {
        added += other.added;
        modified += other.modified;
        touched += other.touched;
        deleted += other.deleted;
        return *this;
    }
};

}  // namespace mnemo::files
