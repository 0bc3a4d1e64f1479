// SPDX-License-Identifier: MIT
// Pool: one bounded set of physical connections shared by many tenants, with fair waiting.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "pqpool/connection.hpp"
#include "pqpool/error.hpp"
#include "pqpool/lease.hpp"
#include "pqpool/options.hpp"
#include "pqpool/stats.hpp"

namespace pqpool {

/// Completion of an async acquire: a lease or the error that ended the wait.
using AcquireCallback = std::function<void(Result<Lease>)>;
/// Identifies an async acquire for Cancel().
using AcquireTicket = std::uint64_t;

/// Which thread runs an async acquire's callback when a returned connection completes it.
enum class CompletionThread {
    /// The pool's janitor thread: for callbacks that may take locks that code returning a
    /// connection could hold.
    kJanitor,
    /// The thread that returns the connection, in Lease::Release or ~Lease, outside the pool's
    /// lock (a connection that needs a health check first still goes to the janitor). For
    /// callbacks that only hand the lease on, e.g. post it to an executor: it saves waking the
    /// janitor, a thread hand-off per queued acquire.
    kReturning,
};

/// A call site. (std::source_location would do, but clang 14 with libstdc++ 12 lacks it, and
/// clang-tidy must parse this header.)
struct CallSite {
    /// The caller's location when used as a default argument.
    static constexpr CallSite Here(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                                   const char* function = __builtin_FUNCTION()) noexcept {
        return CallSite{file, line, function};
    }
    const char* file = "";
    int line = 0;
    const char* function = "";
};

/// Where and for whom a lease is taken: shown in leak reports and timeout errors.
/// `where` defaults to the caller's location.
struct AcquireLabel {
    AcquireLabel(std::string_view tenant_key = {}, std::string_view holder = {},  // NOLINT
                 CallSite site = CallSite::Here())
        : tenant(tenant_key), label(holder), where(site) {}

    std::string_view tenant;  ///< Tenant key; "" = untenanted (bounded by the budget only).
    std::string_view label;   ///< Holder's name, e.g. the tool name.
    CallSite where;
};

/// A pool of libpq connections to one database.
///
/// - One global budget (`max_size`) of physical connections; each tenant may hold at most
///   `tenant_max_leases` leases (or its `tenant_quotas` override), and the tenants of one group
///   (`tenant_group`) together at most `group_max_leases` (or `group_quotas`); a tenant at its
///   quota, or whose group is at its quota, waits without blocking other tenants.
/// - Waiting is first-in-first-out among the waiters that may take a connection: a returned
///   connection goes straight to the oldest one, newcomers never overtake.
/// - Callers never connect: background connector threads open connections (at most
///   `max_connecting` at once) with backoff while the database is down.
/// - Every acquire returns by its deadline (plus scheduling noise) with a lease or a typed
///   error: kTimeout (text starts "Connection pool timeout:"), kPoolOverloaded,
///   kDatabaseUnavailable, kClosed.
///
/// Thread safety: all methods may be called from any thread.
class Pool : public std::enable_shared_from_this<Pool> {
public:
    /// Creates a pool using libpq. Opens nothing until needed (or min_idle asks).
    /// Errors: kInvalidArgument (bad options or connection string).
    static Result<std::shared_ptr<Pool>> Create(PoolOptions options);
    /// Creates a pool over any connector (tests use fakes).
    static Result<std::shared_ptr<Pool>> Create(PoolOptions options,
                                                std::unique_ptr<Connector> connector);

    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;
    /// Closes the pool (see Close) and joins its threads.
    ~Pool();

    /// Waits until `deadline` for a lease. Errors: kTimeout, kPoolOverloaded,
    /// kDatabaseUnavailable, kClosed.
    Result<Lease> Acquire(Deadline deadline, AcquireLabel label = {});
    /// Acquire with the configured acquire_timeout.
    Result<Lease> Acquire(AcquireLabel label = {});

    /// Returns a lease only if one is free right now for this tenant; never waits.
    /// Errors: kPoolExhausted, kClosed.
    Result<Lease> TryAcquire(AcquireLabel label = {});

    /// Starts an acquire that completes through `callback`, exactly once, with a lease or an
    /// error (kTimeout, kPoolOverloaded, kDatabaseUnavailable, kCancelled, kClosed). The
    /// callback runs on the calling thread before AcquireAsync returns when a connection is
    /// free and needs no round trip (or the acquire fails at once), in Cancel() or Close() for
    /// those errors, and otherwise on the pool's janitor thread, or with `completion`
    /// kReturning on the thread returning the connection. It must not block or throw (post
    /// the work to your executor). A lease delivered to a caller that no longer wants it is
    /// simply destroyed, which returns it.
    AcquireTicket AcquireAsync(Deadline deadline, AcquireCallback callback, AcquireLabel label = {},
                               CompletionThread completion = CompletionThread::kJanitor);

    /// Cancels a queued async acquire; its callback gets kCancelled. Returns false when the
    /// acquire already completed (or is completing).
    bool Cancel(AcquireTicket ticket);

    /// A snapshot of gauges, counters and histograms.
    [[nodiscard]] PoolStats Stats() const;

    /// Changes the budget. Shrinking closes idle connections now and busy ones on return.
    /// REQUIRES: max_size > 0.
    void Resize(std::size_t max_size);

    /// Replaces every connection: closes idle ones now, busy ones when returned.
    void Drain();

    /// Stops accepting acquires (waiters get kClosed), closes idle connections and waits until
    /// `deadline` for leases to come back. Errors: kTimeout with the count still leased (those
    /// close when returned). Idempotent.
    Status Close(Deadline deadline);

    /// The options the pool was created with.
    [[nodiscard]] const PoolOptions& options() const noexcept;

private:
    friend class Lease;
    /// The pool's state and machinery (pqpool/src/pool_impl.hpp). Every Pool is an Impl:
    /// Create allocates the Impl, and the methods above cast `this` to it, so hiding the
    /// internals costs no allocation and no pointer hop.
    class Impl;
    Pool() = default;

    /// Called by Lease: hands the connection back (Impl::Return).
    void Return(detail::Slot* slot) noexcept;
};

}  // namespace pqpool
