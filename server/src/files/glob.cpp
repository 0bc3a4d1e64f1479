// SPDX-License-Identifier: MIT
// Glob matching with gitignore's rules for '*', '?', '[...]' and '**' path segments.
#include "files/glob.hpp"

#include <fnmatch.h>

namespace mnemo::files {
namespace {

bool MatchFrom(const std::vector<std::string>& parts, std::size_t p,
               const std::vector<std::string_view>& segments, std::size_t s) {
    while (p < parts.size()) {
        if (parts[p] == "**") {
            // Collapse runs of "**"; then try every split point (segments are few).
            while (p + 1 < parts.size() && parts[p + 1] == "**") ++p;
            // Trailing "**": anything below, but not the directory itself ("a/**").
            if (p + 1 == parts.size()) return s < segments.size();
            for (std::size_t k = s; k <= segments.size(); ++k) {
                if (MatchFrom(parts, p + 1, segments, k)) return true;
            }
            return false;
        }
        if (s >= segments.size() || !MatchSegment(parts[p], segments[s])) return false;
        ++p;
        ++s;
    }
    return s == segments.size();
}

}  // namespace

std::vector<std::string_view> SplitPath(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > start) segments.push_back(path.substr(start, end - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return segments;
}

bool MatchSegment(const std::string& pattern, std::string_view segment) {
    // Plain names (most patterns) need no fnmatch and no copy.
    if (pattern.find_first_of("*?[\\") == std::string::npos) return pattern == segment;
    const std::string text(segment);
    return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

bool MatchSegments(const std::vector<std::string>& parts,
                   const std::vector<std::string_view>& segments) {
    return MatchFrom(parts, 0, segments, 0);
}

}  // namespace mnemo::files
