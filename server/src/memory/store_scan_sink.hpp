// SPDX-License-Identifier: MIT
// StoreScanSink: a file scan writing into one project's index through the Store.
#pragma once

#include <span>
#include <string>

#include "files/scanner.hpp"
#include "memory/store.hpp"

namespace mnemo::memory {

/// The sink files::ScanTree needs to read and update `project`'s index in `store` (each call
/// one Store call, so one lease per batch). `store` must outlive the sink.
[[nodiscard]] inline files::ScanSink StoreScanSink(Store& store, const ProjectRef& project) {
    files::ScanSink sink;
    sink.load = [&store, project](const std::string& prefix) {
        return store.IndexedFiles(project, prefix);
    };
    sink.upsert = [&store, project](std::span<const files::FileRecord> records) {
        return store.UpsertFiles(project, records);
    };
    sink.remove = [&store, project](std::span<const files::FileDeletion> paths) {
        return store.DeleteFiles(project, paths);
    };
    return sink;
}

}  // namespace mnemo::memory
