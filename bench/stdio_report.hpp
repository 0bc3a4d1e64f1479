// SPDX-License-Identifier: MIT
// mnemo_stdio_bench: interleaved rounds over the variants, and the tables they print.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "stdio_variants.hpp"

namespace mnemo::bench {

/// A variant and its labels. The report expects this order: raw libpq first (the baseline),
/// then the Store, mnemo's dispatcher in process, mnemo over stdio (log warning), and
/// optionally mnemo over stdio with log info.
struct NamedVariant {
    std::string name;        ///< Row label.
    std::string short_name;  ///< Column label in the per-round table.
    std::unique_ptr<Variant> variant;
};

inline constexpr std::size_t kRaw = 0;
inline constexpr std::size_t kStore = 1;
inline constexpr std::size_t kDispatch = 2;
inline constexpr std::size_t kStdio = 3;
inline constexpr std::size_t kStdioInfo = 4;

enum class Operation { kLock, kRecall };
inline constexpr std::array<Operation, 2> kOperations{Operation::kLock, Operation::kRecall};

/// One variant's figures for one operation in one round.
struct BlockStats {
    double p50_ns = 0;
    double p99_ns = 0;
    double max_ns = 0;
    double mean_ns = 0;
    double calls_per_s = 0;  ///< 1 / mean latency (one call at a time).
    double cpu_ns = 0;       ///< Mean CPU time of this process's calling thread per call.
};

/// stats[operation][variant][round].
struct Measurements {
    std::array<std::vector<std::vector<BlockStats>>, 2> stats;
    /// Per variant: CPU seconds (user, system) its mnemo child used during the rounds (both
    /// operations); nullopt for in-process variants.
    std::vector<std::optional<std::pair<double, double>>> child_cpu;
};

/// How calls are spaced and ordered. `generator` shuffles the variants' order for every call
/// (fixed seed: the same orders every run). `max_pause`: an untimed pause before every call,
/// uniform in [0, max_pause] (none by default). With durable commits every call waits for a
/// WAL flush, and on this VM flushes complete on a coarse grid (~4 ms): back-to-back calls of
/// fixed length then fall into fixed phases of that grid, and one variant can take a grid step
/// more than another in every round for that reason alone. A random pause breaks the
/// lock-step.
struct Pacing {
    std::chrono::microseconds max_pause{0};
    std::mt19937_64 generator{20261127};

    void Pause();
};

/// Warms every variant up (`warmup` calls of each operation), then runs `rounds` rounds. In
/// a round, for each operation, every variant makes `calls` calls, one call at a time (like
/// an assistant), the variants interleaved call by call in random order, so drift in the
/// machine's speed and the growing tables hit all of them alike.
[[nodiscard]] Measurements RunRounds(std::vector<NamedVariant>& variants, int rounds, int calls,
                                     int warmup, Pacing& pacing);

/// Prints, per operation: medians over rounds with mnemo / raw ratios and the goal (mnemo adds
/// at most 30 % over the raw statements), the split of the added time by layer, and every
/// round's figures.
void PrintReport(const std::vector<NamedVariant>& variants, const Measurements& measured,
                 int rounds, int calls);

}  // namespace mnemo::bench
