// SPDX-License-Identifier: MIT
// The mnemo binary on the embedded cluster: two starting at once on a fresh one; a hook
// starting a stopped one.
#include "embedded_test_support.hpp"

namespace mnemo::embedded {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): test helpers

struct StdioServer {
    pid_t pid = -1;
    int in = -1;
    int out = -1;
    std::string buffered;
    fs::path log;
};

/// Starts MNEMO_BINARY `args` (default serve --stdio) with MNEMO_HOME=`home`, `extra_env` and
/// without DATABASE_URL.
StdioServer SpawnServer(const fs::path& home, const fs::path& log,
                        std::vector<std::string> args = {"serve", "--stdio"},
                        const std::vector<std::string>& extra_env = {}) {
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
    env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
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
    std::string program = MNEMO_BINARY;
    std::vector<char*> argv = {program.data()};
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
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

TEST_F(MnemoBinaryTest, AHookStartsAStoppedClusterAndExitsWithinItsBound) {
    const fs::path home = NewHome();
    ASSERT_TRUE(cli::EmbeddedClusterAt(home).EnsureRunning(Clock::now() + kStartBudget).ok());
    ASSERT_TRUE(cli::EmbeddedClusterAt(home).Stop().ok());
    ASSERT_FALSE(cli::EmbeddedClusterAt(home).Status()->running);
    const fs::path project = temp_ / "hooked-project";
    fs::create_directories(project / ".git");
    // The default bound is 2 s; a loaded CI machine may take longer to start PostgreSQL.
    servers_.push_back(SpawnServer(home, temp_ / "hook.log", {"hook", "SessionStart"},
                                   {"MNEMO_HOOK_TIMEOUT_MS=15000"}));
    StdioServer& hook = servers_.back();
    const std::string event = R"({"session_id":"s1","cwd":")" + project.string() +
                              R"(","hook_event_name":"SessionStart","source":"startup"})";
    ASSERT_EQ(write(hook.in, event.data(), event.size()), static_cast<ssize_t>(event.size()));
    close(std::exchange(hook.in, -1));
    SCOPED_TRACE("mnemo stderr:\n" + ReadFile(hook.log));
    EXPECT_TRUE(
        ReadUntil(hook, Clock::now() + seconds(20), [](const std::string&) { return false; }));
    EXPECT_TRUE(ReapOrKill(std::exchange(hook.pid, -1), Clock::now() + seconds(5)));
    EXPECT_EQ(hook.buffered, "") << "a project without memory: nothing to say";
    EXPECT_TRUE(cli::EmbeddedClusterAt(home).Status()->running) << "the hook started the cluster";
    EXPECT_EQ(Postmasters(home / "pg" / "data").size(), 1u);
}

}  // namespace
}  // namespace mnemo::embedded
