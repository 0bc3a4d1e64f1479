// SPDX-License-Identifier: MIT
// EmbeddedCluster end to end: initdb and start, sharing between processes, errors, and two
// mnemo binaries starting on one fresh embedded cluster.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

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

#include "embedded/cluster.hpp"
#include "embedded/file_lock.hpp"
#include "embedded/pg_binaries.hpp"
#include "embedded/provision.hpp"
#include "pqpool/pool.hpp"

extern char** environ;

namespace mnemo::embedded {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

constexpr auto kStartBudget = seconds(120);

/// Runs `sql` as the conninfo's user; returns the first column of the first row ("" if none).
pqpool::Result<std::string> QueryOne(const std::string& conninfo, std::string_view sql) {
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

std::string Must(pqpool::Result<std::string> result) {
    EXPECT_TRUE(result.ok()) << result.error().message();
    return result.ok() ? result.value() : std::string("<error>");
}

std::string ReadFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Pids of processes whose command line has `-D <data_directory>`: postmasters (backends
/// rewrite their titles, and no pg_ctl runs once EnsureRunning returned).
std::vector<pid_t> Postmasters(const fs::path& data_directory) {
    std::vector<pid_t> pids;
    const std::string wanted =
        std::string("-D\0", 3) + fs::weakly_canonical(data_directory).string() + '\0';
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/proc", error)) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string cmdline = ReadFile(entry.path() / "cmdline");
        if (cmdline.find(wanted) != std::string::npos) {
            pids.push_back(static_cast<pid_t>(std::stol(name)));
        }
    }
    return pids;
}

uid_t OwnerOf(const fs::path& path) {
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
            auto stopped = EmbeddedCluster(home).Stop();
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

TEST_F(EmbeddedClusterTest, StartsFromEmptyHomeForNonSuperuserOwnerWithoutTcp) {
    const fs::path home = NewHome();
    // A descriptor without close-on-exec, like a server socket some library opened.
    std::array<int, 2> leak_probe{};
    ASSERT_EQ(pipe(leak_probe.data()), 0);
    EmbeddedCluster cluster(home);
    auto conninfo = cluster.EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message();
    const fs::path run = fs::canonical(home) / "pg" / "run";
    // The postmaster (and anything else started) holds no copy: end of file right away.
    close(leak_probe[1]);
    std::array<char, 1> byte{};
    pollfd probe{leak_probe[0], POLLIN, 0};
    ASSERT_EQ(poll(&probe, 1, 0), 1) << "a process the cluster started inherited a descriptor";
    EXPECT_EQ(read(leak_probe[0], byte.data(), 1), 0);
    close(leak_probe[0]);
    EXPECT_EQ(*conninfo, "host=" + run.string() + " port=5432 dbname=mnemo user=mnemo");

    EXPECT_EQ(Must(QueryOne(*conninfo, "SELECT current_user")), "mnemo");
    EXPECT_EQ(Must(QueryOne(*conninfo,
                            "SELECT rolsuper::text || rolbypassrls::text || "
                            "rolcreaterole::text FROM pg_roles "
                            "WHERE rolname = current_user")),
              "falsefalsefalse");
    EXPECT_EQ(Must(QueryOne(*conninfo,
                            "SELECT pg_get_userbyid(datdba) FROM pg_database "
                            "WHERE datname = current_database()")),
              "mnemo");
    EXPECT_EQ(Must(QueryOne(*conninfo, "SELECT current_database()")), "mnemo");
    EXPECT_EQ(Must(QueryOne(*conninfo, "CREATE EXTENSION IF NOT EXISTS pg_trgm")), "");
    EXPECT_EQ(Must(QueryOne(*conninfo, "SELECT similarity('Größe', 'größe')::text")), "1");
    EXPECT_EQ(Must(QueryOne(*conninfo, "SHOW listen_addresses")), "");
    EXPECT_EQ(Must(QueryOne(*conninfo, "SHOW fsync")), "on");
    EXPECT_EQ(Must(QueryOne(*conninfo, "SHOW shared_buffers")), "32MB");
    EXPECT_EQ(Must(QueryOne(*conninfo, "SHOW max_connections")), "100");

    auto status = cluster.Status();
    ASSERT_TRUE(status.ok()) << status.error().message();
    EXPECT_TRUE(status->initialized);
    EXPECT_TRUE(status->running);
    EXPECT_EQ(status->conninfo, *conninfo);
    EXPECT_EQ(status->socket_directory, run);
    EXPECT_GT(fs::file_size(status->log_file), 0u);
    struct stat run_info {};
    ASSERT_EQ(stat(run.c_str(), &run_info), 0);
    EXPECT_EQ(run_info.st_mode & 0777, 0700u);
    EXPECT_EQ(Postmasters(status->data_directory).size(), 1u);

    // A second call finds it running and changes nothing.
    auto again = EmbeddedCluster(home).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(*again, *conninfo);
    EXPECT_EQ(Postmasters(status->data_directory).size(), 1u);
}

TEST_F(EmbeddedClusterTest, StopStopsAndTheNextStartKeepsTheData) {
    const fs::path home = NewHome();
    EmbeddedCluster cluster(home);
    auto conninfo = cluster.EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message();
    EXPECT_EQ(Must(QueryOne(*conninfo, "CREATE TABLE kept (note text)")), "");
    EXPECT_EQ(Must(QueryOne(*conninfo, "INSERT INTO kept VALUES ('still here')")), "");

    auto stopped = cluster.Stop();
    ASSERT_TRUE(stopped.ok()) << stopped.error().message();
    auto status = cluster.Status();
    ASSERT_TRUE(status.ok()) << status.error().message();
    EXPECT_TRUE(status->initialized);
    EXPECT_FALSE(status->running);
    EXPECT_TRUE(Postmasters(status->data_directory).empty());
    EXPECT_FALSE(SocketAccepts(home / "pg" / "run" / ".s.PGSQL.5432"));
    auto stopped_again = cluster.Stop();
    EXPECT_TRUE(stopped_again.ok()) << stopped_again.error().message();

    auto restarted = cluster.EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(restarted.ok()) << restarted.error().message();
    EXPECT_EQ(*restarted, *conninfo);
    EXPECT_EQ(Must(QueryOne(*restarted, "SELECT note FROM kept")), "still here");
}

TEST_F(EmbeddedClusterTest, RestartsAfterThePostmasterWasKilled) {
    const fs::path home = NewHome();
    auto conninfo = EmbeddedCluster(home).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message();
    EXPECT_EQ(Must(QueryOne(*conninfo, "CREATE TABLE survived AS SELECT 42 AS answer")), "");
    const auto before = Postmasters(home / "pg" / "data");
    ASSERT_EQ(before.size(), 1u);
    // A crash leaves postmaster.pid and the socket behind; the process may linger unreaped.
    ASSERT_EQ(kill(before[0], SIGKILL), 0);

    auto restarted = EmbeddedCluster(home).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(restarted.ok()) << restarted.error().message();
    EXPECT_EQ(Must(QueryOne(*restarted, "SELECT answer FROM survived")), "42");
    const auto after = Postmasters(home / "pg" / "data");
    ASSERT_EQ(after.size(), 1u);
    EXPECT_NE(after[0], before[0]);
}

TEST_F(EmbeddedClusterTest, StatusAndStopOfAFreshHomeTouchNothing) {
    const fs::path home = NewHome();
    EmbeddedCluster cluster(home);
    auto status = cluster.Status();
    ASSERT_TRUE(status.ok()) << status.error().message();
    EXPECT_FALSE(status->initialized);
    EXPECT_FALSE(status->running);
    EXPECT_EQ(status->conninfo, "");
    auto stopped = cluster.Stop();
    EXPECT_TRUE(stopped.ok()) << stopped.error().message();
    EXPECT_FALSE(fs::exists(home));
}

TEST_F(EmbeddedClusterTest, AFailedStartCarriesTheServerLogTail) {
    const fs::path home = NewHome();
    EmbeddedCluster cluster(home);
    auto conninfo = cluster.EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message();
    auto stopped = cluster.Stop();
    ASSERT_TRUE(stopped.ok()) << stopped.error().message();
    std::ofstream(home / "pg" / "data" / "postgresql.auto.conf", std::ios::app)
        << "shared_buffers = 'plenty'" << std::endl;

    auto failed = cluster.EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code(), pqpool::ErrorCode::kDatabaseUnavailable);
    const std::string& message = failed.error().message();
    EXPECT_NE(message.find("PostgreSQL did not start"), std::string::npos) << message;
    EXPECT_NE(message.find("last lines of the server log"), std::string::npos) << message;
    EXPECT_NE(message.find(R"(invalid value for parameter "shared_buffers": "plenty")"),
              std::string::npos)
        << message;
}

TEST_F(EmbeddedClusterTest, AnInitdbCutShortByTheDeadlineIsRedoneCleanly) {
    const fs::path home = NewHome();
    const auto started = Clock::now();
    // initdb takes far longer than 100 ms (it bootstraps a whole catalog).
    auto cut_short = EmbeddedCluster(home).EnsureRunning(started + std::chrono::milliseconds(100));
    ASSERT_FALSE(cut_short.ok());
    EXPECT_EQ(cut_short.error().code(), pqpool::ErrorCode::kDatabaseUnavailable);
    EXPECT_NE(cut_short.error().message().find("deadline"), std::string::npos)
        << cut_short.error().message();
    EXPECT_LT(Clock::now() - started, seconds(5));
    EXPECT_FALSE(fs::exists(home / "pg" / "data"));

    auto conninfo = EmbeddedCluster(home).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message();
    EXPECT_FALSE(fs::exists(home / "pg" / "data.initdb"));
    EXPECT_EQ(Must(QueryOne(*conninfo, "SELECT current_user")), "mnemo");
}

TEST_F(EmbeddedClusterTest, WaitsForTheLockOnlyUntilTheDeadline) {
    const fs::path home = NewHome();
    fs::create_directories(home / "pg");
    auto held = FileLock::Acquire(home / "pg" / "lock", Clock::now() + seconds(5));
    ASSERT_TRUE(held.ok()) << held.error().message();
    const auto started = Clock::now();
    auto blocked = EmbeddedCluster(home).EnsureRunning(started + std::chrono::milliseconds(300));
    ASSERT_FALSE(blocked.ok());
    EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(300));
    EXPECT_LT(Clock::now() - started, seconds(3));
    EXPECT_NE(blocked.error().message().find("waiting for the lock"), std::string::npos)
        << blocked.error().message();
    EXPECT_FALSE(fs::exists(home / "pg" / "data"));
}

/// Counts the JSON log lines with `"event":"<event>"` in `text`.
int CountEvents(const std::string& text, const std::string& event) {
    int count = 0;
    const std::string needle = "\"event\":\"" + event + "\"";
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

TEST_F(EmbeddedClusterTest, ConcurrentProcessesShareOnePostmaster) {
    const fs::path home = NewHome();
    constexpr int kProcesses = 4;
    // fork() below is only safe while this process has a single thread.
    ASSERT_NE(ReadFile("/proc/self/status").find("\nThreads:\t1\n"), std::string::npos);
    std::array<int, 2> gate{};
    ASSERT_EQ(pipe(gate.data()), 0);
    std::vector<pid_t> children;
    for (int i = 0; i < kProcesses; ++i) {
        const fs::path out = temp_ / ("child-" + std::to_string(i) + ".out");
        const fs::path err = temp_ / ("child-" + std::to_string(i) + ".log");
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(gate[1]);
            char byte;
            (void)!read(gate[0], &byte, 1);  // Returns at EOF: when the parent opens the gate.
            const int log_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(log_fd, 2);
            auto conninfo = EmbeddedCluster(home).EnsureRunning(Clock::now() + kStartBudget);
            std::ofstream(out) << (conninfo.ok() ? "OK " + *conninfo
                                                 : "ERR " + conninfo.error().message());
            _exit(conninfo.ok() ? 0 : 1);
        }
        children.push_back(pid);
    }
    close(gate[0]);
    close(gate[1]);  // All children start at once.
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    const std::string expected = "OK host=" + (fs::canonical(home) / "pg" / "run").string() +
                                 " port=5432 dbname=mnemo user=mnemo";
    std::string logs;
    for (int i = 0; i < kProcesses; ++i) {
        EXPECT_EQ(ReadFile(temp_ / ("child-" + std::to_string(i) + ".out")), expected);
        logs += ReadFile(temp_ / ("child-" + std::to_string(i) + ".log"));
    }
    EXPECT_EQ(CountEvents(logs, "embedded_cluster_initialized"), 1) << logs;
    EXPECT_EQ(CountEvents(logs, "embedded_cluster_started"), 1) << logs;
    EXPECT_EQ(Postmasters(home / "pg" / "data").size(), 1u);
}

TEST_F(EmbeddedClusterTest, ConcurrentThreadsWithSeparateObjectsShareOnePostmaster) {
    const fs::path home = NewHome();
    std::vector<pqpool::Result<std::string>> results(3, pqpool::Result<std::string>(""));
    std::vector<std::thread> threads;
    threads.reserve(results.size());
    for (auto& result : results) {
        threads.emplace_back([&home, &result] {
            result = EmbeddedCluster(home).EnsureRunning(Clock::now() + kStartBudget);
        });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& result : results) {
        ASSERT_TRUE(result.ok()) << result.error().message();
        EXPECT_EQ(result.value(), results[0].value());
    }
    EXPECT_EQ(Must(QueryOne(results[0].value(), "SELECT current_user")), "mnemo");
    EXPECT_EQ(Postmasters(home / "pg" / "data").size(), 1u);
}

TEST_F(EmbeddedClusterTest, RootRunsTheClusterUnprivilegedBehindPrivateDirectories) {
    if (geteuid() != 0) GTEST_SKIP() << "exercises the root path only";
    // Like /root/.local/share/mnemo: the ancestors are mode 0700, owned by root.
    const fs::path private_dir = temp_ / "private";
    ASSERT_EQ(mkdir(private_dir.c_str(), 0700), 0);
    const fs::path home = NewHome("private/nested/mnemo");
    auto conninfo = EmbeddedCluster(home).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message();

    const auto postmasters = Postmasters(home / "pg" / "data");
    ASSERT_EQ(postmasters.size(), 1u);
    const uid_t server_uid = OwnerOf("/proc/" + std::to_string(postmasters[0]));
    EXPECT_NE(server_uid, 0u);
    EXPECT_EQ(OwnerOf(home / "pg" / "data"), server_uid);
    EXPECT_EQ(OwnerOf(home / "pg" / "run"), server_uid);
    // Search permission went to that user alone (an ACL entry), not to everybody.
    struct stat info {};
    ASSERT_EQ(stat(private_dir.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07, 0u);
    EXPECT_GT(getxattr(private_dir.c_str(), "system.posix_acl_access", nullptr, 0), 0);
    EXPECT_EQ(Must(QueryOne(*conninfo, "SELECT current_user")), "mnemo");
}

TEST_F(EmbeddedClusterTest, RejectsAHomeWhoseSocketPathIsTooLong) {
    const fs::path home = temp_ / std::string(100, 'x');  // No NewHome: Stop rejects it too.
    auto conninfo = EmbeddedCluster(home).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_FALSE(conninfo.ok());
    EXPECT_EQ(conninfo.error().code(), pqpool::ErrorCode::kInvalidArgument);
    EXPECT_NE(conninfo.error().message().find("107"), std::string::npos)
        << conninfo.error().message();
    EXPECT_FALSE(fs::exists(home));
    EXPECT_EQ(EmbeddedCluster(home).Stop().error().code(), pqpool::ErrorCode::kInvalidArgument);
    auto status = EmbeddedCluster(temp_ / "a$b").Status();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), pqpool::ErrorCode::kInvalidArgument);
}

TEST_F(EmbeddedClusterTest, MissingBinariesNameThePackageToInstall) {
    const fs::path empty = temp_ / "empty-bin";
    fs::create_directory(empty);
    setenv("MNEMO_PG_BINDIR", empty.c_str(), 1);  // NOLINT(concurrency-mt-unsafe): see SetUp.
    setenv("PATH", "", 1);                        // NOLINT(concurrency-mt-unsafe)
    auto conninfo = EmbeddedCluster(NewHome()).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_FALSE(conninfo.ok());
    EXPECT_EQ(conninfo.error().code(), pqpool::ErrorCode::kDatabaseUnavailable);
    EXPECT_NE(conninfo.error().message().find("apt-get install postgresql"), std::string::npos)
        << conninfo.error().message();
    EXPECT_NE(conninfo.error().message().find(empty.string()), std::string::npos);

    PgBinarySearch nowhere;
    nowhere.versions_root = empty;
    auto missing = FindPgBinaries(nowhere);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message().find("apt-get install postgresql"), std::string::npos)
        << missing.error().message();
}

TEST_F(EmbeddedClusterTest, BinarySearchPrefersTheDataDirectoryVersionThenTheHighest) {
    const fs::path root = temp_ / "versions";
    for (const char* major : {"9", "15", "16"}) {
        fs::create_directories(root / major / "bin");
        for (const char* program : {"initdb", "pg_ctl", "postgres"}) {
            const fs::path file = root / major / "bin" / program;
            std::ofstream(file) << "#!/bin/sh\n";
            fs::permissions(file, fs::perms::owner_all);
        }
    }
    fs::remove(root / "16" / "bin" / "postgres");  // Incomplete: must be skipped.
    PgBinarySearch search;
    search.versions_root = root;
    auto highest = FindPgBinaries(search);
    ASSERT_TRUE(highest.ok()) << highest.error().message();
    EXPECT_EQ(highest->directory, root / "15" / "bin");
    search.preferred_major = 9;
    auto preferred = FindPgBinaries(search);
    ASSERT_TRUE(preferred.ok()) << preferred.error().message();
    EXPECT_EQ(preferred->pg_ctl, root / "9" / "bin" / "pg_ctl");
    PgBinarySearch via_path;
    via_path.versions_root = temp_ / "none";
    via_path.path =
        "/nonexistent:" + (root / "16" / "bin").string() + ":" + (root / "9" / "bin").string();
    auto from_path = FindPgBinaries(via_path);
    ASSERT_TRUE(from_path.ok()) << from_path.error().message();
    EXPECT_EQ(from_path->directory, root / "9" / "bin");
}

/// A spawned `mnemo serve --stdio`: pipes on stdin and stdout, stderr in a file.
struct StdioServer {
    pid_t pid = -1;
    int in = -1;
    int out = -1;
    std::string buffered;
    fs::path log;
};

/// Starts MNEMO_BINARY serve --stdio with MNEMO_HOME=`home` and without DATABASE_URL.
StdioServer SpawnServer(const fs::path& home, const fs::path& log) {
    StdioServer server;
    server.log = log;
    std::array<int, 2> to_child{};
    std::array<int, 2> from_child{};
    EXPECT_EQ(pipe2(to_child.data(), O_CLOEXEC), 0);
    EXPECT_EQ(pipe2(from_child.data(), O_CLOEXEC), 0);
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
    posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
    std::vector<std::string> env_strings = {"MNEMO_HOME=" + home.string()};
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        if (!text.starts_with("DATABASE_URL=") && !text.starts_with("MNEMO_HOME=")) {
            env_strings.emplace_back(text);
        }
    }
    std::vector<char*> env;
    env.reserve(env_strings.size() + 1);
    for (auto& text : env_strings) env.push_back(text.data());
    env.push_back(nullptr);
    std::string program = MNEMO_BINARY, serve = "serve", stdio = "--stdio";
    std::array<char*, 4> argv = {program.data(), serve.data(), stdio.data(), nullptr};
    EXPECT_EQ(posix_spawn(&server.pid, program.c_str(), &actions, nullptr, argv.data(), env.data()),
              0)
        << program;
    posix_spawn_file_actions_destroy(&actions);
    close(to_child[0]);
    close(from_child[1]);
    close(log_fd);
    server.in = to_child[1];
    server.out = from_child[0];
    return server;
}

/// Reads from `server.out` into `server.buffered` until `done(buffered)`, end of file or
/// `deadline`; returns true at end of file.
template <class Done>
bool ReadUntil(StdioServer& server, Clock::time_point deadline, Done done) {
    while (!done(server.buffered)) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd readable{server.out, POLLIN, 0};
        if (left.count() <= 0 || poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
            return false;
        }
        std::array<char, 4096> chunk{};
        const ssize_t got = read(server.out, chunk.data(), chunk.size());
        if (got <= 0) return true;
        server.buffered.append(chunk.data(), static_cast<std::size_t>(got));
    }
    return false;
}

/// Waits for `pid` to exit by `deadline`; kills it if it has not. Returns true if it exited
/// on its own.
bool ReapOrKill(pid_t pid, Clock::time_point deadline) {
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd exited{pidfd, POLLIN, 0};
    const bool on_its_own =
        pidfd >= 0 && left.count() > 0 && poll(&exited, 1, static_cast<int>(left.count())) > 0;
    if (pidfd >= 0) close(pidfd);
    if (!on_its_own) kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    return on_its_own;
}

class MnemoBinaryTest : public EmbeddedClusterTest {
protected:
    void TearDown() override {
        for (StdioServer& server : servers_) {
            if (server.pid > 0) ReapOrKill(server.pid, Clock::now());
            close(server.in);
            close(server.out);
        }
        EmbeddedClusterTest::TearDown();
    }
    std::vector<StdioServer> servers_;
};

TEST_F(MnemoBinaryTest, TwoStdioServersStartAtOnceOnAFreshEmbeddedCluster) {
    const fs::path home = NewHome();
    for (int i = 0; i < 2; ++i) {
        servers_.push_back(SpawnServer(home, temp_ / ("mnemo-" + std::to_string(i) + ".log")));
    }
    const std::string initialize =
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":)"
        R"("2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
        "\n";
    for (const auto& server : servers_) {
        ASSERT_EQ(write(server.in, initialize.data(), initialize.size()),
                  static_cast<ssize_t>(initialize.size()));
    }
    const auto deadline = Clock::now() + seconds(60);
    for (StdioServer& server : servers_) {
        SCOPED_TRACE("mnemo stderr:\n" + ReadFile(server.log));
        ReadUntil(server, deadline,
                  [](const std::string& text) { return text.find('\n') != std::string::npos; });
        const std::string line = server.buffered.substr(0, server.buffered.find('\n'));
        const auto reply = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        ASSERT_TRUE(reply.is_object()) << "reply: '" << line << "'";
        EXPECT_EQ(reply.value("jsonrpc", ""), "2.0");
        EXPECT_EQ(reply.value("id", 0), 1);
        ASSERT_TRUE(reply.contains("result")) << line;
        EXPECT_NE(reply["result"].value("protocolVersion", ""), "") << line;
    }
    EXPECT_EQ(Postmasters(home / "pg" / "data").size(), 1u);

    // Once both are gone (EOF on stdin should end them; killed after 10 s otherwise), their
    // stdout must reach end of file: the postmaster one of them started holds no copy of it.
    for (StdioServer& server : servers_) close(std::exchange(server.in, -1));
    for (StdioServer& server : servers_) {
        ReapOrKill(std::exchange(server.pid, -1), Clock::now() + seconds(10));
        EXPECT_TRUE(
            ReadUntil(server, Clock::now() + seconds(5), [](const std::string&) { return false; }));
    }
    EXPECT_EQ(Postmasters(home / "pg" / "data").size(), 1u);  // It outlives them.
}

}  // namespace
}  // namespace mnemo::embedded
