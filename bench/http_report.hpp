// SPDX-License-Identifier: MIT
// mnemo_http_bench: the figures of one run, machine CPU accounting, and the tables.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "http_fixture.hpp"

namespace mnemo::bench {

/// The rows compared at each session count, in this order.
enum class Row { kMnemo = 0, kPgbenchTool = 1, kPgbenchChecked = 2 };
inline constexpr std::size_t kRows = 3;
inline constexpr std::array<const char*, kRows> kRowNames{"mnemo over HTTP", "pgbench: tool SQL",
                                                          "pgbench: session check + tool SQL"};

/// One row's figures in one round.
struct RunStats {
    bool ran = false;
    double calls_per_s = 0;  ///< mnemo: calls / wall time; pgbench: its tps.
    std::int64_t calls = 0;
    double p50_ns = 0;
    double p99_ns = 0;
    double mean_ns = 0;
    std::array<double, kOps> op_p50_ns{};
    std::array<std::int64_t, kOps> op_calls{};
    double wall_s = 0;
    double machine_cpu_s = 0;    ///< Busy CPU time of the whole machine (/proc/stat).
    double client_cpu_s = 0;     ///< This process's (mnemo row) or pgbench's CPU time.
    double server_cpu_s = 0;     ///< The mnemo server's CPU time (mnemo row; ~0 otherwise).
    double postgres_cpu_s = -1;  ///< The cluster's processes' CPU time; -1 when unknown.
};

/// Fills the latency figures from samples; `all` and each of `per_op` must be sorted.
void FillLatencies(RunStats& stats, const std::vector<std::int64_t>& all,
                   const std::array<std::vector<std::int64_t>, kOps>& per_op);

/// Busy CPU seconds of the whole machine so far (user, nice, system, irq, softirq, steal).
[[nodiscard]] double MachineBusySeconds();

/// CPU seconds the PostgreSQL cluster of `data_directory` has used so far: the postmaster's
/// own and its reaped children's (exited backends), plus its live children's (/proc); -1 when
/// the postmaster cannot be found. Differences between two readings are what the cluster used
/// in between.
[[nodiscard]] double PostgresCpuSeconds(const std::filesystem::path& data_directory);

/// Everything measured at one session count: stats[row][round].
struct SessionCountResult {
    int sessions = 0;
    int pgbench_threads = 0;
    std::array<std::vector<RunStats>, kRows> stats;
    std::vector<std::string> orders;  ///< Per round, the rows in the order they ran.
};

/// Prints one session count's table (medians over rounds, ratios to pgbench's tool SQL) and its
/// rounds.
void PrintSessionCount(const SessionCountResult& result, int seconds);

/// The closing table: one line per session count, and the goal (mnemo >= `goal` x pgbench).
void PrintSummary(const std::vector<SessionCountResult>& results, double goal);

}  // namespace mnemo::bench
