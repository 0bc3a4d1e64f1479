// SPDX-License-Identifier: MIT
// TempTree: a scratch directory tree for the file-index tests, removed when it goes.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace mnemo::testing {

/// A fresh directory under the system temp dir (canonical path); removed with its content.
class TempTree {
public:
    TempTree() {
        std::string pattern = (std::filesystem::temp_directory_path() / "mnemo-files-XXXXXX");
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        root_ = std::filesystem::canonical(pattern);
    }
    ~TempTree() {
        std::error_code ec;
        std::filesystem::remove_all(root_, ec);
    }
    TempTree(const TempTree&) = delete;
    TempTree& operator=(const TempTree&) = delete;

    [[nodiscard]] const std::filesystem::path& root() const { return root_; }

    /// Writes `content` to `relative` (parents created).
    void Write(const std::string& relative, const std::string& content) const {
        const auto path = root_ / relative;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    }
    void MakeDir(const std::string& relative) const {
        std::filesystem::create_directories(root_ / relative);
    }
    void Symlink(const std::string& target, const std::string& relative) const {
        std::filesystem::create_symlink(target, root_ / relative);
    }
    void Remove(const std::string& relative) const {
        std::filesystem::remove_all(root_ / relative);
    }
    /// Sets the modification time of `relative` to `seconds` since the epoch.
    void SetMtime(const std::string& relative, long seconds) const {
        const auto when = std::filesystem::file_time_type::clock::from_sys(
            std::chrono::sys_seconds(std::chrono::seconds(seconds)));
        std::filesystem::last_write_time(root_ / relative, when);
    }

private:
    std::filesystem::path root_;
};

}  // namespace mnemo::testing
