// SPDX-License-Identifier: MIT
// The pqpool_bench sections; each prints its own table(s) to stdout.
#pragma once

#include <cstddef>
#include <memory>

#include <pqpool/pool.hpp>

#include "bench_util.hpp"

namespace pqpool::bench {

/// (a) Uncontended acquire+release with fake connections vs a locked free list.
void RunUncontended(const BenchConfig& config);
/// (b) 32 threads on 16 fake connections: throughput and acquire-wait quantiles.
void RunContended(const BenchConfig& config);
/// (c) SELECT 1 through the pool vs raw libpq, Unix socket and TCP; hand-out check cost.
void RunPgOverhead(const BenchConfig& config);
/// (d) N threads doing acquire / SELECT 1 / release: pqpool vs the Python pools.
void RunPythonComparison(const BenchConfig& config);

/// Options shared by the benchmark pools: warnings and errors only on stderr.
[[nodiscard]] PoolOptions BenchPoolOptions(std::string conninfo, std::size_t max_size);

/// Waits until `pool` has `count` idle connections (or gives up after 10 s; returns false).
[[nodiscard]] bool WaitForIdle(Pool& pool, std::size_t count);

}  // namespace pqpool::bench
