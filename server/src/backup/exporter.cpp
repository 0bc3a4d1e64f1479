// SPDX-License-Identifier: MIT
// Export: a header, the projects' records, an end record.
#include "backup/exporter.hpp"

#include <chrono>
#include <ctime>

#include "backup/records.hpp"

namespace mnemo::backup {
namespace {

std::string UtcNow() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

}  // namespace

Result<memory::ExportCounts> Export(memory::Store& store, const ExportOptions& options,
                                    const std::function<bool(std::string_view)>& write_line) {
    const nlohmann::ordered_json header = {
        {"type", "header"},          {"format", kFormatName},
        {"version", kFormatVersion}, {"mnemo_version", MNEMO_VERSION},
        {"exported_at", UtcNow()},   {"owner", options.owner}};
    if (!write_line(header.dump())) {
        return Error(ErrorCode::kCancelled, "the export was stopped");
    }
    auto counts = memory::ExportProjects(store, options.owner, options.projects, write_line);
    if (!counts.ok()) return counts;
    const nlohmann::ordered_json end = {{"type", "end"},
                                        {"projects", counts->projects},
                                        {"contexts", counts->contexts},
                                        {"handovers", counts->handovers},
                                        {"files", counts->files},
                                        {"file_changes", counts->file_changes}};
    if (!write_line(end.dump())) {
        return Error(ErrorCode::kCancelled, "the export was stopped");
    }
    return counts;
}

Result<memory::ExportCounts> ExportTo(memory::Store& store, const ExportOptions& options,
                                      std::ostream& out) {
    auto counts = Export(store, options, [&out](std::string_view line) {
        out.write(line.data(), static_cast<std::streamsize>(line.size()));
        out.put('\n');
        return static_cast<bool>(out);
    });
    if (counts.ok()) out.flush();
    if (counts.ok() && !out) {
        return Error(ErrorCode::kCancelled, "could not write the export");
    }
    return counts;
}

}  // namespace mnemo::backup
