// SPDX-License-Identifier: MIT
// Compact JSON serialisation of outgoing messages, byte-identical to nlohmann's dump but faster.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mnemo::mcp {

/// Appends the compact serialisation of `value` to `out`: exactly the bytes of
/// `value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)` (same escapes, same
/// number formatting, object keys in the same order, invalid UTF-8 replaced by U+FFFD as nlohmann
/// replaces it). Strings are the bulk of MCP replies, so runs of bytes that need no escaping are
/// copied at once instead of through a byte-by-byte UTF-8 decoder. Never throws on any value
/// (allocation failures aside).
/// Thread safety: a pure function; distinct `out`s may be written from any threads.
void AppendJson(const nlohmann::json& value, std::string& out);

/// The compact serialisation of `value` (AppendJson into a new string).
[[nodiscard]] std::string WriteJson(const nlohmann::json& value);

}  // namespace mnemo::mcp
