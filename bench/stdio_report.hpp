// SPDX-License-Identifier: MIT
// mnemo_stdio_bench: interleaved rounds over the variants, and the tables they print.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "stdio_variants.hpp"

namespace mnemo::bench {

/// A variant and its labels. The report expects this order: raw libpq first (the baseline),
/// then the Store, then mnemo over stdio (log warning), then optionally mnemo with log info.
struct NamedVariant {
    std::string name;        ///< Row label.
    std::string short_name;  ///< Column label in the per-round table.
    std::unique_ptr<Variant> variant;
};

inline constexpr std::size_t kRaw = 0;
inline constexpr std::size_t kStore = 1;
inline constexpr std::size_t kStdio = 2;
inline constexpr std::size_t kStdioInfo = 3;

enum class Operation { kLock, kRecall };
inline constexpr std::array<Operation, 2> kOperations{Operation::kLock, Operation::kRecall};

/// One variant's figures for one operation in one round.
struct BlockStats {
    double p50_ns = 0;
    double p99_ns = 0;
    double mean_ns = 0;
    double calls_per_s = 0;  ///< Calls / wall time of the block (one call at a time).
};

/// stats[operation][variant][round], and which variant went first in each round.
struct Measurements {
    std::array<std::vector<std::vector<BlockStats>>, 2> stats;
    std::vector<std::size_t> first;
};

/// Warms every variant up (`warmup` calls of each operation), then runs `rounds` rounds. In
/// a round, for each operation, every variant runs `calls` calls back to back (one at a time,
/// like an assistant), in an order rotated by one each round (round r starts with variant
/// r mod V), so drift in the machine's speed and the growing tables hit all of them alike.
[[nodiscard]] Measurements RunRounds(std::vector<NamedVariant>& variants, int rounds, int calls,
                                     int warmup);

/// Prints, per operation: medians over rounds with mnemo / raw ratios and the goal (mnemo adds
/// at most 30 % over the raw statements), the split of the added time by layer, and every
/// round's figures.
void PrintReport(const std::vector<NamedVariant>& variants, const Measurements& measured,
                 int rounds, int calls);

}  // namespace mnemo::bench
