// SPDX-License-Identifier: MIT
// Walk: lists the files of a project tree the index should hold, without reading them.
#include "files/walker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "files/glob.hpp"
#include "files/ignore_rules.hpp"
#include "files/path_rules.hpp"

namespace mnemo::files {
namespace {

namespace fs = std::filesystem;
constexpr std::size_t kMaxNotes = 20;
constexpr std::size_t kMaxIgnoreFileBytes = 1 << 20;

std::int64_t MtimeNs(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string Join(const std::string& dir, const std::string& name) {
    return dir.empty() ? name : dir + "/" + name;
}

class Walker {
public:
    Walker(fs::path root, const WalkOptions& options) : root_(std::move(root)), options_(options) {}

    Result<WalkReport> Run(const std::string& start) {
        // The ignore files of the start and of the directories above it (WalkDirectory reads
        // those of the directories below).
        std::string ancestor;
        PushIgnoreFiles(ancestor);
        for (auto segment : SplitPath(start)) {
            ancestor = Join(ancestor, std::string(segment));
            PushIgnoreFiles(ancestor);
        }
        struct stat root_stat {};
        if (::stat(root_.c_str(), &root_stat) == 0)
            visited_.insert({root_stat.st_dev, root_stat.st_ino});
        struct stat st {};
        const std::string absolute = Absolute(start);
        if (::stat(absolute.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            return Error(ErrorCode::kInvalidArgument,
                         "cannot open directory " + absolute + ": " + std::strerror(errno));
        }
        visited_.insert({st.st_dev, st.st_ino});
        WalkDirectory(start, 0);
        return std::move(report_);
    }

private:
    std::string Absolute(const std::string& relative) const {
        return relative.empty() ? root_.string() : (root_ / relative).string();
    }

    void Note(const std::string& path, const char* reason) {
        if (report_.notes.size() < kMaxNotes) report_.notes.push_back(path + ": " + reason);
    }

    bool Cancelled() {
        if (report_.cancelled || report_.truncated) return true;
        if (++polls_ % 256 == 0 && options_.cancelled && options_.cancelled()) {
            report_.cancelled = true;
        }
        return report_.cancelled;
    }

    void PushIgnoreFiles(const std::string& dir) {
        std::vector<IgnorePattern> patterns;
        // .mnemoignore after .gitignore: its lines win where both speak.
        for (const char* name : {".gitignore", ".mnemoignore"}) {
            if (auto text = ReadFile(Absolute(Join(dir, name)), kMaxIgnoreFileBytes)) {
                auto parsed = ParseIgnore(*text);
                std::move(parsed.begin(), parsed.end(), std::back_inserter(patterns));
            }
        }
        rules_.Push(dir, std::move(patterns));
    }

    std::vector<std::string> ListNames(const std::string& dir) {
        std::vector<std::string> names;
        DIR* handle = ::opendir(Absolute(dir).c_str());
        if (handle == nullptr) {
            ++report_.unreadable;
            Note(dir.empty() ? "." : dir, "directory cannot be read");
            return names;
        }
        while (const dirent* entry = ::readdir(handle)) {
            const std::string_view name = entry->d_name;
            if (name == "." || name == ".." || name == ".git") continue;
            names.emplace_back(name);
        }
        ::closedir(handle);
        std::sort(names.begin(), names.end());
        return names;
    }

    void WalkDirectory(const std::string& dir, int depth) {
        if (depth > options_.max_depth) {
            ++report_.unreadable;
            Note(dir, "deeper than the depth limit");
            return;
        }
        if (depth > 0) PushIgnoreFiles(dir);
        for (const auto& name : ListNames(dir)) {
            if (Cancelled()) break;
            Visit(Join(dir, name), depth);
        }
        if (depth > 0) rules_.Pop();
    }

    void Visit(const std::string& path, int depth) {
        if (!IsValidUtf8(path)) {
            ++report_.unreadable;
            Note(path, "name is not valid UTF-8");
            return;
        }
        const std::string absolute = Absolute(path);
        struct stat st {};
        if (::lstat(absolute.c_str(), &st) != 0) {
            ++report_.unreadable;
            Note(path, "cannot stat");
            return;
        }
        if (S_ISLNK(st.st_mode)) {
            std::error_code ec;
            const fs::path target = fs::canonical(absolute, ec);
            if (ec || ::stat(absolute.c_str(), &st) != 0) {
                ++report_.unreadable;
                Note(path, "broken symlink");
                return;
            }
            if (!IsInside(root_, target)) {
                ++report_.outside_root;
                Note(path, "symlink to outside the project root (not followed)");
                return;
            }
        }
        if (S_ISDIR(st.st_mode)) {
            if (rules_.Ignored(path, true)) {
                ++report_.ignored;
                return;
            }
            if (!visited_.insert({st.st_dev, st.st_ino}).second) {
                ++report_.loops;
                Note(path, "directory already walked (symlink loop or second link)");
                return;
            }
            WalkDirectory(path, depth + 1);
            return;
        }
        if (!S_ISREG(st.st_mode)) {
            ++report_.unreadable;
            Note(path, "not a regular file");
            return;
        }
        if (rules_.Ignored(path, false)) {
            ++report_.ignored;
            return;
        }
        report_.files.push_back({path, static_cast<std::int64_t>(st.st_size), MtimeNs(st)});
        if (report_.files.size() >= options_.max_files) report_.truncated = true;
    }

    const fs::path root_;
    const WalkOptions& options_;
    IgnoreRules rules_;
    std::set<std::pair<dev_t, ino_t>> visited_;
    WalkReport report_;
    std::size_t polls_ = 0;
};

}  // namespace

Result<WalkReport> Walk(const fs::path& root, const std::string& start,
                        const WalkOptions& options) {
    return Walker(root, options).Run(start);
}

std::optional<std::string> ReadFile(const std::string& path, std::size_t max_bytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string content;
    char buffer[65536];
    for (;;) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            ::close(fd);
            return std::nullopt;
        }
        if (got == 0) break;
        content.append(buffer, static_cast<std::size_t>(got));
        if (content.size() > max_bytes) break;
    }
    ::close(fd);
    return content;
}

}  // namespace mnemo::files
