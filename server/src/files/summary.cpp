// SPDX-License-Identifier: MIT
// Summaries of text files by cheap heuristics: the first doc comment, markdown headings, and
// top-level definitions.
#include "files/summary.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

namespace mnemo::files {
namespace {

constexpr std::size_t kReadLimit = 64 * 1024;
constexpr std::size_t kMaxDefinitions = 10;
constexpr std::size_t kMaxCommentLines = 6;

enum class Family { kMarkdown, kSlashComments, kHashComments, kPython, kSql, kOther };

Family FamilyOf(std::string_view language) {
    static constexpr std::array<std::string_view, 14> kSlash = {
        "c",     "cpp",   "java",   "javascript", "typescript", "go",       "rust",
        "swift", "scala", "kotlin", "csharp",     "php",        "protobuf", "css"};
    static constexpr std::array<std::string_view, 9> kHash = {
        "shell", "cmake", "make", "yaml", "toml", "ruby", "perl", "dockerfile", "gitignore"};
    if (language == "markdown" || language == "rst") return Family::kMarkdown;
    if (language == "python") return Family::kPython;
    if (language == "sql") return Family::kSql;
    if (std::find(kSlash.begin(), kSlash.end(), language) != kSlash.end()) {
        return Family::kSlashComments;
    }
    if (std::find(kHash.begin(), kHash.end(), language) != kHash.end()) {
        return Family::kHashComments;
    }
    return Family::kOther;
}

std::vector<std::string_view> Lines(std::string_view content) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < content.size()) {
        std::size_t end = content.find('\n', start);
        if (end == std::string_view::npos) end = content.size();
        std::string_view line = content.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

std::string_view Trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

bool StartsWithWord(std::string_view line, std::string_view word) {
    if (line.size() < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
        char c = line[i];
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        char w = word[i];
        if (w >= 'a' && w <= 'z') w = static_cast<char>(w - 'a' + 'A');
        if (c != w) return false;
    }
    return line.size() == word.size() || line[word.size()] == ' ' || line[word.size()] == '\t';
}

/// Licence and tool lines that open files but say nothing about them.
bool IsBoilerplate(std::string_view text) {
    return text.find("SPDX-License-Identifier") != std::string_view::npos ||
           text.starts_with("Copyright") || text.starts_with("-*-") ||
           text.starts_with("shellcheck") || text.starts_with("eslint") ||
           text.starts_with("@ts-") || text.starts_with("coding:") || text.starts_with("coding=") ||
           text.starts_with("!/");
}

/// The comment text of a line in `family`'s syntax, or nullopt when it is not a comment.
std::optional<std::string_view> CommentText(Family family, std::string_view line) {
    line = Trim(line);
    auto strip = [](std::string_view text, std::string_view marker) {
        text.remove_prefix(marker.size());
        while (!text.empty() && (text.front() == '/' || text.front() == '!' ||
                                 text.front() == '*' || text.front() == '#')) {
            text.remove_prefix(1);
        }
        if (text.ends_with("*/")) text.remove_suffix(2);
        return Trim(text);
    };
    if (family == Family::kSlashComments) {
        if (line.starts_with("//")) return strip(line, "//");
        if (line.starts_with("/*")) return strip(line, "/*");
        if (line.starts_with("*")) return strip(line, "*");
        return std::nullopt;
    }
    if (family == Family::kSql && line.starts_with("--")) return strip(line, "--");
    if ((family == Family::kHashComments || family == Family::kPython) && line.starts_with("#")) {
        return strip(line, "#");
    }
    return std::nullopt;
}

/// The first comment block within the first lines (licence lines skipped).
std::string LeadingComment(Family family, const std::vector<std::string_view>& lines) {
    std::string text;
    std::size_t taken = 0;
    bool in_block = false;
    for (std::size_t i = 0; i < lines.size() && i < 200; ++i) {
        const std::string_view trimmed = Trim(lines[i]);
        if (trimmed.starts_with("#pragma") || trimmed.starts_with("#!") ||
            trimmed.starts_with("'use strict'") || trimmed.starts_with("\"use strict\"")) {
            continue;
        }
        auto comment = CommentText(family, lines[i]);
        if (!comment) {
            if (trimmed.empty() && !in_block) continue;
            if (in_block) break;
            if (!trimmed.empty()) break;
            continue;
        }
        if (comment->empty() || IsBoilerplate(*comment)) {
            if (in_block && comment->empty() && taken > 0) break;  // End of a paragraph.
            continue;
        }
        in_block = true;
        if (!text.empty()) text.push_back(' ');
        text.append(*comment);
        if (++taken == kMaxCommentLines) break;
    }
    return text;
}

std::string PythonDocstring(const std::vector<std::string_view>& lines) {
    for (std::size_t i = 0; i < lines.size() && i < 50; ++i) {
        std::string_view line = Trim(lines[i]);
        if (line.empty() || line.starts_with("#")) continue;
        for (std::string_view quote : {std::string_view("\"\"\""), std::string_view("'''")}) {
            if (!line.starts_with(quote)) continue;
            std::string text;
            line.remove_prefix(3);
            for (std::size_t j = i; j < lines.size() && j < i + kMaxCommentLines; ++j) {
                std::string_view part = j == i ? line : Trim(lines[j]);
                if (part.empty() && !text.empty()) break;  // The first paragraph only.
                const auto end = part.find(quote);
                if (!text.empty() && !part.empty()) text.push_back(' ');
                text.append(Trim(part.substr(0, end)));
                if (end != std::string_view::npos) break;
            }
            return text;
        }
        return {};
    }
    return {};
}

std::string_view Identifier(std::string_view text) {
    std::size_t end = 0;
    while (end < text.size()) {
        const char c = text[end];
        const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                          static_cast<unsigned char>(c) >= 0x80;
        if (!word) break;
        ++end;
    }
    return text.substr(0, end);
}

/// The name a top-level line defines, or "" ("class Pool", "pub fn acquire(", "def main(").
std::string_view DefinedName(Family family, std::string_view line) {
    static constexpr std::array<std::string_view, 16> kModifiers = {
        "export", "default",  "pub",   "pub(crate)", "public", "private", "protected", "static",
        "async",  "abstract", "final", "inline",     "extern", "sealed",  "open",      "data"};
    static constexpr std::array<std::string_view, 11> kKeywords = {
        "class", "struct", "enum", "interface", "trait", "type",
        "fn",    "func",   "def",  "function",  "union"};
    if (line.empty() || line.front() == ' ' || line.front() == '\t') return {};
    if (family == Family::kSql) {
        if (!StartsWithWord(line, "CREATE")) return {};
        for (std::string_view kind : {"TABLE ", "FUNCTION ", "VIEW ", "TYPE "}) {
            std::string upper(line.substr(0, std::min<std::size_t>(line.size(), 80)));
            for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
            const auto at = upper.find(kind);
            if (at == std::string::npos) continue;
            std::string_view rest = Trim(line.substr(at + kind.size()));
            if (const auto exists = rest.find("EXISTS");
                StartsWithWord(rest, "IF") && exists != std::string_view::npos) {
                rest = Trim(rest.substr(exists + 6));
            }
            return Identifier(rest);
        }
        return {};
    }
    std::string_view rest = line;
    for (int guard = 0; guard < 4; ++guard) {
        bool skipped = false;
        for (auto modifier : kModifiers) {
            if (StartsWithWord(rest, modifier)) {
                rest = Trim(rest.substr(modifier.size()));
                skipped = true;
            }
        }
        if (!skipped) break;
    }
    for (auto keyword : kKeywords) {
        if (!StartsWithWord(rest, keyword)) continue;
        rest = Trim(rest.substr(keyword.size()));
        if (keyword == "enum" && StartsWithWord(rest, "class")) rest = Trim(rest.substr(5));
        if (keyword == "func" && rest.starts_with("(")) {  // Go method: func (r T) Name(
            const auto close = rest.find(')');
            if (close == std::string_view::npos) return {};
            rest = Trim(rest.substr(close + 1));
        }
        return Identifier(rest);
    }
    return {};
}

std::string Definitions(Family family, const std::vector<std::string_view>& lines) {
    std::vector<std::string_view> names;
    for (auto line : lines) {
        auto name = DefinedName(family, line);
        if (name.empty() || std::find(names.begin(), names.end(), name) != names.end()) continue;
        names.push_back(name);
        if (names.size() == kMaxDefinitions) break;
    }
    std::string text;
    for (auto name : names) {
        text += text.empty() ? "defines: " : ", ";
        text.append(name);
    }
    return text;
}

std::string Headings(const std::vector<std::string_view>& lines) {
    std::string text;
    int count = 0;
    bool fenced = false;
    for (auto line : lines) {
        if (line.starts_with("```")) fenced = !fenced;
        if (fenced || !line.starts_with("#")) continue;
        std::string_view heading = line;
        while (!heading.empty() && heading.front() == '#') heading.remove_prefix(1);
        heading = Trim(heading);
        if (heading.empty()) continue;
        if (!text.empty()) text += " / ";
        text.append(heading);
        if (++count == 8) break;
    }
    return text;
}

/// Whitespace runs become one space; cut to kMaxSummaryBytes on a UTF-8 boundary.
std::string Tidy(std::string_view text) {
    std::string out;
    for (char c : text) {
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        if (space) {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
        } else if (static_cast<unsigned char>(c) >= 0x20) {
            out.push_back(c);
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() > kMaxSummaryBytes) {
        std::size_t cut = kMaxSummaryBytes;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
    }
    return out;
}

}  // namespace

std::string ExtractSummary(std::string_view language, std::string_view content) {
    content = content.substr(0, std::min(content.size(), kReadLimit));
    const Family family = FamilyOf(language);
    const auto lines = Lines(content);
    std::string summary;
    switch (family) {
        case Family::kMarkdown: summary = Headings(lines); break;
        case Family::kPython: {
            summary = PythonDocstring(lines);
            if (summary.empty()) summary = LeadingComment(family, lines);
            break;
        }
        case Family::kOther: break;
        default: summary = LeadingComment(family, lines); break;
    }
    if (family != Family::kMarkdown && family != Family::kOther &&
        family != Family::kHashComments) {
        const std::string defined = Definitions(family, lines);
        if (!defined.empty()) summary += (summary.empty() ? "" : " — ") + defined;
    }
    if (summary.empty()) {
        for (auto line : lines) {
            if (!Trim(line).empty()) {
                summary = Trim(line);
                break;
            }
        }
    }
    return Tidy(summary);
}

}  // namespace mnemo::files
