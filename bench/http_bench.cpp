// SPDX-License-Identifier: MIT
// mnemo_http_bench: N MCP sessions over Streamable HTTP running a lock_context /
// recall_context / search_contexts mix across projects, against pgbench running the same
// statements over N connections, in the same run.
#include <sys/resource.h>

#include <array>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <latch>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>

#include "http_pgbench.hpp"
#include "http_report.hpp"
#include "http_sql.hpp"
#include "util/log.hpp"

namespace mnemo::bench {
namespace {

using pqpool::bench::ClockReadNs;
using pqpool::bench::Fixed;
using pqpool::bench::LoadAverage;
using pqpool::bench::MergeSorted;
using pqpool::bench::NsBetween;

constexpr double kGoal = 0.8;  // (issue 16) mnemo's calls/s at least this share of pgbench's.

struct Options {
    bool quick = false;
    std::vector<int> sessions{1, 16, 64};
    int seconds = 10;
    int rounds = 3;
    std::array<int, kOps> mix{1, 1, 1};
    std::size_t projects = 5;
    std::size_t content_bytes = 1024;
    bool require_token = true;
    bool durable = false;
    bool session_check_row = true;
    std::string log_level = "warning";
    std::size_t pool_max = 0;
    int pgbench_threads = 2;
    std::string pgbench_protocol = "prepared";
    int warmup_calls = 3;
    std::string home;
    std::string mnemo;
    std::string pgbench;
};

void Usage(std::ostream& out) {
    out << "usage: mnemo_http_bench [--quick] [--sessions LIST] [--duration S] [--rounds R]\n"
           "                        [--mix L:R:S] [--projects P] [--content-bytes B]\n"
           "                        [--auth token|none] [--durable] [--log-level LEVEL]\n"
           "                        [--pool-max N] [--pgbench-threads J] [--warmup-calls W]\n"
           "                        [--pgbench-protocol extended|prepared]\n"
           "                        [--no-session-check] [--home DIR] [--mnemo PATH]"
           " [--pgbench PATH]\n"
           "  --quick            1 round of 3 s per row (a smoke test or a first look)\n"
           "  --sessions         MCP sessions = pgbench connections, comma-separated "
           "(default 1,16,64)\n"
           "  --duration         seconds per row and round (default 10)\n"
           "  --rounds           rounds per session count, rows in rotating order (default 3)\n"
           "  --mix              weights of lock_context:recall_context:search_contexts "
           "(default 1:1:1)\n"
           "  --projects         projects the calls spread over (default 5)\n"
           "  --content-bytes    size of the locked content (default 1024)\n"
           "  --auth             token (default: bearer token from `mnemo token create`) or none\n"
           "                     (MNEMO_AUTH=none)\n"
           "  --durable          keep the cluster's durable commits (default: every connection,\n"
           "                     mnemo's and pgbench's, with synchronous_commit = off)\n"
           "  --log-level        mnemo's MNEMO_LOG_LEVEL (default warning; info logs a line per "
           "request)\n"
           "  --pool-max         mnemo's MNEMO_POOL_MAX_CONNECTIONS (default: mnemo's, 20)\n"
           "  --pgbench-threads  pgbench -j is min(sessions, this) (default 2)\n"
           "  --pgbench-protocol pgbench -M: prepared (default: each statement parsed once per\n"
           "                     connection, as mnemo sends it on its embedded cluster) or\n"
           "                     extended (parsed every time: the baseline before 2026-12-06)\n"
           "  --warmup-calls     untimed calls per new session (default 3)\n"
           "  --no-session-check leave out the pgbench row that adds mnemo's per-request session\n"
           "                     check statement\n"
           "  --home             MNEMO_HOME to use (a scratch one); default: a new temporary\n"
           "                     directory, removed at the end\n"
           "  --pgbench          pgbench (default: next to the PostgreSQL server programs, else "
           "PATH)\n"
           "  --mnemo            the mnemo binary (default: the one built next to this bench";
#ifdef MNEMO_BENCH_MNEMO_BINARY
    out << ",\n                     " MNEMO_BENCH_MNEMO_BINARY ")\n";
#else
    out << ")\n";
#endif
}

bool ParseNumber(const std::string& text, long long min, long long max, long long& out) {
    char* end = nullptr;
    out = std::strtoll(text.c_str(), &end, 10);
    return end != text.c_str() && *end == '\0' && out >= min && out <= max;
}

bool ParseList(const std::string& text, char separator, long long min, long long max,
               std::vector<long long>& out) {
    out.clear();
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = text.find(separator, start);
        long long value = 0;
        if (!ParseNumber(text.substr(start, end - start), min, max, value)) return false;
        out.push_back(value);
        if (end == std::string::npos) return true;
        start = end + 1;
    }
}

// Returns the exit code for a run that should stop here (--help: 0, bad arguments: 2), or -1.
int ParseArgs(int argc, char** argv, Options& options) {
#ifdef MNEMO_BENCH_MNEMO_BINARY
    options.mnemo = MNEMO_BENCH_MNEMO_BINARY;
#endif
    bool seconds_given = false;
    bool rounds_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        std::string text;
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        auto number = [&](auto& out, long long min, long long max) {
            long long parsed = 0;
            if (!value(text) || !ParseNumber(text, min, max, parsed)) return false;
            out = static_cast<std::remove_reference_t<decltype(out)>>(parsed);
            return true;
        };
        std::vector<long long> list;
        bool ok = true;
        if (arg == "--quick") {
            options.quick = true;
        } else if (arg == "--sessions") {
            ok = value(text) && ParseList(text, ',', 1, 1000, list);
            options.sessions.assign(list.begin(), list.end());
        } else if (arg == "--duration") {
            ok = number(options.seconds, 1, 3600);
            seconds_given = true;
        } else if (arg == "--rounds") {
            ok = number(options.rounds, 1, 100);
            rounds_given = true;
        } else if (arg == "--mix") {
            ok = value(text) && ParseList(text, ':', 0, 1000, list) && list.size() == kOps &&
                 list[0] + list[1] + list[2] > 0;
            for (std::size_t o = 0; ok && o < kOps; ++o) options.mix[o] = static_cast<int>(list[o]);
        } else if (arg == "--projects") {
            ok = number(options.projects, 1, 50);
        } else if (arg == "--content-bytes") {
            ok = number(options.content_bytes, 200, 1 << 20);
        } else if (arg == "--auth") {
            ok = value(text) && (text == "token" || text == "none");
            options.require_token = text == "token";
        } else if (arg == "--durable") {
            options.durable = true;
        } else if (arg == "--log-level") {
            ok = value(options.log_level);
        } else if (arg == "--pool-max") {
            ok = number(options.pool_max, 1, 1000);
        } else if (arg == "--pgbench-protocol") {
            ok = value(options.pgbench_protocol) &&
                 (options.pgbench_protocol == "extended" || options.pgbench_protocol == "prepared");
        } else if (arg == "--pgbench-threads") {
            ok = number(options.pgbench_threads, 1, 64);
        } else if (arg == "--warmup-calls") {
            ok = number(options.warmup_calls, 0, 10000);
        } else if (arg == "--no-session-check") {
            options.session_check_row = false;
        } else if (arg == "--home") {
            ok = value(options.home);
        } else if (arg == "--mnemo") {
            ok = value(options.mnemo);
        } else if (arg == "--pgbench") {
            ok = value(options.pgbench);
        } else if (arg == "-h" || arg == "--help") {
            Usage(std::cout);
            return 0;
        } else {
            ok = false;
        }
        if (!ok) {
            std::cerr << "mnemo_http_bench: bad argument " << arg << "\n";
            Usage(std::cerr);
            return 2;
        }
    }
    if (options.quick) {
        if (!seconds_given) options.seconds = 3;
        if (!rounds_given) options.rounds = 1;
    }
    if (options.mnemo.empty()) {
        std::cerr << "mnemo_http_bench: pass --mnemo PATH\n";
        return 2;
    }
    return -1;
}

double SelfCpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double ServerCpuSeconds(const ChildProcess& server) {
    const auto [user, system] = server.CpuSeconds();
    return user < 0 ? 0.0 : user + system;
}

// after - before, or -1 when either is unknown (-1).
double Difference(double before, double after) {
    return before < 0 || after < 0 ? -1.0 : after - before;
}

// The tools/call suffixes of every call the clients can make: [op][project][topic].
using Requests = std::array<std::vector<std::vector<std::string>>, kOps>;

Requests BuildRequests(const HttpWorkload& workload) {
    Requests requests;
    for (const std::string& project : workload.projects) {
        auto& lock = requests[0].emplace_back();
        for (std::size_t i = 0; i < workload.lock_topics; ++i) {
            lock.push_back(
                McpHttpSession::ToolSuffix(kToolNames[0], {{"project", project},
                                                           {"topic", workload.LockTopic(i)},
                                                           {"content", workload.lock_content},
                                                           {"tags", workload.tags},
                                                           {"priority", workload.priority}}));
        }
        auto& recall = requests[1].emplace_back();
        for (std::size_t i = 0; i < workload.recall_topics; ++i) {
            recall.push_back(McpHttpSession::ToolSuffix(
                kToolNames[1], {{"project", project}, {"topic", workload.RecallTopic(i)}}));
        }
        requests[2].emplace_back().push_back(McpHttpSession::ToolSuffix(
            kToolNames[2], {{"project", project}, {"query", workload.query}}));
    }
    return requests;
}

// Runs body(t) on `threads` threads released together; collects the first exception and
// rethrows it after all have finished. `stop` is set after `seconds` (0: never), on a failure
// or on Ctrl-C. Returns the wall time from the release until the last thread finished.
BenchClock::duration RunClients(int threads, int seconds, std::atomic<bool>& stop,
                                const std::function<void(int)>& body) {
    std::exception_ptr failure;
    std::mutex failure_mutex;
    std::atomic<int> running{threads};
    std::latch go(1);
    std::vector<std::thread> workers;
    workers.reserve(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            go.wait();
            try {
                body(t);
            } catch (...) {
                std::lock_guard lock(failure_mutex);
                if (!failure) failure = std::current_exception();
                stop.store(true);
            }
            running.fetch_sub(1);
        });
    }
    const auto started = BenchClock::now();
    go.count_down();
    const auto end = started + std::chrono::seconds(seconds);
    while (running.load() > 0 && !stop.load()) {
        if (Interrupted() || (seconds > 0 && BenchClock::now() >= end)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop.store(true);
    for (std::thread& worker : workers) worker.join();
    const auto wall = BenchClock::now() - started;
    if (failure) std::rethrow_exception(failure);
    if (Interrupted()) Fail("interrupted");
    return wall;
}

RunStats RunMnemo(std::vector<std::unique_ptr<McpHttpSession>>& sessions, const Requests& requests,
                  const HttpWorkload& workload, int seconds, std::uint64_t seed,
                  const HttpFixture& fixture) {
    for (auto& session : sessions) session->Reconnect();
    const int threads = static_cast<int>(sessions.size());
    std::vector<std::vector<std::int64_t>> all(sessions.size());
    std::array<std::vector<std::vector<std::int64_t>>, kOps> per_op;
    for (auto& parts : per_op) parts.resize(sessions.size());
    std::atomic<bool> stop{false};

    const double postgres_before = PostgresCpuSeconds(fixture.data_directory());
    const double machine_before = MachineBusySeconds();
    const double client_before = SelfCpuSeconds();
    const double server_before = ServerCpuSeconds(fixture.server());
    const auto wall = RunClients(threads, seconds, stop, [&](int t) {
        const auto index = static_cast<std::size_t>(t);
        McpHttpSession& session = *sessions[index];
        std::mt19937_64 random(seed + index);
        std::discrete_distribution<std::size_t> pick_op(workload.mix.begin(), workload.mix.end());
        std::uniform_int_distribution<std::size_t> pick_project(0, workload.projects.size() - 1);
        auto& samples = all[index];
        samples.reserve(std::size_t{20000});
        while (!stop.load(std::memory_order_relaxed)) {
            const std::size_t op = pick_op(random);
            const auto& topics = requests[op][pick_project(random)];
            const std::string& suffix =
                topics[std::uniform_int_distribution<std::size_t>(0, topics.size() - 1)(random)];
            const auto started = BenchClock::now();
            (void)session.CallPrepared(kToolNames[op], suffix);
            const std::int64_t ns = NsBetween(started, BenchClock::now());
            samples.push_back(ns);
            per_op[op][index].push_back(ns);
        }
    });
    RunStats stats;
    stats.ran = true;
    stats.machine_cpu_s = MachineBusySeconds() - machine_before;
    stats.client_cpu_s = SelfCpuSeconds() - client_before;
    stats.server_cpu_s = ServerCpuSeconds(fixture.server()) - server_before;
    stats.postgres_cpu_s =
        Difference(postgres_before, PostgresCpuSeconds(fixture.data_directory()));
    stats.wall_s = pqpool::bench::Ns(wall) / 1e9;
    std::array<std::vector<std::int64_t>, kOps> op_sorted;
    for (std::size_t o = 0; o < kOps; ++o) op_sorted[o] = MergeSorted(per_op[o]);
    FillLatencies(stats, MergeSorted(all), op_sorted);
    stats.calls_per_s = static_cast<double>(stats.calls) / stats.wall_s;
    return stats;
}

RunStats RunPgbenchRow(Pgbench& pgbench, PgbenchScript script, int clients, int threads,
                       int seconds, const HttpFixture& fixture) {
    const double postgres_before = PostgresCpuSeconds(fixture.data_directory());
    const double machine_before = MachineBusySeconds();
    PgbenchResult result = pgbench.Run(script, clients, threads, seconds);
    fixture.WaitForBackendsToExit("pgbench");
    RunStats stats;
    stats.ran = true;
    stats.machine_cpu_s = MachineBusySeconds() - machine_before;
    stats.postgres_cpu_s =
        Difference(postgres_before, PostgresCpuSeconds(fixture.data_directory()));
    stats.client_cpu_s = result.client_cpu_s;
    stats.wall_s = static_cast<double>(seconds);
    FillLatencies(stats, result.latencies_ns, result.op_latencies_ns);
    stats.calls_per_s = result.tps;
    return stats;
}

// Every lock call adds one row; a call that silently reached no project (a wrong tenant token:
// the statements then return no row instead of failing) adds none.
void CheckLocks(const char* row, std::int64_t before, std::int64_t after, std::int64_t locks) {
    if (after - before != locks) {
        Fail(std::string(row) + ": " + std::to_string(locks) + " lock calls added " +
             std::to_string(after - before) + " contexts");
    }
}

SessionCountResult MeasureSessionCount(int sessions_wanted, const Options& options,
                                       const HttpFixture& fixture, const HttpWorkload& workload,
                                       const Requests& requests, Pgbench& pgbench) {
    SessionCountResult result;
    result.sessions = sessions_wanted;
    result.pgbench_threads = std::min(sessions_wanted, options.pgbench_threads);
    std::vector<std::unique_ptr<McpHttpSession>> sessions;
    sessions.reserve(static_cast<std::size_t>(sessions_wanted));
    for (int s = 0; s < sessions_wanted; ++s) sessions.push_back(fixture.OpenSession());
    if (options.warmup_calls > 0) {
        std::atomic<bool> never{false};
        (void)RunClients(sessions_wanted, 0, never, [&](int t) {
            for (int c = 0; c < options.warmup_calls; ++c) {
                const std::size_t op = static_cast<std::size_t>(c) % kOps;
                (void)sessions[static_cast<std::size_t>(t)]->CallPrepared(
                    kToolNames[op],
                    requests[op][static_cast<std::size_t>(t) % workload.projects.size()][0]);
            }
        });
    }

    std::vector<Row> rows{Row::kMnemo, Row::kPgbenchTool};
    if (options.session_check_row) rows.push_back(Row::kPgbenchChecked);
    for (auto& per_row : result.stats) per_row.resize(static_cast<std::size_t>(options.rounds));
    for (int round = 0; round < options.rounds; ++round) {
        std::string order;
        for (std::size_t k = 0; k < rows.size(); ++k) {
            const Row row = rows[(k + static_cast<std::size_t>(round)) % rows.size()];
            fixture.ResetData();
            const std::int64_t before = fixture.CountContexts();
            RunStats stats;
            if (row == Row::kMnemo) {
                stats = RunMnemo(sessions, requests, workload, options.seconds,
                                 static_cast<std::uint64_t>(sessions_wanted) * 1000 +
                                     static_cast<std::uint64_t>(round),
                                 fixture);
            } else {
                stats = RunPgbenchRow(pgbench,
                                      row == Row::kPgbenchTool ? PgbenchScript::kToolSql
                                                               : PgbenchScript::kWithSessionCheck,
                                      sessions_wanted, options.pgbench_threads, options.seconds,
                                      fixture);
            }
            CheckLocks(kRowNames[static_cast<std::size_t>(row)], before, fixture.CountContexts(),
                       stats.op_calls[static_cast<std::size_t>(Op::kLock)]);
            result.stats[static_cast<std::size_t>(row)][static_cast<std::size_t>(round)] = stats;
            order += std::string(order.empty() ? "" : ", ") + (row == Row::kMnemo ? "mnemo"
                                                               : row == Row::kPgbenchTool
                                                                   ? "tool"
                                                                   : "check+tool");
            std::cerr << "mnemo_http_bench: " << sessions_wanted << " session(s), round "
                      << round + 1 << ", " << kRowNames[static_cast<std::size_t>(row)] << ": "
                      << Fixed(stats.calls_per_s, 0) << " calls/s\n";
        }
        result.orders.push_back(order);
    }
    for (auto& session : sessions) {
        session->Reconnect();  // The server may have closed it while the pgbench rows ran.
        session->Delete();
    }
    return result;
}

int Run(const Options& options) {
    InstallInterruptHandlers();
    log::SetMinLevel(log::Level::kError);  // Our pool's and the cluster's notes.
    HttpWorkload workload = HttpWorkload::Make(options.projects, options.content_bytes);
    workload.mix = options.mix;

    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::array<char, 64> date{};
    std::strftime(date.data(), date.size(), "%Y-%m-%d %H:%M UTC", &utc);
    std::cout << "mnemo_http_bench" << (options.quick ? " --quick" : "") << "\n"
              << "date:        " << date.data() << "\n"
              << "machine:     " << std::thread::hardware_concurrency() << " CPUs, load "
              << LoadAverage() << ", steady_clock::now() " << Fixed(ClockReadNs(), 1)
              << " ns, libpq " << PQlibVersion() << "\n";
#ifndef NDEBUG
    std::cout << "WARNING: this bench is built without NDEBUG (not a release build).\n";
#endif
    ServerSettings settings;
    settings.mnemo = options.mnemo;
    settings.home = options.home;
    settings.require_token = options.require_token;
    settings.pg_options = options.durable ? "" : "-c synchronous_commit=off";
    settings.log_level = options.log_level;
    settings.pool_max = options.pool_max;
    HttpFixture fixture;
    fixture.SetUp(settings, workload);
    Pgbench pgbench(options.pgbench, fixture, workload, fixture.home() / "pgbench",
                    options.pgbench_protocol);
    const Requests requests = BuildRequests(workload);

    const Config& config = fixture.config();
    std::cout << "mnemo:       " << options.mnemo << " serve --http 127.0.0.1:" << fixture.port()
              << " (MNEMO_AUTH=" << (options.require_token ? "token" : "none")
              << ", MNEMO_LOG_LEVEL=" << options.log_level << ", pool budget "
              << config.pool_max_connections << ", per-project quota "
              << config.project_max_connections << ", " << config.http.io_threads
              << " I/O threads)\n"
              << "pgbench:     " << pgbench.binary() << " (" << pgbench.Version() << ")\n"
              << "cluster:     " << fixture.cluster_note() << ", " << fixture.conninfo()
              << (fixture.temporary() ? " (temporary home)" : "") << "\n"
              << "settings:    synchronous_commit = " << fixture.ShowSetting("synchronous_commit")
              << ", fsync = " << fixture.ShowSetting("fsync")
              << ", max_connections = " << fixture.ShowSetting("max_connections")
              << (settings.pg_options.empty()
                      ? ""
                      : " (PGOPTIONS '" + settings.pg_options + "' for mnemo and pgbench)")
              << "\n"
              << "workload:    per call: lock_context:recall_context:search_contexts = "
              << workload.mix[0] << ":" << workload.mix[1] << ":" << workload.mix[2]
              << ", project uniform of " << workload.projects.size() << " (bench-p1..)\n"
              << "             lock: one of " << workload.lock_topics << " topics (each seeded, "
              << "so every call is a new version), " << workload.lock_content.size()
              << "-byte content, tags [bench, http]\n"
              << "             recall: one of " << workload.recall_topics
              << " topics (one version each, with content)\n"
              << "             search: '" << workload.query << "' (matches the "
              << workload.recall_topics << " recall topics; returns " << workload.search_limit
              << ")\n"
              << "             before every row and round (untimed): the lock versions beyond the "
                 "seed deleted,\n             VACUUM (ANALYZE); so every run starts from the same "
                 "data\n"
              << "rows:        mnemo: one thread per session, one call at a time, keep-alive "
                 "connection\n"
              << "             "
              << pgbench.CommandLine(PgbenchScript::kToolSql, options.pgbench_threads,
                                     options.seconds)
              << "\n             (N = sessions; scripts in "
              << (fixture.home() / "pgbench").string() << "; the SQL is the server's own)\n";

    std::vector<SessionCountResult> results;
    for (const int sessions : options.sessions) {
        results.push_back(
            MeasureSessionCount(sessions, options, fixture, workload, requests, pgbench));
        PrintSessionCount(results.back(), options.seconds);
    }
    PrintSummary(results, kGoal);
    std::cout << "\nload after:  " << LoadAverage() << "\n";
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
    } catch (const std::exception& e) {  // BenchFailure, or a library's (e.g. JSON parse).
        std::cout.flush();
        std::cerr << "mnemo_http_bench: " << e.what() << std::endl;
        return 1;
    }
}
