// SPDX-License-Identifier: MIT
// mnemo_stdio_bench: the interleaved rounds and the report.
#include "stdio_report.hpp"

#include <algorithm>
#include <functional>
#include <iostream>

namespace mnemo::bench {
namespace {

using pqpool::bench::BenchClock;
using pqpool::bench::Fixed;
using pqpool::bench::Median;
using pqpool::bench::NsBetween;
using pqpool::bench::Quantile;
using pqpool::bench::Rate;
using pqpool::bench::Table;
using pqpool::bench::Times;

constexpr double kGoal = 1.30;  // mnemo may take at most 30 % longer than the raw statements.

std::size_t Index(Operation operation) { return operation == Operation::kLock ? 0 : 1; }

const char* Label(Operation operation) {
    return operation == Operation::kLock ? "lock_context" : "recall_context";
}

void Call(Variant& variant, Operation operation, std::size_t index) {
    if (operation == Operation::kLock) {
        variant.Lock(index);
    } else {
        variant.Recall();
    }
}

BlockStats RunBlock(Variant& variant, Operation operation, int calls,
                    std::vector<std::int64_t>& latencies) {
    latencies.clear();
    const auto block_start = BenchClock::now();
    for (int i = 0; i < calls; ++i) {
        if (Interrupted()) Fail("interrupted");
        const auto started = BenchClock::now();
        Call(variant, operation, static_cast<std::size_t>(i));
        latencies.push_back(NsBetween(started, BenchClock::now()));
    }
    const double wall_ns = static_cast<double>(NsBetween(block_start, BenchClock::now()));
    double total = 0;
    for (const std::int64_t ns : latencies) total += static_cast<double>(ns);
    std::sort(latencies.begin(), latencies.end());
    BlockStats stats;
    stats.p50_ns = Quantile(latencies, 0.50);
    stats.p99_ns = Quantile(latencies, 0.99);
    stats.mean_ns = total / calls;
    stats.calls_per_s = calls / wall_ns * 1e9;
    return stats;
}

using Stat = std::function<double(const BlockStats&)>;

// Per-round values of f(variant's stats, baseline's stats).
std::vector<double> PerRound(const std::vector<BlockStats>& variant,
                             const std::vector<BlockStats>& baseline,
                             const std::function<double(const BlockStats&, const BlockStats&)>& f) {
    std::vector<double> values;
    for (std::size_t r = 0; r < variant.size(); ++r) values.push_back(f(variant[r], baseline[r]));
    return values;
}

double MedianOf(const std::vector<BlockStats>& rounds, const Stat& stat) {
    std::vector<double> values;
    for (const BlockStats& round : rounds) values.push_back(stat(round));
    return Median(values);
}

std::string Us(double ns) { return Fixed(ns / 1000.0, 1); }

// "1.25x (1.21-1.31)": the median and the range over rounds.
std::string RatioWithRange(const std::vector<double>& ratios) {
    const auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
    return Times(Median(ratios)) + " (" + Fixed(*low, 2) + "-" + Fixed(*high, 2) + ")";
}

std::string Percent(double fraction) {
    return (fraction >= 0 ? "+" : "") + Fixed(100.0 * fraction, 0) + " %";
}

void PrintSummary(const std::vector<NamedVariant>& variants,
                  const std::vector<std::vector<BlockStats>>& stats) {
    Table table({"variant", "p50 us", "p99 us", "calls/s", "p50 / raw (range)",
                 "calls/s / raw (range)", "adds: p50, mean", "goal <= +30 %"});
    const auto& raw = stats[kRaw];
    for (std::size_t v = 0; v < variants.size(); ++v) {
        std::vector<std::string> row{
            variants[v].name, Us(MedianOf(stats[v], [](const BlockStats& s) { return s.p50_ns; })),
            Us(MedianOf(stats[v], [](const BlockStats& s) { return s.p99_ns; })),
            Rate(MedianOf(stats[v], [](const BlockStats& s) { return s.calls_per_s; }))};
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
            row.push_back(Percent(Median(p50) - 1.0) + ", " + Percent(Median(mean) - 1.0));
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
        {"MCP over stdio (pipe, JSON-RPC, tool layer, threads)", kStore, kStdio},
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
        const bool part = layer.from == kRaw ? layer.to == kStore : layer.to == kStdio;
        table.AddRow({layer.what, Us(p50), Us(mean),
                      part && total > 0 ? Fixed(100.0 * p50 / total, 0) + " %" : ""});
    }
    table.Print();
}

void PrintRounds(const std::vector<NamedVariant>& variants,
                 const std::vector<std::vector<BlockStats>>& stats,
                 const std::vector<std::size_t>& first) {
    std::vector<std::string> headers{"round", "first"};
    for (const NamedVariant& variant : variants) headers.push_back(variant.short_name + " p50");
    headers.insert(headers.end(), {"stdio/raw p50", "stdio/raw calls/s"});
    Table table(headers);
    for (std::size_t r = 0; r < first.size(); ++r) {
        std::vector<std::string> row{std::to_string(r + 1), variants[first[r]].short_name};
        for (std::size_t v = 0; v < variants.size(); ++v) row.push_back(Us(stats[v][r].p50_ns));
        row.push_back(Times(stats[kStdio][r].p50_ns / stats[kRaw][r].p50_ns));
        row.push_back(Times(stats[kStdio][r].calls_per_s / stats[kRaw][r].calls_per_s));
        table.AddRow(std::move(row));
    }
    table.Print();
}

}  // namespace

Measurements RunRounds(std::vector<NamedVariant>& variants, int rounds, int calls, int warmup) {
    std::vector<std::int64_t> latencies;
    latencies.reserve(static_cast<std::size_t>(std::max(calls, warmup)));
    for (NamedVariant& variant : variants) {  // Caches, plans, CPU frequency, pool connection.
        for (const Operation operation : kOperations) {
            (void)RunBlock(*variant.variant, operation, warmup, latencies);
        }
    }
    Measurements measured;
    for (auto& per_operation : measured.stats) per_operation.resize(variants.size());
    for (int round = 0; round < rounds; ++round) {
        const std::size_t first = static_cast<std::size_t>(round) % variants.size();
        measured.first.push_back(first);
        for (const Operation operation : kOperations) {
            for (std::size_t k = 0; k < variants.size(); ++k) {
                const std::size_t v = (first + k) % variants.size();
                measured.stats[Index(operation)][v].push_back(
                    RunBlock(*variants[v].variant, operation, calls, latencies));
            }
        }
    }
    return measured;
}

void PrintReport(const std::vector<NamedVariant>& variants, const Measurements& measured,
                 int rounds, int calls) {
    std::cout << "\n"
              << rounds << " rounds; in each, per operation, every variant runs " << calls
              << " calls one at a time, the order rotated by one\n"
                 "each round. Figures: medians over rounds; ratios are per round, then the "
                 "median (range = min-max\nover rounds). calls/s = calls / wall time of the "
                 "block. 'adds' = median ratio - 1 for p50 and for the\nmean latency; goal: "
                 "mnemo adds <= 30 % over the raw statements on both.\n";
    for (const Operation operation : kOperations) {
        const auto& stats = measured.stats[Index(operation)];
        const std::string title = std::string(Label(operation)) + " (one call at a time)";
        std::cout << "\n" << title << "\n" << std::string(title.size(), '=') << "\n";
        PrintSummary(variants, stats);
        std::cout << "\n  Where mnemo's time goes (median over rounds of per-round differences)\n";
        PrintSplit(variants, stats);
        std::cout << "\n  Per round, p50 in us\n";
        PrintRounds(variants, stats, measured.first);
    }
}

}  // namespace mnemo::bench
