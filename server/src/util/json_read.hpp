// SPDX-License-Identifier: MIT
// A faster reader of JSON text into nlohmann::json, for the texts every request parses (the
// JSON-RPC message, PostgreSQL's JSON results), with nlohmann's parser behind it.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace mnemo::util {

/// Reads `text` into `out` when it is JSON of the common shape: any objects, arrays, strings
/// (escapes and UTF-8 included), numbers (not subnormal or infinite doubles), true, false
/// and null, nested at most 64 deep, with no byte order mark. The result is equal to
/// what nlohmann::json::parse(text) gives, value types included (unsigned for non-negative
/// integers, signed for negative ones, the last of duplicate keys). Returns false, and leaves
/// `out` in an unspecified state, for anything else, valid or not: the caller asks nlohmann.
/// Scans strings by runs instead of byte by byte, which is where nlohmann's parser spends
/// most of its time on texts like ours (docs/bench-runs/http.md, "Seventh version").
/// Thread safety: none needed (no shared state).
[[nodiscard]] bool TryReadJson(std::string_view text, nlohmann::json& out);

/// TryReadJson, else nlohmann::json::parse(text): the same result and, for invalid text, the
/// same exception (nlohmann::json::parse_error, or out_of_range for a number too large).
[[nodiscard]] nlohmann::json ParseJson(std::string_view text);

}  // namespace mnemo::util
