// SPDX-License-Identifier: MIT
// mnemo_fairness_bench: two users on one `mnemo serve --http`. A victim calls recall_context and
// search_contexts one at a time, first alone, then while an attacker (another user, with several
// projects) floods the server with slow query_database calls. Prints the victim's p50/p99 in both
// runs and their ratio (goal: p99 under the flood ≤ 1.5 × alone), and what the attacker got.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "http_fixture.hpp"

namespace mnemo::bench {
namespace {

constexpr double kGoal = 1.5;  // victim p99 under the flood / alone

struct Options {
    std::string mnemo;
    std::size_t victim_calls = 300;     ///< Per tool and run.
    std::size_t attackers = 25;         ///< Concurrent attacker calls.
    std::size_t attacker_projects = 5;  ///< Projects the attacker spreads them over.
    int sleep_ms = 1000;                ///< One attacker statement: pg_sleep.
    std::size_t user_max = 0;           ///< MNEMO_USER_MAX_CONNECTIONS; 0: mnemo's default.
    std::size_t pool_max = 0;           ///< MNEMO_POOL_MAX_CONNECTIONS; 0: mnemo's default.
};

bool ParseCount(std::string_view text, long long min, long long max, long long& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= min && out <= max;
}

int ParseArgs(int argc, char** argv, Options& options) {
#ifdef MNEMO_BENCH_MNEMO_BINARY
    options.mnemo = MNEMO_BENCH_MNEMO_BINARY;
#endif
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        long long n = 0;
        const bool has_value = i + 1 < argc;
        const std::string_view value = has_value ? std::string_view(argv[i + 1]) : "";
        auto count = [&](auto& out, long long min, long long max) {
            if (!has_value || !ParseCount(value, min, max, n)) return false;
            out = static_cast<std::remove_reference_t<decltype(out)>>(n);
            ++i;
            return true;
        };
        bool ok = true;
        if (arg == "--quick") {
            options.victim_calls = 40;
            options.attackers = 12;
            options.sleep_ms = 300;
        } else if (arg == "--calls") {
            ok = count(options.victim_calls, 10, 1'000'000);
        } else if (arg == "--attackers") {
            ok = count(options.attackers, 1, 1000);
        } else if (arg == "--attacker-projects") {
            ok = count(options.attacker_projects, 1, 100);
        } else if (arg == "--sleep-ms") {
            ok = count(options.sleep_ms, 1, 4000);
        } else if (arg == "--user-max") {
            ok = count(options.user_max, 1, 1000);
        } else if (arg == "--pool-max") {
            ok = count(options.pool_max, 1, 1000);
        } else if (arg == "--mnemo" && has_value) {
            options.mnemo = argv[++i];
        } else if (arg == "--help" || arg == "-h") {
            std::cout << "usage: mnemo_fairness_bench [--quick] [--calls N] [--attackers N]\n"
                         "         [--attacker-projects N] [--sleep-ms MS] [--user-max N]\n"
                         "         [--pool-max N] [--mnemo PATH]\n";
            return 0;
        } else {
            ok = false;
        }
        if (!ok) {
            std::cerr << "mnemo_fairness_bench: bad argument '" << arg << "' (see --help)\n";
            return 2;
        }
    }
    return -1;
}

double MillisSince(BenchClock::time_point started) {
    return std::chrono::duration<double, std::milli>(BenchClock::now() - started).count();
}

double Percentile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(values.size()) + 0.5);
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

/// The victim: one session, recall_context and search_contexts in turn, one call at a time.
struct VictimRun {
    std::vector<double> recall_ms;
    std::vector<double> search_ms;
};

VictimRun RunVictim(McpHttpSession& session, const HttpWorkload& workload, std::size_t calls) {
    const std::string& project = workload.projects.front();
    std::vector<std::string> recalls;
    for (std::size_t t = 0; t < workload.recall_topics; ++t) {
        recalls.push_back(McpHttpSession::ToolSuffix(
            "recall_context", {{"project", project}, {"topic", workload.RecallTopic(t)}}));
    }
    const std::string search = McpHttpSession::ToolSuffix(
        "search_contexts", {{"project", project}, {"query", workload.query}});
    VictimRun run;
    for (std::size_t i = 0; i < calls && !Interrupted(); ++i) {
        auto started = BenchClock::now();
        (void)session.CallPrepared("recall_context", recalls[i % recalls.size()]);
        run.recall_ms.push_back(MillisSince(started));
        started = BenchClock::now();
        (void)session.CallPrepared("search_contexts", search);
        run.search_ms.push_back(MillisSince(started));
    }
    return run;
}

/// What the attacker's calls ended with.
struct AttackerCounts {
    std::atomic<std::uint64_t> served{0};
    std::atomic<std::uint64_t> pool_timeouts{0};
    std::atomic<std::uint64_t> other_errors{0};
};

/// One attacker call loop on its own connection and session until `stop`.
void Attack(std::uint16_t port, const std::string& bearer, const std::string& project, int sleep_ms,
            const std::atomic<bool>& stop, AttackerCounts& counts) {
    McpHttpSession session(port, bearer);
    session.Initialize();
    HttpConnection connection(port);
    const std::string body =
        R"({"jsonrpc":"2.0","id":7)" +
        McpHttpSession::ToolSuffix(
            "query_database",
            {{"project", project},
             {"sql", "SELECT pg_sleep(" + std::to_string(sleep_ms / 1000.0) + ")"}});
    const std::string request =
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
        "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
        "MCP-Protocol-Version: 2025-11-25\r\nAuthorization: Bearer " +
        bearer + "\r\nMcp-Session-Id: " + session.session_id() +
        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    HttpReply reply;
    while (!stop && !Interrupted()) {
        connection.Exchange(request, BenchClock::now() + std::chrono::seconds(60), reply);
        if (reply.status == 200 && reply.body.find(R"("isError":false)") != std::string::npos) {
            ++counts.served;
        } else if (reply.body.find("Connection pool timeout:") != std::string::npos) {
            ++counts.pool_timeouts;
        } else {
            ++counts.other_errors;
        }
    }
}

/// The per-user pool gauges of /metrics (mnemo_pool_user_*), one line each.
std::string UserGauges(std::uint16_t port) {
    HttpConnection connection(port);
    HttpReply reply;
    connection.Exchange("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                        BenchClock::now() + std::chrono::seconds(10), reply);
    std::istringstream lines(reply.body);
    std::string out;
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("mnemo_pool_user_") || line.starts_with("mnemo_pool_connections")) {
            out += "               " + line + "\n";
        }
    }
    return out;
}

void PrintRow(const char* tool, const std::vector<double>& alone,
              const std::vector<double>& flood) {
    const double alone50 = Percentile(alone, 0.5);
    const double alone99 = Percentile(alone, 0.99);
    const double flood50 = Percentile(flood, 0.5);
    const double flood99 = Percentile(flood, 0.99);
    const double ratio = alone99 > 0 ? flood99 / alone99 : 0;
    std::printf("%-16s %9.2f %9.2f %9.2f %9.2f %8.2fx %6s\n", tool, alone50, alone99, flood50,
                flood99, ratio, ratio <= kGoal ? "met" : "MISSED");
}

int Run(const Options& options) {
    InstallInterruptHandlers();
    HttpWorkload workload = HttpWorkload::Make(1, 2048);
    workload.projects = {"victim"};
    ServerSettings settings;
    settings.mnemo = options.mnemo;
    settings.pool_max = options.pool_max;
    settings.user_max = options.user_max;
    HttpFixture fixture;
    fixture.SetUp(settings, workload);
    const Config& config = fixture.config();
    const std::string attacker = fixture.NewToken("mallory", "read");
    const std::string attacker_writer = fixture.NewToken("mallory", "write");
    std::vector<std::string> attacker_projects;
    {
        McpHttpSession setup(fixture.port(), attacker_writer);
        setup.Initialize();
        for (std::size_t i = 0; i < options.attacker_projects; ++i) {
            attacker_projects.push_back("flood-" + std::to_string(i + 1));
            (void)setup.CallTool("create_project", {{"name", attacker_projects.back()}});
        }
    }

    std::cout << "mnemo_fairness_bench: two users on one server\n"
              << "mnemo:        " << options.mnemo << " serve --http 127.0.0.1:" << fixture.port()
              << " (pool budget " << config.pool_max_connections << ", per-project quota "
              << config.project_max_connections << ", per-user quota "
              << config.user_max_connections << ", acquire timeout "
              << config.acquire_timeout.count() << " ms)\n"
              << "victim:       user '" << fixture.user() << "', one session, recall_context and "
              << "search_contexts in turn, one call at a time, " << options.victim_calls
              << " calls of each per run\n"
              << "attacker:     user 'mallory' (read token), " << options.attackers
              << " concurrent query_database calls of pg_sleep(" << options.sleep_ms / 1000.0
              << ") over " << options.attacker_projects << " projects, back to back\n";

    auto victim = fixture.OpenSession();
    (void)RunVictim(*victim, workload, 20);  // warm-up: connections open, caches warm
    const VictimRun alone = RunVictim(*victim, workload, options.victim_calls);

    std::atomic<bool> stop{false};
    AttackerCounts counts;
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> failures(options.attackers);
    for (std::size_t i = 0; i < options.attackers; ++i) {
        threads.emplace_back([&, i] {
            try {
                Attack(fixture.port(), attacker, attacker_projects[i % attacker_projects.size()],
                       options.sleep_ms, stop, counts);
            } catch (...) {
                failures[i] = std::current_exception();
            }
        });
    }
    // Let the flood take every lease it can and fill the queue before measuring.
    std::this_thread::sleep_for(std::chrono::milliseconds(options.sleep_ms) +
                                std::chrono::milliseconds(500));
    const std::string gauges = UserGauges(fixture.port());
    const VictimRun flood = RunVictim(*victim, workload, options.victim_calls);
    stop = true;
    for (auto& thread : threads) thread.join();
    for (const auto& failure : failures) {
        if (failure) std::rethrow_exception(failure);
    }

    std::cout << "during flood: /metrics\n" << gauges;
    std::cout << "\nvictim latency, ms (the same calls: alone, then under the attacker's flood)\n";
    std::printf("%-16s %9s %9s %9s %9s %9s %6s\n", "tool", "alone p50", "alone p99", "flood p50",
                "flood p99", "p99 ratio", "goal");
    PrintRow("recall_context", alone.recall_ms, flood.recall_ms);
    PrintRow("search_contexts", alone.search_ms, flood.search_ms);
    std::cout << "goal: p99 under the flood <= " << kGoal << " x alone\n"
              << "attacker:     " << counts.served << " calls served, " << counts.pool_timeouts
              << " pool timeouts, " << counts.other_errors << " other errors\n";
    return 0;
}

}  // namespace
}  // namespace mnemo::bench

int main(int argc, char** argv) {
    using namespace mnemo::bench;
    Options options;
    if (const int code = ParseArgs(argc, argv, options); code >= 0) return code;
    try {
        return Run(options);
    } catch (const std::exception& e) {
        std::cout.flush();
        std::cerr << "mnemo_fairness_bench: " << e.what() << std::endl;
        return 1;
    }
}
