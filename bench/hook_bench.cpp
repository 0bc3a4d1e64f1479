// SPDX-License-Identifier: MIT
// mnemo_hook_bench: Claude Code hook latency. `mnemo hook SessionStart` and `UserPromptSubmit`
// from process start to exit on the embedded cluster, beside `mnemo --version` (process start
// and exit alone) in the same interleaved rounds; and POST /hooks/claude-code on loopback
// beside GET /healthz on the same keep-alive connection.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench_util.hpp"
#include "child_process.hpp"
#include "cli/database.hpp"
#include "embedded/cluster.hpp"
#include "embedded_start.hpp"
#include "http_client.hpp"

extern char** environ;

namespace mnemo::bench {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using pqpool::bench::Fixed;
using pqpool::bench::NsBetween;
using pqpool::bench::Quantile;
using pqpool::bench::Table;
using pqpool::bench::Times;

constexpr const char* kProject = "bench-hooks";

struct Options {
    std::string mnemo = MNEMO_BENCH_MNEMO_BINARY;
    std::string home;  // empty: a temporary one
    int runs = 200;
    int http_calls = 2000;
};

/// Runs `argv` with `input` on stdin; returns its stdout. Fails unless it exits 0.
std::string RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       const std::string& input) {
    int in[2];
    int out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) Fail("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int spawned =
        posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    if (spawned != 0) Fail("cannot start " + argv[0]);
    std::size_t written = 0;
    while (written < input.size()) {
        const ssize_t n = ::write(in[1], input.data() + written, input.size() - written);
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    ::close(in[1]);
    std::string output;
    char buffer[65536];
    for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) {
        output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Fail(argv[0] + " " + argv[1] + " failed");
    return output;
}

/// A project with memory to brief from: 10 rules, 30 important notes, a handover.
void Populate(const Config& config) {
    auto db = cli::OpenDatabase(config);
    if (!db.ok()) Fail("opening the database: " + db.error().message());
    auto& store = *db->store;
    (void)store.CreateProject(kProject, "mnemo_hook_bench");
    for (int i = 0; i < 10; ++i) {
        memory::LockRequest rule;
        rule.topic = "rules/rule-" + std::to_string(i);
        rule.content = "Always run the test suite for module " + std::to_string(i) +
                       " before deploying the release to production.";
        rule.priority = "always_check";
        if (auto locked = store.LockContext(kProject, rule); !locked.ok()) {
            Fail("lock_context: " + locked.error().message());
        }
    }
    for (int i = 0; i < 30; ++i) {
        memory::LockRequest note;
        note.topic = "notes/note-" + std::to_string(i);
        note.content = "Design note " + std::to_string(i) + ": the parser keeps tokens in arenas.";
        note.priority = "important";
        (void)store.LockContext(kProject, note);
    }
    memory::HandoverRequest handover;
    handover.summary = "Parser half done; lexer next.";
    handover.pending = {"finish the lexer", "benchmark the arena"};
    (void)store.Sleep(kProject, handover);
    (void)db->pool->Close(BenchClock::now() + std::chrono::seconds(5));
}

struct Series {
    std::string name;
    std::vector<std::int64_t> samples;
};

void Report(const std::string& title, std::vector<Series>& series) {
    for (auto& one : series) std::sort(one.samples.begin(), one.samples.end());
    const double base = Quantile(series.front().samples, 0.5);
    Table table({"", "runs", "p50 ms", "p99 ms", "p50 / baseline"});
    for (const auto& one : series) {
        const double p50 = Quantile(one.samples, 0.5);
        table.AddRow({one.name, std::to_string(one.samples.size()), Fixed(p50 / 1e6, 2),
                      Fixed(Quantile(one.samples, 0.99) / 1e6, 2), Times(p50 / base)});
    }
    std::cout << "\n" << title << "\n";
    table.Print();
}

std::uint16_t FreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        Fail("no free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

std::string Post(const std::string& body) {
    return "POST /hooks/claude-code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
           "application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

void RunHttp(const Options& options, const std::vector<std::string>& env, const Json& start,
             const Json& prompt) {
    const std::uint16_t port = FreePort();
    ChildOptions child;
    child.path = options.mnemo;
    child.args = {"serve", "--http", "127.0.0.1:" + std::to_string(port)};
    child.env = env;
    child.env.push_back("MNEMO_AUTH=none");
    child.stderr_path = "/dev/null";
    auto server = ChildProcess::Spawn(child);
    HttpConnection connection(port);
    HttpReply reply;
    const std::string health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const auto ready_by = BenchClock::now() + std::chrono::seconds(30);
    for (;;) {
        try {
            connection.Exchange(health, BenchClock::now() + std::chrono::seconds(1), reply);
            if (reply.status == 200) break;
        } catch (const BenchFailure&) {
            connection.Close();
        }
        if (BenchClock::now() > ready_by) Fail("mnemo serve --http did not answer /healthz");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::vector<std::string> requests{health, Post(start.dump()), Post(prompt.dump())};
    for (std::size_t r = 1; r < requests.size(); ++r) {
        connection.Exchange(requests[r], BenchClock::now() + std::chrono::seconds(5), reply);
        if (reply.status != 200 || reply.body.find("additionalContext") == std::string::npos) {
            Fail("POST /hooks/claude-code answered " + std::to_string(reply.status) + ": " +
                 reply.body);
        }
    }
    std::vector<Series> series{{"GET /healthz (baseline)", {}},
                               {"POST /hooks/claude-code SessionStart", {}},
                               {"POST /hooks/claude-code UserPromptSubmit", {}}};
    for (int i = 0; i < options.http_calls && !Interrupted(); ++i) {
        for (std::size_t s = 0; s < series.size(); ++s) {
            const auto begin = BenchClock::now();
            connection.Exchange(requests[s], begin + std::chrono::seconds(5), reply);
            series[s].samples.push_back(NsBetween(begin, BenchClock::now()));
        }
    }
    ::kill(server->pid(), SIGTERM);
    (void)server->Stop(std::chrono::seconds(5));
    Report("HTTP hooks, one keep-alive connection, loopback (MNEMO_AUTH=none):", series);
}

int Run(const Options& options) {
    InstallInterruptHandlers();
    fs::path home = options.home;
    const bool own_home = home.empty();
    if (own_home) {
        std::string pattern = "/tmp/mnemo-hook-bench.XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp failed");
        home = pattern;
    }
    const fs::path project_dir = home / "work" / kProject;
    fs::create_directories(project_dir / ".git");
    EmbeddedStart start = StartEmbedded(home);
    std::map<std::string, std::string> environment = ProcessEnvironment();
    for (const char* name : {"DATABASE_URL", "MNEMO_PROJECT", "PGOPTIONS"}) environment.erase(name);
    environment["MNEMO_HOME"] = home.string();
    environment["MNEMO_LOG_LEVEL"] = "warning";
    auto config = LoadConfig(Transport::kStdio, environment, ConfigFlags{});
    if (!config.ok()) Fail("configuration: " + config.error().message());
    Populate(*config);
    std::vector<std::string> env;
    for (const auto& [name, value] : environment) env.push_back(name + "=" + value);

    const Json session_start = {{"session_id", "bench"},
                                {"transcript_path", (home / "none.jsonl").string()},
                                {"cwd", project_dir.string()},
                                {"permission_mode", "default"},
                                {"hook_event_name", "SessionStart"},
                                {"source", "startup"}};
    Json prompt = session_start;
    prompt.erase("source");
    prompt["hook_event_name"] = "UserPromptSubmit";
    prompt["prompt"] = "run the test suite for module 3 before deploying to production";

    std::cout << "mnemo_hook_bench: " << options.runs << " interleaved rounds; cluster "
              << start.note << "; load " << pqpool::bench::LoadAverage() << "\n";
    const std::string briefing =
        RunProcess({options.mnemo, "hook", "SessionStart"}, env, session_start.dump());
    const std::string relevant =
        RunProcess({options.mnemo, "hook", "UserPromptSubmit"}, env, prompt.dump());
    if (briefing.find("additionalContext") == std::string::npos ||
        relevant.find("additionalContext") == std::string::npos) {
        Fail("the hooks answered nothing: " + briefing + relevant);
    }
    std::vector<Series> series{{"mnemo --version (baseline)", {}},
                               {"mnemo hook SessionStart", {}},
                               {"mnemo hook UserPromptSubmit", {}}};
    for (int i = 0; i < options.runs && !Interrupted(); ++i) {
        for (std::size_t s = 0; s < series.size(); ++s) {
            const auto begin = BenchClock::now();
            if (s == 0) {
                (void)RunProcess({options.mnemo, "--version"}, env, "");
            } else {
                (void)RunProcess(
                    {options.mnemo, "hook", s == 1 ? "SessionStart" : "UserPromptSubmit"}, env,
                    (s == 1 ? session_start : prompt).dump());
            }
            series[s].samples.push_back(NsBetween(begin, BenchClock::now()));
        }
    }
    Report("Command hooks, process start to exit, embedded cluster (Unix socket):", series);
    RunHttp(options, env, session_start, prompt);

    if (start.started) (void)cli::EmbeddedClusterAt(home).Stop();
    if (own_home) fs::remove_all(home);
    return 0;
}

}  // namespace
}  // namespace mnemo::bench

int main(int argc, char** argv) {
    mnemo::bench::Options options;
    CLI::App app("mnemo_hook_bench: Claude Code hook latency against process start alone");
    app.add_option("--mnemo", options.mnemo, "The mnemo binary (default: this build's)");
    app.add_option("--home", options.home, "MNEMO_HOME to use (default: a temporary one)");
    app.add_option("--runs", options.runs, "Rounds of the command hooks (default 200)")
        ->check(CLI::Range(1, 100000));
    app.add_option("--http-calls", options.http_calls, "Rounds of the HTTP hook (default 2000)")
        ->check(CLI::Range(1, 1000000));
    CLI11_PARSE(app, argc, argv);
    try {
        return mnemo::bench::Run(options);
    } catch (const mnemo::bench::BenchFailure& failure) {
        std::cerr << "mnemo_hook_bench: " << failure.what() << "\n";
        return 1;
    }
}
