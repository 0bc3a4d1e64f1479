// SPDX-License-Identifier: MIT
// PoolStats: a snapshot of a pool's gauges, counters and latency histograms.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pqpool {

/// Why a connection was closed by the pool.
enum class EvictReason {
    kBroken,       ///< Lost, or an evicting SQLSTATE (08xxx, 57P0x, 25006, 0A000).
    kFailedCheck,  ///< Failed the socket check or the ping at hand-out.
    kDirty,        ///< Returned mid-query, or its ROLLBACK failed.
    kLifetime,     ///< Reached max_lifetime.
    kIdleTimeout,  ///< Idle longer than idle_timeout above min_idle.
    kDrain,        ///< Drain() asked for fresh connections.
    kResize,       ///< Above the budget after Resize() or after 53300 backpressure.
    kClose,        ///< The pool closed.
};
inline constexpr std::size_t kEvictReasonCount = 8;
[[nodiscard]] std::string_view ToString(EvictReason reason) noexcept;

/// Log2 histogram of durations in nanoseconds: bucket i holds [2^i, 2^(i+1)) ns.
struct HistogramSnapshot {
    static constexpr std::size_t kBuckets = 48;
    std::array<std::uint64_t, kBuckets> buckets{};
    std::uint64_t count = 0;
    std::uint64_t sum_ns = 0;

    /// Upper bound of the bucket holding quantile q (0 < q <= 1), in ns; 0 when empty.
    [[nodiscard]] std::uint64_t QuantileNs(double q) const noexcept;
    [[nodiscard]] double MeanNs() const noexcept {
        return count == 0 ? 0.0 : static_cast<double>(sum_ns) / static_cast<double>(count);
    }
};

struct TenantStats {
    std::string tenant;
    std::size_t in_use = 0;
    std::size_t waiting = 0;
};

/// One group of tenants (PoolOptions::tenant_group) with leases or waiters.
struct GroupStats {
    std::string group;
    std::size_t in_use = 0;
    std::size_t waiting = 0;
    std::size_t quota = 0;  ///< 0 = unbounded.
};

/// What a pool counts since creation.
struct PoolCounters {
    std::uint64_t acquires = 0;  ///< Leases handed out.
    std::uint64_t timeouts = 0;
    std::uint64_t overloads = 0;
    std::uint64_t exhausted = 0;  ///< TryAcquire misses.
    std::uint64_t cancelled = 0;
    std::uint64_t connects = 0;
    std::uint64_t connect_errors = 0;
    std::uint64_t leaks = 0;  ///< Leases held past leak_threshold.
    /// Connects the server refused with SQLSTATE 53300 (too many clients).
    std::uint64_t backpressure_refusals = 0;
    /// Times the budget was lowered from `max_size` after 53300 (each one warning line).
    std::uint64_t budget_lowerings = 0;
    std::array<std::uint64_t, kEvictReasonCount> evictions{};

    HistogramSnapshot acquire_wait;  ///< From the acquire call until a connection was assigned.
    HistogramSnapshot hold_time;     ///< How long leases were held.
    HistogramSnapshot connect_time;  ///< Time to open a connection (successful ones).

    [[nodiscard]] std::uint64_t evicted(EvictReason reason) const noexcept {
        return evictions[static_cast<std::size_t>(reason)];
    }
};

/// Everything a pool reports: gauges now and counters since creation, one consistent snapshot.
struct PoolStats : PoolCounters {
    std::size_t total = 0;  ///< Open physical connections (idle + in use).
    std::size_t idle = 0;
    std::size_t in_use = 0;
    std::size_t waiting = 0;             ///< Queued acquires.
    std::size_t connecting = 0;          ///< Connects in flight.
    std::size_t max_size = 0;            ///< Configured budget.
    std::size_t effective_max_size = 0;  ///< Budget after 53300 backpressure.
    std::vector<TenantStats> tenants;    ///< Tenants with leases or waiters, by name.
    std::vector<GroupStats> groups;      ///< Groups with leases or waiters, by name.
};

}  // namespace pqpool
