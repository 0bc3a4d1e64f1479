// SPDX-License-Identifier: MIT
// Context guards with RE2.
#include "tools/guard.hpp"

#include <algorithm>

#include <re2/re2.h>

namespace mnemo::tools {
namespace {

std::size_t Utf8Chars(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

RE2::Options GuardOptions() {
    RE2::Options options;
    options.set_log_errors(false);
    // Bounds the compiled program's memory, so a huge repetition count is refused, not built.
    options.set_max_mem(1 << 20);
    return options;
}

}  // namespace

std::string GuardPatternProblem(std::string_view pattern) {
    if (pattern.empty()) return "guard.pattern is empty";
    if (const auto chars = Utf8Chars(pattern); chars > kMaxGuardPatternChars) {
        return "guard.pattern is " + std::to_string(chars) + " characters; the limit is " +
               std::to_string(kMaxGuardPatternChars);
    }
    const RE2 compiled(re2::StringPiece(pattern.data(), pattern.size()), GuardOptions());
    if (!compiled.ok()) {
        return "guard.pattern is not a valid regular expression (RE2 syntax): " + compiled.error();
    }
    return {};
}

std::vector<GuardMatch> MatchGuards(const nlohmann::json& guards,
                                    const std::vector<std::string>& subjects) {
    std::vector<GuardMatch> matches;
    if (!guards.is_array()) return matches;
    for (const auto& guard : guards) {
        const std::string pattern = guard.value("pattern", "");
        if (pattern.empty()) continue;
        const RE2 compiled(pattern, GuardOptions());
        if (!compiled.ok()) continue;
        for (const auto& subject : subjects) {
            if (subject.empty() || !RE2::PartialMatch(subject, compiled)) continue;
            matches.push_back({guard.value("topic", ""), guard.value("version", 0),
                               guard.value("decision", "deny"), guard.value("content", ""),
                               subject});
            break;
        }
    }
    std::stable_sort(matches.begin(), matches.end(), [](const GuardMatch& a, const GuardMatch& b) {
        return a.decision == "deny" && b.decision != "deny";
    });
    return matches;
}

}  // namespace mnemo::tools
