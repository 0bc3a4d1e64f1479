// SPDX-License-Identifier: MIT
// IgnoreRules: the .gitignore subset (and .mnemoignore, same syntax) the file scan honours.
#include "files/ignore_rules.hpp"

#include <optional>

#include "files/glob.hpp"

namespace mnemo::files {
namespace {

/// Drops trailing spaces unless the last one is escaped ("foo\ " keeps one space).
std::string_view TrimTrailingSpaces(std::string_view line) {
    while (!line.empty() && line.back() == ' ') {
        if (line.size() >= 2 && line[line.size() - 2] == '\\') break;
        line.remove_suffix(1);
    }
    return line;
}

std::optional<IgnorePattern> ParseLine(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = TrimTrailingSpaces(line);
    if (line.empty() || line.front() == '#') return std::nullopt;
    IgnorePattern pattern;
    if (line.front() == '!') {
        pattern.negated = true;
        line.remove_prefix(1);
    } else if (line.starts_with("\\!") || line.starts_with("\\#")) {
        line.remove_prefix(1);
    }
    if (!line.empty() && line.back() == '/') {
        pattern.dir_only = true;
        while (!line.empty() && line.back() == '/') line.remove_suffix(1);
    }
    if (line.empty()) return std::nullopt;
    const bool anchored = line.find('/') != std::string_view::npos;
    if (!anchored) pattern.parts.emplace_back("**");
    for (auto segment : SplitPath(line)) pattern.parts.emplace_back(segment);
    if (pattern.parts.empty()) return std::nullopt;
    return pattern;
}

}  // namespace

std::vector<IgnorePattern> ParseIgnore(std::string_view text) {
    std::vector<IgnorePattern> patterns;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        if (auto pattern = ParseLine(text.substr(start, end - start))) {
            patterns.push_back(std::move(*pattern));
        }
        start = end + 1;
    }
    return patterns;
}

void IgnoreRules::Push(std::string base, std::vector<IgnorePattern> patterns) {
    levels_.push_back({std::move(base), std::move(patterns)});
}

void IgnoreRules::Pop() { levels_.pop_back(); }

bool IgnoreRules::Ignored(std::string_view path, bool is_dir) const {
    for (auto level = levels_.rbegin(); level != levels_.rend(); ++level) {
        if (level->patterns.empty()) continue;
        std::string_view relative = path;
        if (!level->base.empty()) {
            if (!path.starts_with(level->base) || path.size() <= level->base.size() ||
                path[level->base.size()] != '/') {
                continue;
            }
            relative = path.substr(level->base.size() + 1);
        }
        const auto segments = SplitPath(relative);
        for (auto pattern = level->patterns.rbegin(); pattern != level->patterns.rend();
             ++pattern) {
            if (pattern->dir_only && !is_dir) continue;
            if (MatchSegments(pattern->parts, segments)) return !pattern->negated;
        }
    }
    return false;
}

}  // namespace mnemo::files
