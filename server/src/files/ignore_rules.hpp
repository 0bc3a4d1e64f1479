// SPDX-License-Identifier: MIT
// IgnoreRules: the .gitignore subset (and .mnemoignore, same syntax) the file scan honours.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mnemo::files {

/// One pattern line. `parts` are '/'-separated glob segments relative to the directory of the
/// file that holds the pattern; a pattern without a slash matches a name at any depth, so
/// it gets a leading "**".
struct IgnorePattern {
    std::vector<std::string> parts;
    bool negated = false;   // "!pattern": re-includes what an earlier pattern excluded
    bool dir_only = false;  // "pattern/": matches directories only
};

/// Parses ignore-file text. Supported: blank lines, '#' comments ("\#" for a literal '#'),
/// '!' negation ("\!" literal), trailing '/' (directories only), a leading or inner '/'
/// (anchored to the file's directory), '*', '?', '[...]' and '**' segments; trailing spaces
/// are dropped unless escaped. Not supported: "**" inside a segment (acts as '*').
[[nodiscard]] std::vector<IgnorePattern> ParseIgnore(std::string_view text);

/// The ignore files in effect while walking: one entry per directory on the current path
/// (deeper directories win, later lines win within a directory). A path inside an ignored
/// directory is never asked about: the walk does not enter ignored directories, so (as in
/// git) a negation cannot re-include a file below an excluded directory.
///
/// Thread safety: not thread-safe (one walk owns it).
class IgnoreRules {
public:
    /// Adds the patterns of directory `base` (relative to the root, "" = the root; no
    /// trailing slash). REQUIRES: `base` is below the directory pushed last.
    void Push(std::string base, std::vector<IgnorePattern> patterns);
    /// Removes the directory pushed last. REQUIRES: one was pushed.
    void Pop();

    /// True if `path` (relative to the root, '/'-separated) is ignored.
    [[nodiscard]] bool Ignored(std::string_view path, bool is_dir) const;

private:
    struct Level {
        std::string base;
        std::vector<IgnorePattern> patterns;
    };
    std::vector<Level> levels_;
};

}  // namespace mnemo::files
