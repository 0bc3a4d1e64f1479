// SPDX-License-Identifier: MIT
// The records of a mnemo export (docs/export-format.md): names, and the checks an import
// applies to each before anything is written.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "memory/backup_store.hpp"

namespace mnemo::backup {

using Json = nlohmann::json;

/// The header's "format" and the version this build writes (and the newest it reads).
inline constexpr std::string_view kFormatName = "mnemo-export";
inline constexpr int kFormatVersion = 1;

/// The kind a record "type" names inside a project, or nullopt ("project", "header", "end",
/// or a type this version does not know).
[[nodiscard]] std::optional<memory::RecordKind> KindOf(std::string_view type);

/// The plural name of a kind as the report and the end record use it ("contexts", ...).
[[nodiscard]] const char* KindName(memory::RecordKind kind);

/// Checks `record` (of `kind`) and fills `row` with what the store writes (known fields only;
/// unknown ones are ignored) plus `line`. Returns "" when it is acceptable, else what is wrong
/// ("priority must be one of ...").
[[nodiscard]] std::string CheckRecord(const Json& record, memory::RecordKind kind,
                                      std::int64_t line, Json& row);

/// "" when `name` is a valid project name, else why not.
[[nodiscard]] std::string ProjectNameProblem(std::string_view name);

}  // namespace mnemo::backup
