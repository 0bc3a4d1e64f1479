// SPDX-License-Identifier: MIT
// ScanTree: an incremental scan of a project tree into the file index (through a sink).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "files/file_record.hpp"
#include "files/walker.hpp"
#include "util/error.hpp"

namespace mnemo::files {

/// Where a scan reads the index it compares with and writes what changed (the Store, in the
/// server). Each call is one batch (one lease, one round trip, in the Store).
struct ScanSink {
    /// The indexed files under `prefix` ("" = all), by path.
    std::function<Result<std::unordered_map<std::string, KnownFile>>(const std::string& prefix)>
        load;
    std::function<Result<IndexCounts>(std::span<const FileRecord> files)> upsert;
    std::function<Result<IndexCounts>(std::span<const FileDeletion> files)> remove;
};

struct ScanOptions {
    /// Files per write (one statement each). Default 500.
    std::size_t batch_size = 500;
    /// Files larger than this are recorded (kind "large") without being read. Default 1 MiB.
    std::size_t max_file_bytes = 1 << 20;
    /// Progress is reported after every this many files. Default 500.
    std::size_t progress_every = 500;
    /// The walk stops after this many files (ScanReport.walk.truncated). Default 200 000.
    std::size_t max_files = 200'000;
    /// Called with (files done, files in total, message); total 0 while still walking.
    std::function<void(double done, double total, const std::string& message)> progress;
    /// Polled during the walk and between batches; the scan stops once it returns true.
    std::function<bool()> cancelled;
};

struct ScanReport {
    std::string path;            // the scanned subtree, relative to the root ("" = all)
    std::size_t files_seen = 0;  // files the walk listed
    std::size_t files_read = 0;  // files opened and read (new or changed size/mtime)
    /// Same size and mtime as indexed (not read), or read and found already current
    /// (written meanwhile by a concurrent scan).
    std::size_t unchanged = 0;
    std::size_t binary = 0;   // read, binary content (no summary)
    std::size_t large = 0;    // above max_file_bytes: recorded, not read
    std::size_t batches = 0;  // writes made
    IndexCounts counts;       // what the writes changed
    WalkReport walk;          // skips (files left empty)
    bool cancelled = false;   // stopped early: deletions were not applied
};

/// Scans `root`/`start` (see Walk) into the index behind `sink`: files whose size and mtime
/// match the index are not read; new and changed files are read (up to max_file_bytes),
/// hashed (SHA-256), typed and summarised, and written in batches; indexed files under
/// `start` that the walk no longer lists are deleted (unless the scan was cancelled or the walk
/// stopped at max_files).
/// Errors: the sink's (the first failing batch ends the scan; earlier batches stay written)
/// and Walk's. Thread safety: reentrant; concurrent scans of one index are safe when the sink's
/// writes are idempotent (the Store's are).
[[nodiscard]] Result<ScanReport> ScanTree(const std::filesystem::path& root,
                                          const std::string& start, const ScanSink& sink,
                                          const ScanOptions& options = {});

/// What the scan records for one walked file: reads it unless it is above `max_file_bytes`.
/// Sets `*read` when it opened the file.
[[nodiscard]] FileRecord AnalyzeFile(const std::filesystem::path& root, const WalkedFile& file,
                                     std::size_t max_file_bytes, bool* read);

}  // namespace mnemo::files
