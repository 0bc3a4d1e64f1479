// SPDX-License-Identifier: MIT
// Shared by the embedded cluster tests: a fixture that gives each test fresh homes and stops
// every cluster it made, and small helpers to look at a running cluster.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/database.hpp"
#include "embedded/cluster.hpp"
#include "embedded/file_lock.hpp"
#include "embedded/pg_binaries.hpp"
#include "embedded/provision.hpp"
#include "pqpool/pool.hpp"

extern char** environ;

namespace mnemo::embedded::test_support {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

inline constexpr auto kStartBudget = seconds(120);

/// Runs `sql` as the conninfo's user; returns the first column of the first row ("" if none).
inline pqpool::Result<std::string> QueryOne(const std::string& conninfo, std::string_view sql) {
    pqpool::PoolOptions options;
    options.conninfo = conninfo;
    options.max_size = 1;
    options.logger = [](pqpool::LogLevel, std::string_view) {};
    auto pool = pqpool::Pool::Create(options);
    if (!pool) return pool.error();
    auto lease = (*pool)->Acquire(Clock::now() + seconds(10));
    if (!lease) return lease.error();
    auto result = lease->Execute(sql, {}, Clock::now() + seconds(30));
    if (!result) return result.error();
    return result->rows() > 0 ? std::string(result->Get(0, 0)) : std::string();
}

inline std::string Must(pqpool::Result<std::string> result) {
    EXPECT_TRUE(result.ok()) << result.error().message();
    return result.ok() ? result.value() : std::string("<error>");
}

inline std::string ReadFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Pids of postmasters of `data_directory`: `postgres` processes whose command line has
/// `-D <data_directory>` and whose parent is not one of them (a backend keeps the
/// postmaster's command line for an instant after its fork, until it sets its title).
inline std::vector<pid_t> Postmasters(const fs::path& data_directory) {
    const std::string wanted =
        std::string("-D\0", 3) + fs::weakly_canonical(data_directory).string() + '\0';
    std::vector<std::pair<pid_t, pid_t>> matches;  // pid, parent
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/proc", error)) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string cmdline = ReadFile(entry.path() / "cmdline");
        const fs::path program = cmdline.substr(0, cmdline.find('\0'));
        if (program.filename() != "postgres" || cmdline.find(wanted) == std::string::npos) {
            continue;
        }
        // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, not ')'.
        const std::string stat = ReadFile(entry.path() / "stat");
        const auto after_comm = stat.rfind(')');
        pid_t parent = 0;
        if (after_comm != std::string::npos && after_comm + 4 < stat.size()) {
            parent = static_cast<pid_t>(std::atol(stat.c_str() + after_comm + 4));
        }
        matches.emplace_back(static_cast<pid_t>(std::stol(name)), parent);
    }
    std::vector<pid_t> pids;
    for (const auto& [pid, parent] : matches) {
        const bool child =
            std::any_of(matches.begin(), matches.end(),
                        [parent = parent](const auto& m) { return m.first == parent; });
        if (!child) pids.push_back(pid);
    }
    return pids;
}

inline uid_t OwnerOf(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
    return info.st_uid;
}

/// Each test gets a fresh temporary directory; every cluster made under it is stopped and
/// the directory removed afterwards, also when the test failed.
class EmbeddedClusterTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = "/tmp/mnemo-embedded-XXXXXX";
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        temp_ = fs::path(pattern);
        // The tests run one at a time and touch the environment only from this thread.
        // NOLINTBEGIN(concurrency-mt-unsafe)
        for (const char* name : {"MNEMO_PG_BINDIR", "PATH"}) {
            const char* value = std::getenv(name);
            saved_env_[name] = value != nullptr ? std::optional<std::string>(value) : std::nullopt;
        }
        // NOLINTEND(concurrency-mt-unsafe)
    }

    void TearDown() override {
        for (const auto& [name, value] : saved_env_) {
            // NOLINTNEXTLINE(concurrency-mt-unsafe): see SetUp.
            value ? setenv(name.c_str(), value->c_str(), 1) : unsetenv(name.c_str());
        }
        for (const fs::path& home : homes_) {
            auto stopped = cli::EmbeddedClusterAt(home).Stop();
            EXPECT_TRUE(stopped.ok()) << stopped.error().message();
            // Never leak a server into the next test, even when Stop broke.
            for (pid_t pid : Postmasters(home / "pg" / "data")) kill(pid, SIGKILL);
        }
        std::error_code ignored;
        fs::remove_all(temp_, ignored);
    }

    /// A home under the temporary directory (not created), stopped at the end.
    fs::path NewHome(const std::string& name = "home") {
        homes_.push_back(temp_ / name);
        return homes_.back();
    }

    fs::path temp_;
    std::vector<fs::path> homes_;
    std::map<std::string, std::optional<std::string>> saved_env_;
};

}  // namespace mnemo::embedded::test_support
