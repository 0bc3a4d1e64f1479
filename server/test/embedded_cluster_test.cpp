// SPDX-License-Identifier: MIT
// EmbeddedCluster end to end: initdb and start, sharing between processes, errors.
#include "embedded_test_support.hpp"

namespace mnemo::embedded {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): test helpers

TEST_F(EmbeddedClusterTest, StartsFromEmptyHomeForNonSuperuserOwnerWithoutTcp) {
    const fs::path home = NewHome();
    // A descriptor without close-on-exec, like a server socket some library opened.
    std::array<int, 2> leak_probe{};
    ASSERT_EQ(pipe(leak_probe.data()), 0);
    EmbeddedCluster cluster = cli::EmbeddedClusterAt(home);
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
              "falsefalsetrue");  // CREATEROLE: mnemo creates the roles caller SQL runs as
    // The superuser-only hardening (CallerHardeningSql) is in place in database mnemo.
    EXPECT_EQ(
        Must(QueryOne(*conninfo,
                      "SELECT has_table_privilege('public', 'pg_catalog.pg_database', "
                      "'SELECT')::text || has_function_privilege('public', "
                      "'pg_catalog.pg_terminate_backend(integer, bigint)', 'EXECUTE')::text")),
        "falsefalse");
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
    auto again = cli::EmbeddedClusterAt(home).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(*again, *conninfo);
    EXPECT_EQ(Postmasters(status->data_directory).size(), 1u);
}

TEST_F(EmbeddedClusterTest, StopStopsAndTheNextStartKeepsTheData) {
    const fs::path home = NewHome();
    EmbeddedCluster cluster = cli::EmbeddedClusterAt(home);
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
    auto conninfo = cli::EmbeddedClusterAt(home).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message();
    EXPECT_EQ(Must(QueryOne(*conninfo, "CREATE TABLE survived AS SELECT 42 AS answer")), "");
    const auto before = Postmasters(home / "pg" / "data");
    ASSERT_EQ(before.size(), 1u);
    // A crash leaves postmaster.pid and the socket behind; the process may linger unreaped.
    ASSERT_EQ(kill(before[0], SIGKILL), 0);

    auto restarted = cli::EmbeddedClusterAt(home).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(restarted.ok()) << restarted.error().message();
    EXPECT_EQ(Must(QueryOne(*restarted, "SELECT answer FROM survived")), "42");
    const auto after = Postmasters(home / "pg" / "data");
    ASSERT_EQ(after.size(), 1u);
    EXPECT_NE(after[0], before[0]);
}

TEST_F(EmbeddedClusterTest, StatusAndStopOfAFreshHomeTouchNothing) {
    const fs::path home = NewHome();
    EmbeddedCluster cluster = cli::EmbeddedClusterAt(home);
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
    EmbeddedCluster cluster = cli::EmbeddedClusterAt(home);
    auto conninfo = cluster.EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message();
    auto stopped = cluster.Stop();
    ASSERT_TRUE(stopped.ok()) << stopped.error().message();
    std::ofstream(home / "pg" / "data" / "postgresql.auto.conf", std::ios::app)
        << "shared_buffers = 'plenty'" << std::endl;

    auto failed = cluster.EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
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
    auto cut_short =
        cli::EmbeddedClusterAt(home).EnsureRunning(started + std::chrono::milliseconds(100));
    ASSERT_FALSE(cut_short.ok());
    EXPECT_EQ(cut_short.error().code(), ErrorCode::kUnavailable);
    EXPECT_NE(cut_short.error().message().find("deadline"), std::string::npos)
        << cut_short.error().message();
    EXPECT_LT(Clock::now() - started, seconds(5));
    EXPECT_FALSE(fs::exists(home / "pg" / "data"));

    auto conninfo = cli::EmbeddedClusterAt(home).EnsureRunning(Clock::now() + kStartBudget);
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
    auto blocked =
        cli::EmbeddedClusterAt(home).EnsureRunning(started + std::chrono::milliseconds(300));
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
            auto conninfo = cli::EmbeddedClusterAt(home).EnsureRunning(Clock::now() + kStartBudget);
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
    std::vector<Result<std::string>> results(3, Result<std::string>(""));
    std::vector<std::thread> threads;
    threads.reserve(results.size());
    for (auto& result : results) {
        threads.emplace_back([&home, &result] {
            result = cli::EmbeddedClusterAt(home).EnsureRunning(Clock::now() + kStartBudget);
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
    auto conninfo = cli::EmbeddedClusterAt(home).EnsureRunning(Clock::now() + kStartBudget);
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
    auto conninfo = cli::EmbeddedClusterAt(home).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_FALSE(conninfo.ok());
    EXPECT_EQ(conninfo.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(conninfo.error().message().find("107"), std::string::npos)
        << conninfo.error().message();
    EXPECT_FALSE(fs::exists(home));
    EXPECT_EQ(cli::EmbeddedClusterAt(home).Stop().error().code(), ErrorCode::kInvalidArgument);
    auto status = cli::EmbeddedClusterAt(temp_ / "a$b").Status();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(EmbeddedClusterTest, MissingBinariesNameThePackageToInstall) {
    const fs::path empty = temp_ / "empty-bin";
    fs::create_directory(empty);
    setenv("MNEMO_PG_BINDIR", empty.c_str(), 1);  // NOLINT(concurrency-mt-unsafe): see SetUp.
    setenv("PATH", "", 1);                        // NOLINT(concurrency-mt-unsafe)
    auto conninfo = cli::EmbeddedClusterAt(NewHome()).EnsureRunning(Clock::now() + kStartBudget);
    ASSERT_FALSE(conninfo.ok());
    EXPECT_EQ(conninfo.error().code(), ErrorCode::kUnavailable);
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
}  // namespace
}  // namespace mnemo::embedded
