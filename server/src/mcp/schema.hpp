// SPDX-License-Identifier: MIT
// Tool argument validation against the tool's own inputSchema (the subset of JSON Schema 2020-12
// that mnemo's schemas use), so what a tool advertises is exactly what it enforces.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mnemo::mcp {

/// Checks `value` against `schema`. Supported keywords: type (a name or a list), properties,
/// required, additionalProperties (false or a schema), items, minItems, maxItems, enum,
/// minLength, maxLength (in Unicode code points), pattern (ECMAScript), minimum, maximum.
/// Unknown keywords are ignored. Strings containing U+0000 are refused (PostgreSQL text
/// cannot store them). Returns "" when valid, else the first problem found, naming
/// the argument path and what was expected, e.g. "argument 'tags[2]': expected a string, got a
/// number". Never throws on any `value`.
[[nodiscard]] std::string ValidateArguments(const nlohmann::json& schema,
                                            const nlohmann::json& value);

}  // namespace mnemo::mcp
