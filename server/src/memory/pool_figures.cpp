// SPDX-License-Identifier: MIT
// PoolFiguresOf: copies pqpool's statistics into util::PoolFigures.
#include "memory/pool_figures.hpp"

namespace mnemo::memory {

util::PoolFigures PoolFiguresOf(const pqpool::PoolStats& stats) {
    util::PoolFigures figures;
    figures.connecting = stats.connecting;
    figures.idle = stats.idle;
    figures.in_use = stats.in_use;
    figures.max_size = stats.max_size;
    figures.effective_max_size = stats.effective_max_size;
    figures.waiting = stats.waiting;
    figures.tenants.reserve(stats.tenants.size());
    for (const pqpool::TenantStats& tenant : stats.tenants) {
        figures.tenants.push_back({tenant.tenant, tenant.in_use, tenant.waiting});
    }
    figures.groups.reserve(stats.groups.size());
    for (const pqpool::GroupStats& group : stats.groups) {
        figures.groups.push_back({group.group, group.in_use, group.waiting, group.quota});
    }
    figures.acquire_wait_p50_ns = stats.acquire_wait.QuantileNs(0.5);
    figures.acquire_wait_p99_ns = stats.acquire_wait.QuantileNs(0.99);
    figures.acquires = stats.acquires;
    figures.timeouts = stats.timeouts;
    figures.overloads = stats.overloads;
    figures.connects = stats.connects;
    figures.connect_errors = stats.connect_errors;
    figures.leaks = stats.leaks;
    figures.backpressure_refusals = stats.backpressure_refusals;
    figures.budget_lowerings = stats.budget_lowerings;
    figures.evictions.reserve(pqpool::kEvictReasonCount);
    for (std::size_t i = 0; i < pqpool::kEvictReasonCount; ++i) {
        figures.evictions.emplace_back(pqpool::ToString(static_cast<pqpool::EvictReason>(i)),
                                       stats.evictions[i]);
    }
    return figures;
}

}  // namespace mnemo::memory
