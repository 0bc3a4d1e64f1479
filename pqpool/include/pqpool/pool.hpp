// SPDX-License-Identifier: MIT
// Pool: one bounded set of physical connections shared by many tenants, with fair waiting.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pqpool/connection.hpp"
#include "pqpool/error.hpp"
#include "pqpool/lease.hpp"
#include "pqpool/options.hpp"
#include "pqpool/stats.hpp"

namespace pqpool {

namespace detail {
struct Slot;
struct Waiter;
struct Histogram;
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};
}  // namespace detail

/// Completion of an async acquire: a lease or the error that ended the wait.
using AcquireCallback = std::function<void(Result<Lease>)>;
/// Identifies an async acquire for Cancel().
using AcquireTicket = std::uint64_t;

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
    struct PassKey {};

public:
    /// Creates a pool using libpq. Opens nothing until needed (or min_idle asks).
    /// Errors: kInvalidArgument (bad options or connection string).
    static Result<std::shared_ptr<Pool>> Create(PoolOptions options);
    /// Creates a pool over any connector (tests use fakes).
    static Result<std::shared_ptr<Pool>> Create(PoolOptions options,
                                                std::unique_ptr<Connector> connector);

    Pool(PassKey, PoolOptions options, std::unique_ptr<Connector> connector);
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
    /// those errors, and otherwise on the pool's janitor thread. It must not block or throw
    /// (post the work to your executor). A lease delivered to a caller that no longer wants it
    /// is simply destroyed, which returns it.
    AcquireTicket AcquireAsync(Deadline deadline, AcquireCallback callback,
                               AcquireLabel label = {});

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

    [[nodiscard]] const PoolOptions& options() const noexcept { return options_; }

private:
    friend class Lease;
    using WaiterPtr = std::shared_ptr<detail::Waiter>;
    using Graveyard = std::vector<std::unique_ptr<Connection>>;  // Closed outside the lock.
    struct GroupState {
        std::size_t leased = 0;
        std::size_t waiting = 0;
        std::size_t quota = 0;    // options_.GroupQuota(); 0 = unbounded.
        std::size_t tenants = 0;  // Active tenants pointing here; the entry goes with the last.
    };
    struct TenantState {
        std::size_t leased = 0;
        std::size_t waiting = 0;
        std::size_t quota = 0;  // options_.TenantQuota(), resolved when the entry is created.
        std::string group;      // options_.TenantGroup(), resolved likewise; "" = none.
        GroupState* group_state = nullptr;  // Stable: unordered_map nodes do not move.
    };
    /// Which level keeps a tenant from taking another lease now.
    enum class Full { kNone, kTenant, kGroup, kTenantAndGroup };
    struct Delivery;  // A grant or failure to complete outside the lock.

    void StartThreads();
    /// Runs the janitor's async completions, keeping the pool alive meanwhile.
    void RunCallbacks(std::vector<Delivery>& expired, std::vector<Delivery>& completions);
    void ConnectorLoop();
    void JanitorLoop();
    void Log(LogLevel level, std::string_view message) const;

    /// Called by Lease: resets the connection and hands it on, keeps it idle or closes it.
    void Return(detail::Slot* slot) noexcept;
    /// Checks a granted connection before hand-out; returns why to evict it, if so. With
    /// `may_ping` false a due ping is reported through `needs_ping` instead of sent.
    std::optional<EvictReason> CheckForHandOut(detail::Slot& slot, Clock::time_point now,
                                               Deadline deadline, bool may_ping, bool& needs_ping);
    /// Undoes a grant whose check failed, closes the connection and puts `waiter` (if any)
    /// back at the front of the queue, or fails it when its time is up.
    void RejectGranted(detail::Slot* slot, EvictReason reason, const WaiterPtr& waiter);
    static WaiterPtr MakeWaiter(const AcquireLabel& label, Deadline deadline,
                                Clock::time_point started);
    /// Runs async completions on this thread (after checking grants; with `may_ping` false a
    /// grant that needs a ping goes to the janitor).
    void DeliverNow(std::vector<Delivery>& deliveries, bool may_ping);
    /// Queues completions for the janitor, so that a thread returning a connection never runs
    /// other callers' callbacks (they might take locks the returning thread holds).
    void DeliverLater(std::vector<Delivery>& deliveries);
    void DeliverOne(Delivery& delivery, bool may_ping);
    void CompleteAsync(const WaiterPtr& waiter, detail::Slot* slot);
    /// Makes every connection suspect: the next hand-out of each is checked.
    void NoteDeadConnection() noexcept;

    // *Locked functions REQUIRE mu_ held.
    [[nodiscard]] bool MayLeaseLocked(std::string_view tenant) const {
        return FullLocked(tenant) == Full::kNone;
    }
    /// Which of the tenant's quota and its group's quota are reached (not the budget).
    [[nodiscard]] Full FullLocked(std::string_view tenant) const;
    [[nodiscard]] detail::Slot* PopIdleLocked();
    /// Leases `slot` to `tenant`; counts the acquire and how long it `waited`.
    void GrantLocked(detail::Slot* slot, std::string_view tenant, std::string_view label,
                     CallSite where, Clock::time_point now, Clock::duration waited);
    void UngrantLocked(detail::Slot* slot);
    void EnqueueLocked(const WaiterPtr& waiter, bool front);
    void DequeueLocked(const WaiterPtr& waiter);
    /// Matches idle connections with the oldest waiters allowed to lease (FIFO handoff).
    /// Sync waiters in `out` are woken by DeliverLater/DeliverNow, after the lock is released.
    void DispatchLocked(std::vector<Delivery>& out, Clock::time_point now);
    /// Removes the slot and moves its connection to `graveyard`; the caller must Bury() it
    /// after unlocking (until then it still counts against the budget).
    void EvictLocked(detail::Slot* slot, EvictReason reason, Graveyard& graveyard);
    /// Closes the connections (REQUIRES mu_ not held) and frees their budget.
    void Bury(Graveyard& graveyard);
    void EvictIdleLocked(EvictReason reason, std::size_t keep, Graveyard& graveyard);
    /// How many more connections the connector should open now.
    [[nodiscard]] std::size_t WantedConnectsLocked() const;
    [[nodiscard]] Millis NextBackoffLocked();
    /// Adds a new connection and hands it on; returns a line to log, if any.
    std::string AddConnectionLocked(std::unique_ptr<Connection> conn, Clock::duration took,
                                    std::vector<Delivery>& deliveries);
    /// Counts a connect failure, schedules the retry, lowers the budget on 53300; returns a
    /// line to log (at most one per backoff_max interval), if any.
    std::string RecordConnectFailureLocked(const Error& error, Clock::time_point now);
    /// Fails every waiter with `error` (a connect that retrying cannot fix, while the pool holds
    /// no connection to hand out): they learn it now instead of at their deadlines.
    void FailWaitersLocked(const Error& error, std::vector<Delivery>& deliveries);
    /// Lowers the budget after a 53300 refusal; returns the line to log, if any (see
    /// PoolOptions::backpressure_log_interval for when there is one).
    std::string RecordBackpressureLocked(const Error& error, Clock::time_point now);
    /// Whether the budget is below max_size_ after 53300 and may be probed upward.
    [[nodiscard]] bool BudgetProbePendingLocked() const;
    /// The janitor's upward probe after 53300; returns the line to log when the budget is back
    /// at max_size_.
    std::string ProbeBudgetLocked(Clock::time_point now);
    /// Counts an overload and describes it.
    [[nodiscard]] Error OverloadedErrorLocked(std::string_view tenant);
    /// Whether a caller of `tenant` may join the queue: the error (counted) when the queue
    /// (max_waiting) or the tenant's group (group_max_waiting) is full, else nullopt.
    [[nodiscard]] std::optional<Error> AdmitWaiterLocked(std::string_view tenant);
    [[nodiscard]] std::string StateTextLocked(std::string_view tenant) const;
    /// Names the level that keeps `tenant` waiting: "group 'g' quota", "tenant quota", both,
    /// or "pool budget".
    [[nodiscard]] std::string FullTextLocked(std::string_view tenant) const;
    [[nodiscard]] Error WaitErrorLocked(const detail::Waiter& waiter, Clock::time_point now) const;
    /// Fails async waiters whose deadline passed (sync waiters time out on their own).
    void ExpireAsyncWaitersLocked(Clock::time_point now, std::vector<Delivery>& out);
    void SweepIdleLocked(Clock::time_point now, Graveyard& graveyard);
    /// Marks and counts leases held past leak_threshold; returns their log lines.
    std::vector<std::string> FindLeaksLocked(Clock::time_point now);
    /// The tenant's entry, created (with its quota resolved) if absent. REQUIRES: tenant != "".
    TenantState& TenantLocked(std::string_view tenant);
    void ForgetTenantIfUnusedLocked(std::string_view tenant);

    // Constant after construction.
    const PoolOptions options_;
    const std::unique_ptr<Connector> connector_;

    mutable std::mutex mu_;
    std::condition_variable connector_cv_;  // Connector threads wait for demand.
    std::condition_variable janitor_cv_;    // The janitor waits for its next deadline.
    std::condition_variable returned_cv_;   // Close() waits for connections to close.
    // Guarded by mu_.
    std::vector<std::unique_ptr<detail::Slot>> slots_;  // Every open connection.
    std::vector<detail::Slot*> idle_;                   // LIFO: the warmest on top.
    std::list<WaiterPtr> waiters_;                      // FIFO.
    std::unordered_map<std::string, TenantState, detail::StringHash, std::equal_to<>> tenants_;
    std::unordered_map<std::string, GroupState, detail::StringHash, std::equal_to<>> groups_;
    std::vector<Delivery> completions_;  // Async completions for the janitor to run.
    bool janitor_done_ = false;
    // Recorded only inside critical sections the pool takes anyway: no extra lock, no atomics.
    PoolCounters counters_;
    std::size_t max_size_;
    std::size_t effective_max_size_;  // Lowered by 53300, probed back up slowly.
    std::size_t connecting_ = 0;
    std::size_t closing_conns_ = 0;  // Evicted, not yet closed.
    std::size_t consecutive_connect_failures_ = 0;
    Clock::time_point next_connect_at_{};
    Clock::time_point last_connect_error_logged_{};
    Clock::time_point last_budget_probe_{};
    // 53300 backpressure episode: from the first lowering until the budget is back at max_size_.
    bool budget_lowered_ = false;
    bool last_connect_refused_53300_ = false;  // Backpressure, not an unreachable server.
    Clock::time_point budget_lowered_at_{};
    Clock::time_point last_backpressure_log_{};
    std::uint64_t refusals_since_log_ = 0;
    std::string last_connect_error_;
    std::uint64_t next_ticket_ = 1;
    std::mt19937_64 rng_;
    bool closing_ = false;

    std::atomic<std::uint64_t> epoch_{0};  // Drain() generation; written under mu_.
    // Bumped whenever a connection is found dead: every connection is then checked once.
    std::atomic<std::uint64_t> suspect_epoch_{0};
    std::atomic<bool> stop_threads_{false};
    std::mutex join_mu_;  // Serialises joining threads_ in Close().
    std::vector<std::thread> threads_;
};

}  // namespace pqpool
