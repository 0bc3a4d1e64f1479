// SPDX-License-Identifier: MIT
// A folder of Markdown files (basic-memory, memory-bank) as mnemo records.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "backup/converters.hpp"

namespace mnemo::backup::detail {
namespace {

namespace fs = std::filesystem;

std::string Trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return "";
    const auto last = text.find_last_not_of(" \t\r");
    return std::string(text.substr(first, last - first + 1));
}

std::string Unquote(std::string value) {
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
        return value.substr(1, value.size() - 2);
    }
    return value;
}

/// "[a, b]" or "a, b" as a list.
std::vector<std::string> InlineList(std::string value) {
    if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
        value = value.substr(1, value.size() - 2);
    }
    std::vector<std::string> items;
    std::stringstream parts(value);
    std::string item;
    while (std::getline(parts, item, ',')) {
        item = Unquote(Trim(item));
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

struct Note {
    std::string topic, title, priority = "reference";
    std::vector<std::string> tags;
    std::string body;
};

/// Splits optional front matter (between a first line "---" and the next "---") from the
/// body. Returns "" or what is wrong, with `line` set to where.
std::string ParseNote(const std::string& text, Note& note, std::int64_t& line) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::size_t body_from = 0;
    if (!lines.empty() && Trim(lines[0]) == "---") {
        std::size_t end = 1;
        while (end < lines.size() && Trim(lines[end]) != "---") ++end;
        if (end == lines.size()) {
            line = 1;
            return "the front matter opened on line 1 is not closed by a line \"---\"";
        }
        std::string list_key;
        for (std::size_t i = 1; i < end; ++i) {
            const std::string l = Trim(lines[i]);
            if (l.empty() || l[0] == '#') continue;
            if (l[0] == '-' && list_key == "tags") {
                const auto item = Unquote(Trim(l.substr(1)));
                if (!item.empty()) note.tags.push_back(item);
                continue;
            }
            const auto colon = l.find(':');
            if (colon == std::string::npos) {
                line = static_cast<std::int64_t>(i) + 1;
                return "front matter lines must be \"key: value\"";
            }
            const std::string key = Trim(l.substr(0, colon));
            const std::string value = Unquote(Trim(l.substr(colon + 1)));
            list_key = value.empty() ? key : "";
            if (key == "topic") note.topic = value;
            if (key == "title") note.title = value;
            if (key == "tags" && !value.empty()) note.tags = InlineList(value);
            if (key == "priority") {
                if (value != "always_check" && value != "important" && value != "reference") {
                    line = static_cast<std::int64_t>(i) + 1;
                    return "priority must be always_check, important or reference, not '" + value +
                           "'";
                }
                note.priority = value;
            }
        }
        body_from = end + 1;
    }
    while (body_from < lines.size() && Trim(lines[body_from]).empty()) ++body_from;
    for (std::size_t i = body_from; i < lines.size(); ++i) {
        note.body += lines[i];
        if (i + 1 < lines.size()) note.body += '\n';
    }
    while (!note.body.empty() && (note.body.back() == '\n' || note.body.back() == ' ')) {
        note.body.pop_back();
    }
    return "";
}

bool IsMarkdown(const fs::path& path) {
    std::string extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == ".md" || extension == ".markdown";
}

}  // namespace

bool MarkdownRecords(const fs::path& folder, const std::string& project, std::size_t max_file_bytes,
                     std::vector<SourceRecord>& records, std::optional<ImportError>& error) {
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_regular_file(folder, ec)) {
        files.push_back(folder);
    } else {
        fs::recursive_directory_iterator it(folder, ec), end;
        if (ec) {
            error = ImportError{0, folder.string(), "cannot read the folder: " + ec.message()};
            return false;
        }
        for (; it != end; it.increment(ec)) {
            if (ec) break;
            const auto name = it->path().filename().string();
            if (!name.empty() && name[0] == '.') {  // .git, .obsidian, editor files
                if (it->is_directory()) it.disable_recursion_pending();
                continue;
            }
            if (it->is_regular_file() && IsMarkdown(it->path())) files.push_back(it->path());
        }
        if (ec) {
            error = ImportError{0, folder.string(), "cannot read the folder: " + ec.message()};
            return false;
        }
    }
    const fs::path base = fs::is_regular_file(folder) ? folder.parent_path() : folder;
    std::sort(files.begin(), files.end());
    records.push_back({0, "", HeaderRecord(), 0});
    records.push_back({0, "", {{"type", "project"}, {"project", project}}, 0});
    std::map<std::string, std::string> topics;  // topic -> the file it came from
    for (const auto& file : files) {
        const std::string relative = fs::relative(file, base).generic_string();
        const auto size = fs::file_size(file, ec);
        if (ec || size > max_file_bytes) {
            error = ImportError{0, relative,
                                ec ? "cannot read it: " + ec.message()
                                   : "larger than " + std::to_string(max_file_bytes) + " bytes"};
            return false;
        }
        std::ifstream in(file, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        if (!in) {
            error = ImportError{0, relative, "cannot read it"};
            return false;
        }
        Note note;
        std::int64_t line = 0;
        if (auto problem = ParseNote(text.str(), note, line); !problem.empty()) {
            error = ImportError{line, relative, problem};
            return false;
        }
        std::string topic = !note.topic.empty() ? note.topic : note.title;
        if (topic.empty())
            topic = relative.substr(0, relative.size() - file.extension().string().size());
        if (auto [it, fresh] = topics.try_emplace(topic, relative); !fresh) {
            error =
                ImportError{0, relative, "its topic '" + topic + "' is also " + it->second + "'s"};
            return false;
        }
        records.push_back({1,
                           relative,
                           {{"type", "context"},
                            {"project", project},
                            {"topic", topic},
                            {"version", 1},
                            {"priority", note.priority},
                            {"tags", note.tags},
                            {"content", note.body}},
                           note.body.size()});
    }
    records.push_back({0, "", EndRecord(), 0});
    return true;
}

}  // namespace mnemo::backup::detail
