// SPDX-License-Identifier: MIT
// The import engine: records from any source, checked, batched and written project by project.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "backup/importer.hpp"
#include "backup/records.hpp"

namespace mnemo::backup::detail {

/// One record and where it came from.
struct SourceRecord {
    std::int64_t line = 0;
    std::string file;  // Markdown: the file; else ""
    Json value;
    std::size_t bytes = 0;  // its size in the input (batches are bounded by it)
};

/// Records in mnemo's format (a header first, projects, an end record), from a file or made
/// by a converter.
class RecordSource {
public:
    virtual ~RecordSource() = default;
    /// The next record into `record`: true; false at the end, or on a problem (sets `error`).
    virtual bool Next(SourceRecord& record, std::optional<ImportError>& error) = 0;
    /// Starts again from the first record; false when it cannot (a pipe).
    virtual bool Rewind() = 0;
};

/// Runs the import: when the source can rewind, a first pass checks every record without
/// writing anything; then each project is written in its own transaction (rolled back when
/// options.dry_run).
[[nodiscard]] ImportReport RunImport(memory::Store& store, RecordSource& source,
                                     const ImportOptions& options);

/// A record source over a stream of JSON Lines, each line bounded by `max_line_bytes`.
[[nodiscard]] std::unique_ptr<RecordSource> JsonLinesSource(std::istream& in,
                                                            std::size_t max_line_bytes);

/// A record source over records held in memory (made by a converter).
[[nodiscard]] std::unique_ptr<RecordSource> VectorSource(std::vector<SourceRecord> records);

/// The header and end records a converter wraps its project in.
[[nodiscard]] Json HeaderRecord();
[[nodiscard]] Json EndRecord();

}  // namespace mnemo::backup::detail
