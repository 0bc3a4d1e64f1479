// SPDX-License-Identifier: MIT
// Private bookkeeping of Pool: slots (one per physical connection), waiters and counters.
#pragma once

#include <array>
#include <bit>
#include <condition_variable>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "pqpool/pool.hpp"

namespace pqpool::detail {

/// Lets the tenant and group maps be searched by string_view.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

/// One physical connection and its pool-side state. Guarded by Pool::mu_, except that the
/// lease holder (or the thread checking it for hand-out) owns `conn` while it is leased.
struct Slot {
    std::unique_ptr<Connection> conn;
    Clock::time_point expires{};    // Opened + max_lifetime - jitter; fixed at birth.
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
    CompletionThread completion = CompletionThread::kJanitor;
    AcquireTicket ticket = 0;
    std::condition_variable cv;
    Slot* granted = nullptr;
    std::optional<Error> failure;
    std::list<std::shared_ptr<Waiter>>::iterator position;
    bool queued = false;
};

/// "'key'" for a tenant or group key in messages, "(untenanted)" for "".
inline std::string TenantName(std::string_view tenant) {
    if (tenant.empty()) return "(untenanted)";
    // Appended piecewise: `"'" + std::string(...) + "'"` trips g++ 12's -Wrestrict at -O3.
    std::string name(1, '\'');
    name.append(tenant).push_back('\'');
    return name;
}

inline Error ClosedError() { return Error(ErrorCode::kClosed, "connection pool is closed"); }

/// Adds one duration to a log2 histogram.
inline void Record(HistogramSnapshot& histogram, Clock::duration duration) noexcept {
    const auto ns = static_cast<std::uint64_t>(
        std::max<std::int64_t>(0, std::chrono::nanoseconds(duration).count()));
    const std::size_t bucket =
        std::min<std::size_t>(ns == 0 ? 0 : static_cast<std::size_t>(std::bit_width(ns) - 1),
                              HistogramSnapshot::kBuckets - 1);
    ++histogram.buckets[bucket];
    ++histogram.count;
    histogram.sum_ns += ns;
}

}  // namespace pqpool::detail
