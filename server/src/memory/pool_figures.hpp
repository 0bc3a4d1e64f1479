// SPDX-License-Identifier: MIT
// PoolFiguresOf: a pqpool snapshot as the numbers /metrics renders (util::PoolFigures).
#pragma once

#include "pqpool/stats.hpp"
#include "util/metrics.hpp"

namespace mnemo::memory {

/// The figures of `stats`: gauges, per-tenant and per-group counts, the acquire wait's 0.5
/// and 0.99 quantiles, counters and every eviction reason by its pqpool name.
[[nodiscard]] util::PoolFigures PoolFiguresOf(const pqpool::PoolStats& stats);

}  // namespace mnemo::memory
