// SPDX-License-Identifier: MIT
// mnemo_stdio_bench: the interleaved rounds and the report.
#include "stdio_report.hpp"

#include <algorithm>
#include <ctime>
#include <functional>
#include <iostream>
#include <thread>

namespace mnemo::bench {
namespace {

using pqpool::bench::BenchClock;
using pqpool::bench::Fixed;
using pqpool::bench::Median;
using pqpool::bench::NsBetween;
using pqpool::bench::Quantile;
using pqpool::bench::Rate;
using pqpool::bench::SignedPercent;
using pqpool::bench::Table;
using pqpool::bench::Times;

constexpr double kGoal = 1.30;  // mnemo may take at most 30 % longer than the raw statements.

std::size_t Index(Operation operation) { return operation == Operation::kLock ? 0 : 1; }

const char* Label(Operation operation) {
    return operation == Operation::kLock ? "lock_context" : "recall_context";
}

// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID: the scheduler's exact runtime).
std::int64_t ThreadCpuNs() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

void Call(Variant& variant, Operation operation, std::size_t index) {
    if (operation == Operation::kLock) {
        variant.Lock(index);
    } else {
        variant.Recall();
    }
}

// Runs `calls` calls of `operation` on every variant, interleaved call by call: for call i
// every variant runs once, in a fresh random order. Neighbouring samples of different
// variants see the same machine (other processes' load changes over seconds here), and no
// variant always follows the same one (what ran just before — this process, or which child —
// shifts a call's latency by tens of microseconds through caches and CPU placement).
// Returns each variant's figures.
std::vector<BlockStats> RunInterleaved(std::vector<NamedVariant>& variants, Operation operation,
                                       int calls, Pacing& pacing,
                                       std::vector<std::vector<std::int64_t>>& latencies) {
    const std::size_t count = variants.size();
    latencies.resize(count);
    for (auto& samples : latencies) samples.clear();
    std::vector<std::int64_t> cpu(count, 0);
    std::vector<std::size_t> order(count);
    for (std::size_t v = 0; v < count; ++v) order[v] = v;
    for (int i = 0; i < calls; ++i) {
        if (Interrupted()) Fail("interrupted");
        std::shuffle(order.begin(), order.end(), pacing.generator);
        for (const std::size_t v : order) {
            pacing.Pause();
            const std::int64_t cpu_before = ThreadCpuNs();
            const auto started = BenchClock::now();
            Call(*variants[v].variant, operation, static_cast<std::size_t>(i));
            latencies[v].push_back(NsBetween(started, BenchClock::now()));
            cpu[v] += ThreadCpuNs() - cpu_before;
        }
    }
    std::vector<BlockStats> stats(count);
    for (std::size_t v = 0; v < count; ++v) {
        auto& samples = latencies[v];
        double total = 0;
        for (const std::int64_t ns : samples) total += static_cast<double>(ns);
        std::sort(samples.begin(), samples.end());
        stats[v].p50_ns = Quantile(samples, 0.50);
        stats[v].p99_ns = Quantile(samples, 0.99);
        stats[v].max_ns = samples.empty() ? 0.0 : static_cast<double>(samples.back());
        stats[v].mean_ns = total / calls;
        stats[v].calls_per_s = 1e9 / stats[v].mean_ns;
        stats[v].cpu_ns = static_cast<double>(cpu[v]) / calls;
    }
    return stats;
}

using Stat = std::function<double(const BlockStats&)>;

// Per-round values of f(variant's stats, baseline's stats).
std::vector<double> PerRound(const std::vector<BlockStats>& variant,
                             const std::vector<BlockStats>& baseline,
                             const std::function<double(const BlockStats&, const BlockStats&)>& f) {
    std::vector<double> values;
    values.reserve(variant.size());
    for (std::size_t r = 0; r < variant.size(); ++r) values.push_back(f(variant[r], baseline[r]));
    return values;
}

double MedianOf(const std::vector<BlockStats>& rounds, const Stat& stat) {
    std::vector<double> values;
    values.reserve(rounds.size());
    for (const BlockStats& round : rounds) values.push_back(stat(round));
    return Median(values);
}

double MaxOf(const std::vector<BlockStats>& rounds, const Stat& stat) {
    double max = 0;
    for (const BlockStats& round : rounds) max = std::max(max, stat(round));
    return max;
}

std::string Us(double ns) { return Fixed(ns / 1000.0, 1); }

// "1.25x (1.21-1.31)": the median and the range over rounds.
std::string RatioWithRange(const std::vector<double>& ratios) {
    const auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
    return Times(Median(ratios)) + " (" + Fixed(*low, 2) + "-" + Fixed(*high, 2) + ")";
}

void PrintSummary(const std::vector<NamedVariant>& variants,
                  const std::vector<std::vector<BlockStats>>& stats) {
    Table table({"variant", "p50 us", "p99 us", "max ms", "calls/s", "CPU us", "p50 / raw (range)",
                 "calls/s / raw (range)", "adds: p50, mean", "goal <= +30 %"});
    const auto& raw = stats[kRaw];
    for (std::size_t v = 0; v < variants.size(); ++v) {
        std::vector<std::string> row{
            variants[v].name,
            Us(MedianOf(stats[v], [](const BlockStats& s) { return s.p50_ns; })),
            Us(MedianOf(stats[v], [](const BlockStats& s) { return s.p99_ns; })),
            Fixed(MaxOf(stats[v], [](const BlockStats& s) { return s.max_ns; }) / 1e6, 1),
            Rate(MedianOf(stats[v], [](const BlockStats& s) { return s.calls_per_s; })),
            Us(MedianOf(stats[v], [](const BlockStats& s) { return s.cpu_ns; }))};
        if (v == kRaw) {
            row.insert(row.end(), {"(baseline)", "", "", ""});
        } else {
            const auto p50 = PerRound(stats[v], raw, [](const BlockStats& s, const BlockStats& b) {
                return s.p50_ns / b.p50_ns;
            });
            const auto rate = PerRound(stats[v], raw, [](const BlockStats& s, const BlockStats& b) {
                return s.calls_per_s / b.calls_per_s;
            });
            const auto mean = PerRound(stats[v], raw, [](const BlockStats& s, const BlockStats& b) {
                return s.mean_ns / b.mean_ns;
            });
            row.push_back(RatioWithRange(p50));
            row.push_back(RatioWithRange(rate));
            row.push_back(SignedPercent(Median(p50) - 1.0) + ", " +
                          SignedPercent(Median(mean) - 1.0));
            if (v >= kStdio) {
                const bool met = Median(p50) <= kGoal && Median(mean) <= kGoal;
                row.emplace_back(met ? "met" : "missed");
            } else {
                row.emplace_back("");
            }
        }
        table.AddRow(std::move(row));
    }
    table.Print();
}

void PrintSplit(const std::vector<NamedVariant>& variants,
                const std::vector<std::vector<BlockStats>>& stats) {
    struct Layer {
        const char* what;
        std::size_t from;
        std::size_t to;
    };
    std::vector<Layer> layers{
        {"pqpool + Store (lease, tenant context, result to JSON)", kRaw, kStore},
        {"MCP core in process (JSON-RPC, tool layer, reply JSON)", kStore, kDispatch},
        {"stdio transport (pipes, reader thread, work queue)", kDispatch, kStdio},
        {"= mnemo stdio over raw", kRaw, kStdio}};
    if (variants.size() > kStdioInfo) {
        layers.push_back({"info log line per call (stderr to a file)", kStdio, kStdioInfo});
    }
    Table table({"added by", "p50 us", "mean us", "share of mnemo's added p50"});
    auto difference = [&stats](std::size_t from, std::size_t to, double BlockStats::*field) {
        std::vector<double> values;
        for (std::size_t r = 0; r < stats[to].size(); ++r) {
            values.push_back(stats[to][r].*field - stats[from][r].*field);
        }
        return Median(values);
    };
    const double total = difference(kRaw, kStdio, &BlockStats::p50_ns);
    for (const Layer& layer : layers) {
        const double p50 = difference(layer.from, layer.to, &BlockStats::p50_ns);
        const double mean = difference(layer.from, layer.to, &BlockStats::mean_ns);
        const bool part = layer.to == layer.from + 1 && layer.to <= kStdio;
        table.AddRow({layer.what, Us(p50), Us(mean),
                      part && total > 0 ? Fixed(100.0 * p50 / total, 0) + " %" : ""});
    }
    table.Print();
}

void PrintRounds(const std::vector<NamedVariant>& variants,
                 const std::vector<std::vector<BlockStats>>& stats, std::size_t rounds) {
    std::vector<std::string> headers{"round"};
    for (const NamedVariant& variant : variants) headers.push_back(variant.short_name + " p50");
    headers.insert(headers.end(), {"stdio/raw p50", "stdio/raw calls/s"});
    Table table(headers);
    for (std::size_t r = 0; r < rounds; ++r) {
        std::vector<std::string> row{std::to_string(r + 1)};
        for (std::size_t v = 0; v < variants.size(); ++v) row.push_back(Us(stats[v][r].p50_ns));
        row.push_back(Times(stats[kStdio][r].p50_ns / stats[kRaw][r].p50_ns));
        row.push_back(Times(stats[kStdio][r].calls_per_s / stats[kRaw][r].calls_per_s));
        table.AddRow(std::move(row));
    }
    table.Print();
}

}  // namespace

void Pacing::Pause() {
    if (max_pause.count() <= 0) return;
    std::uniform_int_distribution<std::int64_t> pause(0, max_pause.count());
    std::this_thread::sleep_for(std::chrono::microseconds(pause(generator)));
}

Measurements RunRounds(std::vector<NamedVariant>& variants, int rounds, int calls, int warmup,
                       Pacing& pacing) {
    std::vector<std::vector<std::int64_t>> latencies;
    for (const Operation operation : kOperations) {  // Caches, plans, CPU frequency, the pools.
        (void)RunInterleaved(variants, operation, warmup, pacing, latencies);
    }
    Measurements measured;
    for (auto& per_operation : measured.stats) per_operation.resize(variants.size());
    for (const NamedVariant& variant : variants) {
        measured.child_cpu.push_back(variant.variant->ChildCpuSeconds());
    }
    for (int round = 0; round < rounds; ++round) {
        for (const Operation operation : kOperations) {
            const auto stats = RunInterleaved(variants, operation, calls, pacing, latencies);
            for (std::size_t v = 0; v < variants.size(); ++v) {
                measured.stats[Index(operation)][v].push_back(stats[v]);
            }
        }
    }
    for (std::size_t v = 0; v < variants.size(); ++v) {
        auto& cpu = measured.child_cpu[v];
        const auto after = variants[v].variant->ChildCpuSeconds();
        if (cpu && after)
            cpu = std::make_pair(after->first - cpu->first, after->second - cpu->second);
    }
    return measured;
}

void PrintReport(const std::vector<NamedVariant>& variants, const Measurements& measured,
                 int rounds, int calls) {
    std::cout << "\n  " << rounds << " rounds x " << calls
              << " calls per variant and operation, one call at a time, the variants\n"
                 "  interleaved call by call in random order. Figures: medians over "
                 "rounds; ratios are\n"
                 "  taken per round, then the median (range: min-max over rounds). max: the "
                 "slowest call of all\n  rounds. calls/s = 1 / mean latency.\n"
                 "  'adds' = median ratio - 1 for p50 and for the mean; goal: mnemo adds <= 30 % "
                 "on both.\n"
                 "  'CPU us': mean CPU per call of this process's calling thread (the client "
                 "side for stdio rows).\n";
    for (const Operation operation : kOperations) {
        const auto& stats = measured.stats[Index(operation)];
        const std::string title = std::string(Label(operation)) + " (one call at a time)";
        std::cout << "\n" << title << "\n" << std::string(title.size(), '=') << "\n";
        PrintSummary(variants, stats);
        std::cout << "\n  Where mnemo's time goes (median over rounds of per-round differences)\n";
        PrintSplit(variants, stats);
        std::cout << "\n  Per round, p50 in us\n";
        PrintRounds(variants, stats, static_cast<std::size_t>(rounds));
    }
    const double calls_per_child = 2.0 * rounds * calls;  // Both operations.
    bool heading = false;
    for (std::size_t v = 0; v < variants.size(); ++v) {
        const auto& cpu = measured.child_cpu[v];
        if (!cpu || cpu->first < 0 || cpu->second < 0) continue;
        if (!heading) {
            std::cout << "\n  CPU of the mnemo child per call, all threads (/proc/PID/stat over "
                         "the rounds, both\n  operations; clock-tick resolution)\n";
            heading = true;
        }
        std::cout << "    " << variants[v].name << ": "
                  << Us(1e9 * (cpu->first + cpu->second) / calls_per_child) << " us (user "
                  << Us(1e9 * cpu->first / calls_per_child) << ", system "
                  << Us(1e9 * cpu->second / calls_per_child) << ")\n";
    }
}

}  // namespace mnemo::bench
