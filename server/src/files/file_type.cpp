// SPDX-License-Identifier: MIT
// File type detection: the language a path's name suggests, and whether content is binary.
#include "files/file_type.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace mnemo::files {
namespace {

using Entry = std::pair<std::string_view, std::string_view>;

// Whole file names first (they win over extensions), then extensions, lower case.
constexpr std::array kNames = {
    Entry{"CMakeLists.txt", "cmake"},     Entry{"Makefile", "make"},
    Entry{"GNUmakefile", "make"},         Entry{"Dockerfile", "dockerfile"},
    Entry{"Containerfile", "dockerfile"}, Entry{".gitignore", "gitignore"},
    Entry{".mnemoignore", "gitignore"},   Entry{"LICENSE", "text"},
};

constexpr std::array kExtensions = {
    Entry{"c", "c"},
    Entry{"h", "c"},
    Entry{"cc", "cpp"},
    Entry{"cpp", "cpp"},
    Entry{"cxx", "cpp"},
    Entry{"hpp", "cpp"},
    Entry{"hh", "cpp"},
    Entry{"hxx", "cpp"},
    Entry{"ipp", "cpp"},
    Entry{"in", "template"},
    Entry{"py", "python"},
    Entry{"pyi", "python"},
    Entry{"js", "javascript"},
    Entry{"mjs", "javascript"},
    Entry{"cjs", "javascript"},
    Entry{"jsx", "javascript"},
    Entry{"ts", "typescript"},
    Entry{"tsx", "typescript"},
    Entry{"mts", "typescript"},
    Entry{"go", "go"},
    Entry{"rs", "rust"},
    Entry{"java", "java"},
    Entry{"kt", "kotlin"},
    Entry{"swift", "swift"},
    Entry{"rb", "ruby"},
    Entry{"php", "php"},
    Entry{"cs", "csharp"},
    Entry{"scala", "scala"},
    Entry{"lua", "lua"},
    Entry{"pl", "perl"},
    Entry{"sh", "shell"},
    Entry{"bash", "shell"},
    Entry{"zsh", "shell"},
    Entry{"sql", "sql"},
    Entry{"md", "markdown"},
    Entry{"markdown", "markdown"},
    Entry{"rst", "rst"},
    Entry{"txt", "text"},
    Entry{"json", "json"},
    Entry{"yaml", "yaml"},
    Entry{"yml", "yaml"},
    Entry{"toml", "toml"},
    Entry{"ini", "ini"},
    Entry{"cfg", "ini"},
    Entry{"xml", "xml"},
    Entry{"html", "html"},
    Entry{"htm", "html"},
    Entry{"css", "css"},
    Entry{"scss", "css"},
    Entry{"cmake", "cmake"},
    Entry{"proto", "protobuf"},
    Entry{"png", "image"},
    Entry{"jpg", "image"},
    Entry{"jpeg", "image"},
    Entry{"gif", "image"},
    Entry{"svg", "svg"},
    Entry{"pdf", "pdf"},
    Entry{"zip", "archive"},
    Entry{"gz", "archive"},
    Entry{"tar", "archive"},
};

std::string_view Lookup(const auto& table, std::string_view key) {
    for (const auto& [name, language] : table) {
        if (name == key) return language;
    }
    return {};
}

}  // namespace

std::string_view DetectLanguage(std::string_view path) {
    const auto slash = path.rfind('/');
    const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    if (auto language = Lookup(kNames, name); !language.empty()) return language;
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return {};
    std::string_view extension = name.substr(dot + 1);
    if (extension.size() > 10) return {};
    char lower[11] = {};
    for (std::size_t i = 0; i < extension.size(); ++i) {
        const char c = extension[i];
        lower[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return Lookup(kExtensions, std::string_view(lower, extension.size()));
}

bool LooksBinary(std::string_view content) {
    const std::size_t head = std::min<std::size_t>(content.size(), 8000);
    return std::memchr(content.data(), '\0', head) != nullptr;
}

int CountLines(std::string_view content) {
    const auto newlines = std::count(content.begin(), content.end(), '\n');
    const bool unterminated = !content.empty() && content.back() != '\n';
    return static_cast<int>(newlines) + (unterminated ? 1 : 0);
}

}  // namespace mnemo::files
