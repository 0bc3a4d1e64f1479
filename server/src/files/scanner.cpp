// SPDX-License-Identifier: MIT
// ScanTree: an incremental scan of a project tree into the file index (through a sink).
#include "files/scanner.hpp"

#include <algorithm>

#include "files/file_type.hpp"
#include "files/sha256.hpp"
#include "files/summary.hpp"

namespace mnemo::files {
namespace {

namespace fs = std::filesystem;

std::string ProgressMessage(std::size_t done, std::size_t total) {
    return "scanned " + std::to_string(done) + " of " + std::to_string(total) + " files";
}

}  // namespace

FileRecord AnalyzeFile(const fs::path& root, const WalkedFile& file, std::size_t max_file_bytes,
                       bool* read) {
    FileRecord record;
    record.path = file.path;
    record.size = file.size;
    record.mtime_ns = file.mtime_ns;
    record.language = std::string(DetectLanguage(file.path));
    *read = false;
    if (file.size < 0 || static_cast<std::size_t>(file.size) > max_file_bytes) {
        record.kind = "large";
        return record;
    }
    auto content = ReadFile((root / file.path).string(), max_file_bytes);
    if (!content) {
        record.kind = "unread";
        return record;
    }
    *read = true;
    if (content->size() > max_file_bytes) {  // Grew since the walk.
        record.kind = "large";
        return record;
    }
    record.hash = Sha256Hex(*content);
    if (LooksBinary(*content)) {
        record.kind = "binary";
        return record;
    }
    record.kind = "text";
    record.line_count = CountLines(*content);
    record.summary = ExtractSummary(record.language, *content);
    return record;
}

Result<ScanReport> ScanTree(const fs::path& root, const std::string& start, const ScanSink& sink,
                            const ScanOptions& options) {
    auto cancelled = [&options] { return options.cancelled && options.cancelled(); };
    auto known = sink.load(start);
    if (!known.ok()) return std::move(known).error();

    if (options.progress) options.progress(0, 0, "walking " + (start.empty() ? "." : start));
    WalkOptions walk_options;
    walk_options.cancelled = cancelled;
    walk_options.max_files = options.max_files;
    auto walked = Walk(root, start, walk_options);
    if (!walked.ok()) return std::move(walked).error();

    ScanReport report;
    report.path = start;
    const std::vector<WalkedFile> files = std::move(walked->files);
    report.walk = std::move(walked).value();
    report.files_seen = files.size();
    if (report.walk.cancelled) {
        report.cancelled = true;
        return report;
    }

    const std::size_t batch_size = std::max<std::size_t>(1, options.batch_size);
    std::vector<FileRecord> batch;
    batch.reserve(std::min(batch_size, files.size()));
    auto flush = [&]() -> Status {
        if (batch.empty()) return {};
        auto written = sink.upsert(batch);
        if (!written.ok()) return std::move(written).error();
        report.counts += *written;
        // Rows a concurrent scan had already written as they are: read, found current.
        const auto changed = written->added + written->modified + written->touched;
        if (static_cast<std::int64_t>(batch.size()) > changed) {
            report.unchanged += batch.size() - static_cast<std::size_t>(changed);
        }
        ++report.batches;
        batch.clear();
        return {};
    };
    // Reports must increase (MCP): the first after the walk is 1 or more files.
    std::size_t reported = 0;
    auto progress = [&](std::size_t done) {
        if (!options.progress || done <= reported) return;
        reported = done;
        options.progress(static_cast<double>(done), static_cast<double>(files.size()),
                         ProgressMessage(done, files.size()));
    };
    std::size_t done = 0;
    for (const auto& file : files) {
        if (++done % std::max<std::size_t>(1, options.progress_every) == 0) progress(done);
        const auto indexed = known->find(file.path);
        if (indexed != known->end()) {
            const bool same =
                indexed->second.size == file.size && indexed->second.mtime_ns == file.mtime_ns;
            known->erase(indexed);
            if (same) {
                ++report.unchanged;
                continue;
            }
        }
        bool read = false;
        batch.push_back(AnalyzeFile(root, file, options.max_file_bytes, &read));
        if (read) ++report.files_read;
        if (batch.back().kind == "binary") ++report.binary;
        if (batch.back().kind == "large") ++report.large;
        if (batch.size() >= batch_size) {
            if (auto s = flush(); !s.ok()) return s.error();
            if (cancelled()) {
                report.cancelled = true;
                return report;
            }
        }
    }
    if (auto s = flush(); !s.ok()) return s.error();
    if (cancelled()) {
        report.cancelled = true;
        return report;
    }

    // An incomplete walk says nothing about what is gone.
    if (report.walk.truncated) {
        progress(files.size());
        return report;
    }
    // What the index holds under `start` and the walk did not list is gone.
    std::vector<FileDeletion> gone;
    gone.reserve(std::min(batch_size, known->size()));
    for (auto& [path, file] : *known) {
        gone.push_back({path, file});
        if (gone.size() >= batch_size) {
            auto removed = sink.remove(gone);
            if (!removed.ok()) return std::move(removed).error();
            report.counts += *removed;
            ++report.batches;
            gone.clear();
        }
    }
    if (!gone.empty()) {
        auto removed = sink.remove(gone);
        if (!removed.ok()) return std::move(removed).error();
        report.counts += *removed;
        ++report.batches;
    }
    progress(files.size());
    return report;
}

}  // namespace mnemo::files
