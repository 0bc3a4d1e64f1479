// SPDX-License-Identifier: MIT
// Section (d): N threads doing acquire / SELECT 1 / release, pqpool vs the Python pools.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

#include "sections.hpp"

namespace pqpool::bench {
namespace {

/// One run of the workload by one implementation.
struct WorkloadRun {
    bool ok = false;
    double ops_per_s = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    double ops = 0;
    double errors = 0;
    double connects = 0;         // Connections opened during the measured window.
    double double_handouts = 0;  // Python only: one connection held by two threads at once.
    std::map<std::string, double> error_kinds;  // Python only: count per "Type: message".
};

std::string ShellQuote(const std::string& text) {
    std::string quoted = "'";
    for (const char c : text) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    return quoted + "'";
}

// Reads `"key": <number>` from the flat JSON object python_pools.py prints.
double JsonNumber(const std::string& json, const std::string& key) {
    const std::string needle = "\"" + key + "\":";
    const std::size_t at = json.find(needle);
    if (at == std::string::npos) return 0.0;
    return std::strtod(json.c_str() + at + needle.size(), nullptr);
}

// Reads `"key": {"name": <number>, ...}` (python_pools.py prints it last, flat).
std::map<std::string, double> JsonCounts(const std::string& json, const std::string& key) {
    std::map<std::string, double> counts;
    std::size_t at = json.find("\"" + key + "\": {");
    if (at == std::string::npos) return counts;
    at = json.find('{', at) + 1;
    for (;;) {
        const std::size_t open = json.find('"', at);
        if (open == std::string::npos) break;
        std::string name;
        std::size_t i = open + 1;
        for (; i < json.size() && json[i] != '"'; ++i) {
            if (json[i] == '\\' && i + 1 < json.size()) ++i;  // Keep the escaped character.
            name += json[i];
        }
        const std::size_t colon = json.find(':', i);
        if (colon == std::string::npos) break;
        char* end = nullptr;
        counts[name] += std::strtod(json.c_str() + colon + 1, &end);
        at = static_cast<std::size_t>(end - json.c_str());
    }
    return counts;
}

WorkloadRun RunPython(const BenchConfig& config, const std::string& pool_name, int threads,
                      double warmup_s, double duration_s) {
    const std::string command = ShellQuote(config.python) + " " + ShellQuote(config.python_script) +
                                " --pool " + pool_name + " --threads " + std::to_string(threads) +
                                " --warmup " + Fixed(warmup_s, 2) + " --duration " +
                                Fixed(duration_s, 2) + " --dsn " + ShellQuote(config.dsn);
    FILE* pipe = popen(command.c_str(), "r");
    WorkloadRun run;
    if (pipe == nullptr) return run;
    std::string output;
    std::array<char, 4096> buffer{};
    while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
        output += buffer.data();
    }
    const int status = pclose(pipe);
    const std::size_t brace = output.rfind("\n{");
    const std::string json = brace == std::string::npos ? output : output.substr(brace + 1);
    if (status != 0 || json.empty() || json.front() != '{') {
        std::cerr << "pqpool_bench: " << command << " failed (status " << status << "):\n"
                  << output << '\n';
        return run;
    }
    run.ok = true;
    run.ops_per_s = JsonNumber(json, "ops_per_s");
    run.p50_ms = JsonNumber(json, "p50_ms");
    run.p99_ms = JsonNumber(json, "p99_ms");
    run.ops = JsonNumber(json, "ops");
    run.errors = JsonNumber(json, "errors");
    run.connects = JsonNumber(json, "connects");
    run.double_handouts = JsonNumber(json, "double_handouts");
    run.error_kinds = JsonCounts(json, "error_kinds");
    return run;
}

// The same workload in-process: Acquire() (10 s default timeout), Lease::Execute("SELECT 1"),
// read the value, release. A warm-up run first, then the measured one.
WorkloadRun RunPqpool(const BenchConfig& config, int threads, double warmup_s, double duration_s) {
    PoolOptions options = BenchPoolOptions(config.dsn, 5);
    options.min_idle = 5;
    auto created = Pool::Create(std::move(options));
    WorkloadRun run;
    if (!created.ok()) {
        std::cerr << "pqpool_bench: " << created.error().message() << '\n';
        return run;
    }
    std::shared_ptr<Pool> pool = created.value();
    if (!WaitForIdle(*pool, 5)) return run;

    std::vector<std::vector<std::int64_t>> samples(static_cast<std::size_t>(threads));
    std::atomic<std::uint64_t> errors{0};
    auto body = [&](int t, const std::atomic<bool>& stop) {
        auto& mine = samples[static_cast<std::size_t>(t)];
        std::uint64_t failed = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            const auto started = BenchClock::now();
            {
                auto lease = pool->Acquire();
                if (!lease.ok()) {
                    ++failed;
                    continue;
                }
                auto result = lease.value().Execute("SELECT 1");
                if (!result.ok()) {
                    ++failed;
                    continue;
                }
                DoNotOptimize(result->Get(0, 0).size());
            }
            mine.push_back(NsBetween(started, BenchClock::now()));
        }
        errors.fetch_add(failed);
    };
    auto seconds = [](double s) {
        return std::chrono::duration_cast<BenchClock::duration>(std::chrono::duration<double>(s));
    };
    (void)RunThreadsFor(threads, seconds(warmup_s), body);
    for (auto& part : samples) part.clear();
    errors.store(0);
    const std::uint64_t connects_before = pool->Stats().connects;
    const auto wall = RunThreadsFor(threads, seconds(duration_s), body);
    const std::uint64_t connects_after = pool->Stats().connects;
    const auto merged = MergeSorted(samples);

    run.ok = true;
    run.ops = static_cast<double>(merged.size());
    run.ops_per_s = run.ops / (Ns(wall) / 1e9);
    run.p50_ms = Quantile(merged, 0.50) / 1e6;
    run.p99_ms = Quantile(merged, 0.99) / 1e6;
    run.errors = static_cast<double>(errors.load());
    run.connects = static_cast<double>(connects_after - connects_before);
    return run;
}

struct Contender {
    std::string name;    // As shown in the table.
    std::string python;  // python_pools.py --pool value; empty for pqpool.
    std::vector<WorkloadRun> runs;
};

double MedianOf(const std::vector<WorkloadRun>& runs, double WorkloadRun::*field) {
    std::vector<double> values;
    for (const WorkloadRun& run : runs) {
        if (run.ok) values.push_back(run.*field);
    }
    return Median(values);
}

double SumOf(const std::vector<WorkloadRun>& runs, double WorkloadRun::*field) {
    double total = 0;
    for (const WorkloadRun& run : runs) total += run.*field;
    return total;
}

// Median over rounds of pqpool's figure divided by the other's, same round.
std::string RatioOf(const Contender& pqpool, const Contender& other, double WorkloadRun::*field) {
    std::vector<double> ratios;
    for (std::size_t i = 0; i < pqpool.runs.size() && i < other.runs.size(); ++i) {
        const WorkloadRun& a = pqpool.runs[i];
        const WorkloadRun& b = other.runs[i];
        if (a.ok && b.ok && b.*field > 0) ratios.push_back(a.*field / b.*field);
    }
    return ratios.empty() ? "n/a" : Times(Median(ratios));
}

}  // namespace

void RunPythonComparison(const BenchConfig& config) {
    const int rounds = config.quick ? 1 : 3;
    const double warmup_s = config.quick ? 0.2 : 0.5;
    const double duration_s = config.quick ? 1.0 : 3.0;
    PrintHeading(
        "(d) Side by side: N threads doing acquire / SELECT 1 / release, TCP 127.0.0.1",
        {"pqpool: Pool max_size 5, min_idle 5, Acquire() + Lease::Execute (this process).",
         "psycopg2 seed: SimpleConnectionPool(1, 5), getconn via a new ThreadPoolExecutor and",
         "  future.result(timeout=10.0) per acquire; 'connection pool exhausted' is an error",
         "  (the seed did not retry it) and the thread goes on with its next op.",
         "psycopg_pool: ConnectionPool(min_size=5, max_size=5, timeout=10), pool.connection().",
         "Python runs in /usr/bin/python3 subprocesses. All three autocommit: one round trip",
         "per SELECT 1. Latency = the whole op, successful ops only. " + std::to_string(rounds) +
             " round(s) of " + Fixed(duration_s, 1) + " s",
         "(after " + Fixed(warmup_s, 1) +
             " s warm-up) per implementation, rotating order; medians over rounds;",
         "ratios taken per round, then the median."});
    if (config.dsn.empty()) {
        std::cout << "  skipped: no TCP DSN (pass --dsn or set MNEMO_TEST_DSN)\n";
        return;
    }
    const bool have_python = !config.python_script.empty();
    if (!have_python) std::cout << "  note: no --python-script; pqpool only\n";

    Table table({"threads", "pool", "ops/s", "p50 ms", "p99 ms", "errors", "connects",
                 "pqpool/other ops/s", "p50", "p99"},
                "ll");
    Table details({"threads", "pool", "ok ops", "double hand-outs", "errors by kind"}, "llrrl");
    for (const int threads : config.workload_threads) {
        std::vector<Contender> contenders;
        contenders.push_back({"pqpool", "", {}});
        if (have_python) {
            contenders.push_back({"psycopg2 seed pattern", "psycopg2-seed", {}});
            contenders.push_back({"psycopg_pool 3.1", "psycopg_pool", {}});
        }
        for (int round = 0; round < rounds; ++round) {
            for (std::size_t k = 0; k < contenders.size(); ++k) {
                Contender& c =
                    contenders[(k + static_cast<std::size_t>(round)) % contenders.size()];
                c.runs.push_back(c.python.empty()
                                     ? RunPqpool(config, threads, warmup_s, duration_s)
                                     : RunPython(config, c.python, threads, warmup_s, duration_s));
            }
        }
        for (const Contender& c : contenders) {
            const double ok_ops = SumOf(c.runs, &WorkloadRun::ops);
            const double errors = SumOf(c.runs, &WorkloadRun::errors);
            std::string error_text = Fixed(errors, 0);
            if (errors > 0) {
                error_text += " (" + Fixed(100.0 * errors / (errors + ok_ops), 1) + " %)";
            }
            std::vector<std::string> row{std::to_string(threads),
                                         c.name,
                                         Rate(MedianOf(c.runs, &WorkloadRun::ops_per_s)),
                                         Fixed(MedianOf(c.runs, &WorkloadRun::p50_ms), 3),
                                         Fixed(MedianOf(c.runs, &WorkloadRun::p99_ms), 3),
                                         error_text,
                                         Fixed(SumOf(c.runs, &WorkloadRun::connects), 0)};
            if (&c == &contenders.front()) {
                row.insert(row.end(), {"", "", ""});
            } else {
                row.push_back(RatioOf(contenders.front(), c, &WorkloadRun::ops_per_s));
                row.push_back(RatioOf(contenders.front(), c, &WorkloadRun::p50_ms));
                row.push_back(RatioOf(contenders.front(), c, &WorkloadRun::p99_ms));
                std::map<std::string, double> totals;
                for (const WorkloadRun& run : c.runs) {
                    for (const auto& [kind, count] : run.error_kinds) totals[kind] += count;
                }
                std::string kinds;
                for (const auto& [kind, count] : totals) {
                    kinds += (kinds.empty() ? "" : "; ") + Fixed(count, 0) + " x " + kind;
                }
                details.AddRow({std::to_string(threads), c.name, Fixed(ok_ops, 0),
                                Fixed(SumOf(c.runs, &WorkloadRun::double_handouts), 0),
                                kinds.empty() ? "-" : kinds});
            }
            table.AddRow(std::move(row));
        }
    }
    table.Print();
    std::cout << "\n  ops/s, p50, p99: medians over rounds; errors, connects: totals over the "
                 "measured windows.\n  pqpool/other < 1 for p50/p99 means pqpool is faster.\n\n";
    if (have_python) {
        std::cout << "  Python pools, totals over rounds:\n";
        details.Print();
    }
}

}  // namespace pqpool::bench
