// SPDX-License-Identifier: MIT
// Private bookkeeping of Pool: slots (one per physical connection), waiters and counters.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <condition_variable>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "pqpool/pool.hpp"

namespace pqpool::detail {

/// One physical connection and its pool-side state. Guarded by Pool::mu_, except that the
/// lease holder (or the thread checking it for hand-out) owns `conn` while it is leased.
struct Slot {
    std::unique_ptr<Connection> conn;
    Clock::time_point created{};
    Clock::time_point expires{};    // created + max_lifetime - jitter; fixed at birth.
    Clock::time_point last_used{};  // When it last came back (or was opened).
    Clock::time_point leased_at{};
    std::uint64_t epoch = 0;          // Pool::epoch_ at birth; older ones are drained.
    std::uint64_t suspect_epoch = 0;  // Pool::suspect_epoch_ when last known alive.
    std::string tenant;               // The holder's tenant while leased.
    bool leased = false;
    // Leak detection; filled only when leak_threshold > 0.
    std::string label;
    CallSite where;
    bool leak_reported = false;
};

/// One queued acquire. Sync waiters sleep on `cv`; async ones carry a callback.
struct Waiter {
    std::string tenant;
    std::string label;
    CallSite where;
    Deadline deadline{};
    Clock::time_point started{};
    AcquireCallback callback;  // Empty for a blocking Acquire.
    AcquireTicket ticket = 0;
    std::condition_variable cv;
    Slot* granted = nullptr;
    std::optional<Error> failure;
    std::list<std::shared_ptr<Waiter>>::iterator position;
    bool queued = false;
};

inline Error ClosedError() { return Error(ErrorCode::kClosed, "connection pool is closed"); }

/// Lock-free log2 histogram of durations.
struct Histogram {
    std::array<std::atomic<std::uint64_t>, HistogramSnapshot::kBuckets> buckets{};
    std::atomic<std::uint64_t> sum_ns{0};

    void Record(Clock::duration duration) noexcept {
        const auto ns = static_cast<std::uint64_t>(
            std::max<std::int64_t>(0, std::chrono::nanoseconds(duration).count()));
        const std::size_t bucket =
            std::min<std::size_t>(ns == 0 ? 0 : static_cast<std::size_t>(std::bit_width(ns) - 1),
                                  HistogramSnapshot::kBuckets - 1);
        buckets[bucket].fetch_add(1, std::memory_order_relaxed);
        sum_ns.fetch_add(ns, std::memory_order_relaxed);
    }

    [[nodiscard]] HistogramSnapshot Snapshot() const noexcept {
        HistogramSnapshot snapshot;
        for (std::size_t i = 0; i < buckets.size(); ++i) {
            snapshot.buckets[i] = buckets[i].load(std::memory_order_relaxed);
            snapshot.count += snapshot.buckets[i];
        }
        snapshot.sum_ns = sum_ns.load(std::memory_order_relaxed);
        return snapshot;
    }
};

}  // namespace pqpool::detail

namespace pqpool {

/// Pool counters; relaxed atomics so the hot path takes no extra lock for them.
struct Pool::Counters {
    std::atomic<std::uint64_t> acquires{0};
    std::atomic<std::uint64_t> timeouts{0};
    std::atomic<std::uint64_t> overloads{0};
    std::atomic<std::uint64_t> exhausted{0};
    std::atomic<std::uint64_t> cancelled{0};
    std::atomic<std::uint64_t> connects{0};
    std::atomic<std::uint64_t> connect_errors{0};
    std::atomic<std::uint64_t> leaks{0};
    std::array<std::atomic<std::uint64_t>, kEvictReasonCount> evictions{};
    detail::Histogram acquire_wait;
    detail::Histogram hold_time;
    detail::Histogram connect_time;

    static void Bump(std::atomic<std::uint64_t>& counter) noexcept {
        counter.fetch_add(1, std::memory_order_relaxed);
    }
};

/// A grant (slot set) or a failure (error set) to complete outside the lock.
struct Pool::Delivery {
    WaiterPtr waiter;
    detail::Slot* slot = nullptr;
    std::optional<Error> error;
};

}  // namespace pqpool
