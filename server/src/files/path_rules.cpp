// SPDX-License-Identifier: MIT
// Path rules of the file index: which relative paths are acceptable, and staying inside a root.
#include "files/path_rules.hpp"

#include <cstdint>

#include "files/glob.hpp"

namespace mnemo::files {
namespace {

namespace fs = std::filesystem;

Error Refused(std::string message) { return Error(ErrorCode::kRefused, std::move(message)); }

}  // namespace

bool IsValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        std::uint32_t code = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            code = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            code = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            code = c & 0x07u;
        } else {
            return false;
        }
        if (i + extra >= text.size()) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            code = (code << 6) | (next & 0x3Fu);
        }
        if ((extra == 2 && code < 0x800) || (extra == 3 && (code < 0x10000 || code > 0x10FFFF)) ||
            (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

std::string PathProblem(std::string_view path) {
    if (path.empty()) return "is empty";
    if (path.size() > kMaxPathBytes) {
        return "is longer than " + std::to_string(kMaxPathBytes) + " bytes";
    }
    if (path.front() == '/') return "is absolute: send paths relative to the project root";
    const bool drive = path.size() >= 3 &&
                       ((path[0] >= 'a' && path[0] <= 'z') || (path[0] >= 'A' && path[0] <= 'Z'));
    if (drive && path[1] == ':' && (path[2] == '/' || path[2] == '\\')) {
        return "is absolute (a drive letter): send paths relative to the project root";
    }
    if (!IsValidUtf8(path)) return "is not valid UTF-8";
    for (char c : path) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return "holds control characters";
        if (c == '\\') return "holds '\\': use '/' as the separator";
    }
    if (path.back() == '/') return "ends with '/': name a file";
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const auto segment = path.substr(start, end - start);
        if (segment == "..") return "holds a '..' segment: paths must stay inside the project";
        if (segment.empty() || segment == ".") return "is not normalised (empty or '.' segment)";
        start = end + 1;
    }
    return {};
}

bool IsInside(const fs::path& root, const fs::path& inner) {
    const std::string& r = root.native();
    const std::string& i = inner.native();
    if (r == "/") return !i.empty() && i.front() == '/';
    return i == r || (i.size() > r.size() && i.starts_with(r) && i[r.size()] == '/');
}

Result<std::string> ResolveScanPath(const fs::path& root, const std::string& requested) {
    if (requested.empty() || requested == ".") return std::string();
    for (auto segment : SplitPath(requested)) {
        if (segment == "..") {
            return Refused("path '" + requested +
                           "' holds a '..' segment: scans stay inside the project root " +
                           root.string());
        }
    }
    const fs::path given(requested);
    const fs::path lexical = (given.is_absolute() ? given : root / given).lexically_normal();
    std::error_code ec;
    const fs::path real = fs::canonical(lexical, ec);
    if (ec) {
        if (!IsInside(root, lexical)) {
            return Refused("path '" + requested + "' is outside the project root " + root.string());
        }
        return Refused("path '" + requested + "' does not exist (" + ec.message() + ")");
    }
    if (!IsInside(root, real) || !IsInside(root, lexical)) {
        return Refused("path '" + requested + "' resolves to " + real.string() +
                       ", outside the project root " + root.string());
    }
    if (!fs::is_directory(real, ec)) {
        return Refused("path '" + requested + "' is not a directory");
    }
    std::string relative = lexical.lexically_relative(root).generic_string();
    if (relative == ".") relative.clear();
    while (!relative.empty() && relative.back() == '/') relative.pop_back();
    return relative;
}

fs::path DefaultScanRoot(const fs::path& working_directory) {
    std::error_code ec;
    fs::path start = fs::canonical(working_directory, ec);
    if (ec) start = working_directory;
    for (auto dir = start; !dir.empty(); dir = dir.parent_path()) {
        if (fs::exists(dir / ".git", ec)) return dir;
        if (dir == dir.parent_path()) break;
    }
    return start;
}

}  // namespace mnemo::files
