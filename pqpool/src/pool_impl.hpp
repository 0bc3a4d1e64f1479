// SPDX-License-Identifier: MIT
// Pool::Impl: the pool's state and machinery, hidden from pqpool/pool.hpp. Internal: not
// installed, not part of the API.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
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

#include "pool_internal.hpp"
#include "pqpool/pool.hpp"

namespace pqpool {

/// Every Pool is one of these: Pool::Create makes an Impl and Pool's methods cast `this` down
/// to it, so the API costs no pointer hop. The methods of the API keep their contracts from
/// pool.hpp.
class Pool::Impl final : public Pool {
public:
    Impl(PoolOptions options, std::unique_ptr<Connector> connector);
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    /// Closes the pool (see Close) and joins its threads, before the members go.
    ~Impl();

    /// The Impl that `pool` is (every Pool is one).
    static Impl& Of(Pool& pool) noexcept { return static_cast<Impl&>(pool); }
    static const Impl& Of(const Pool& pool) noexcept { return static_cast<const Impl&>(pool); }

    /// Deletes an Impl for Pool::Create's shared_ptr. The last reference can drop on one of
    /// the pool's own threads (a lease released in an async callback the janitor runs, or the
    /// janitor's own hold during a tick): that thread cannot join itself, so the pool is then
    /// destroyed on a new detached thread, which joins it.
    struct Deleter {
        void operator()(Impl* impl) const;
    };

    void StartThreads();

    Result<Lease> Acquire(Deadline deadline, const AcquireLabel& label);
    Result<Lease> TryAcquire(const AcquireLabel& label);
    AcquireTicket AcquireAsync(Deadline deadline, AcquireCallback callback,
                               const AcquireLabel& label, CompletionThread completion);
    bool Cancel(AcquireTicket ticket);
    [[nodiscard]] PoolStats Stats() const;
    void Resize(std::size_t max_size);
    void Drain();
    Status Close(Deadline deadline);
    [[nodiscard]] const PoolOptions& options() const noexcept { return options_; }

    /// Called by Lease: resets the connection and hands it on, keeps it idle or closes it.
    void Return(detail::Slot* slot) noexcept;

private:
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
    /// A grant (slot set) or a failure (error set) to complete outside the lock.
    struct Delivery {
        WaiterPtr waiter;
        detail::Slot* slot = nullptr;
        std::optional<Error> error;
    };

    /// Whether the calling thread is one of the pool's connector or janitor threads.
    [[nodiscard]] bool OnOwnThread() const;
    void ConnectorLoop();
    void JanitorLoop();
    void Log(LogLevel level, std::string_view message) const;

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
    /// Deliveries made by a returned connection: callbacks that asked for kReturning run here
    /// (DeliverNow without pings), the rest go through DeliverLater.
    void DeliverReturned(std::vector<Delivery>& deliveries);
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
    // When the waiting janitor wakes by itself; min() while it runs (it then reads the queue
    // again before it waits, so a new waiter's deadline needs no wake-up).
    Clock::time_point janitor_wakes_at_ = Clock::time_point::min();
    std::condition_variable returned_cv_;  // Close() waits for connections to close.
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
    std::vector<std::thread::id> thread_ids_;  // threads_' ids; set before Create returns.
};

}  // namespace pqpool
