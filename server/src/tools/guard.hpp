// SPDX-License-Identifier: MIT
// Context guards: checking a guard's pattern (lock_context) and matching guards (hooks).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mnemo::tools {

/// Longest guard pattern accepted, in characters.
inline constexpr std::size_t kMaxGuardPatternChars = 1000;

/// Why `pattern` cannot be a guard ("" when it can): empty, longer than
/// kMaxGuardPatternChars, or not a valid RE2 regular expression (the message quotes RE2's
/// reason). RE2 matches in linear time, so no pattern can backtrack catastrophically.
[[nodiscard]] std::string GuardPatternProblem(std::string_view pattern);

/// A guard that matched a command or path.
struct GuardMatch {
    std::string topic;
    int version = 0;
    std::string decision;  // deny | ask
    std::string content;   // the rule's text (bounded by the store)
    std::string subject;   // what it matched
};

/// The guards (Store::Guards rows: {topic, version, pattern, decision, content}) whose pattern
/// occurs in any of `subjects` (RE2 partial match), deny before ask, in row order. A row whose
/// pattern no longer compiles is skipped.
[[nodiscard]] std::vector<GuardMatch> MatchGuards(const nlohmann::json& guards,
                                                  const std::vector<std::string>& subjects);

}  // namespace mnemo::tools
