// SPDX-License-Identifier: MIT
// Pool: acquire, hand-out checks, return and the FIFO dispatch between them.
#include "pqpool/pool.hpp"

#include <algorithm>
#include <string>

#include "pool_impl.hpp"
#include "pool_internal.hpp"

namespace pqpool {

using detail::ClosedError;
using detail::Slot;
using detail::TenantName;
using detail::Waiter;

namespace {

long long MillisBetween(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration_cast<Millis>(to - from).count();
}

}  // namespace

// --- The API: each method is the Impl's (same translation unit, so it inlines) ------------

Result<std::shared_ptr<Pool>> Pool::Create(PoolOptions options) {
    if (Status valid = options.Validate(); !valid.ok()) return valid.error();
    auto connector = MakePgConnector(options);
    if (!connector.ok()) return std::move(connector).error();
    return Create(std::move(options), std::move(connector).value());
}

Result<std::shared_ptr<Pool>> Pool::Create(PoolOptions options,
                                           std::unique_ptr<Connector> connector) {
    if (Status valid = options.Validate(); !valid.ok()) return valid.error();
    PQPOOL_CHECK(connector != nullptr);
    std::shared_ptr<Impl> pool(new Impl(std::move(options), std::move(connector)), Impl::Deleter{});
    pool->StartThreads();
    return std::shared_ptr<Pool>(std::move(pool));
}

Pool::~Pool() = default;  // ~Impl closed the pool and joined its threads.

Result<Lease> Pool::Acquire(Deadline deadline, AcquireLabel label) {
    return Impl::Of(*this).Acquire(deadline, label);
}

Result<Lease> Pool::Acquire(AcquireLabel label) {
    Impl& impl = Impl::Of(*this);
    return impl.Acquire(Clock::now() + impl.options().acquire_timeout, label);
}

Result<Lease> Pool::TryAcquire(AcquireLabel label) { return Impl::Of(*this).TryAcquire(label); }

void Pool::Return(Slot* slot) noexcept { Impl::Of(*this).Return(slot); }

const PoolOptions& Pool::options() const noexcept { return Impl::Of(*this).options(); }

// --- Impl -----------------------------------------------------------------------------------

Pool::Impl::Impl(PoolOptions options, std::unique_ptr<Connector> connector)
    : options_(std::move(options)),
      connector_(std::move(connector)),
      max_size_(options_.max_size),
      effective_max_size_(options_.max_size),
      rng_(std::random_device{}()) {}

Pool::Impl::~Impl() { (void)Close(Clock::now()); }

void Pool::Impl::Deleter::operator()(Impl* impl) const {
    if (impl->OnOwnThread()) {
        std::thread([impl] { delete impl; }).detach();
    } else {
        delete impl;
    }
}

bool Pool::Impl::OnOwnThread() const {
    const auto self = std::this_thread::get_id();
    return std::find(thread_ids_.begin(), thread_ids_.end(), self) != thread_ids_.end();
}

void Pool::Impl::Log(LogLevel level, std::string_view message) const {
    options_.logger(level, "pool '" + options_.name + "': " + std::string(message));
}

// --- Locked helpers -------------------------------------------------------------------------

Slot* Pool::Impl::PopIdleLocked() {
    Slot* slot = idle_.back();
    idle_.pop_back();
    return slot;
}

void Pool::Impl::GrantLocked(Slot* slot, std::string_view tenant, std::string_view label,
                             CallSite where, Clock::time_point now, Clock::duration waited) {
    ++counters_.acquires;
    detail::Record(counters_.acquire_wait, waited);
    slot->leased = true;
    slot->leased_at = now;
    slot->conn->leased_ = true;
    slot->tenant.assign(tenant);
    if (!tenant.empty()) {
        TenantState& state = TenantLocked(tenant);
        ++state.leased;
        if (state.group_state != nullptr) ++state.group_state->leased;
    }
    if (options_.leak_threshold.count() > 0) {
        slot->label.assign(label);
        slot->where = where;
    }
}

void Pool::Impl::UngrantLocked(Slot* slot) {
    slot->leased = false;
    slot->conn->leased_ = false;
    slot->leak_reported = false;
    if (!slot->tenant.empty()) {
        TenantState& state = TenantLocked(slot->tenant);
        --state.leased;
        if (state.group_state != nullptr) --state.group_state->leased;
        ForgetTenantIfUnusedLocked(slot->tenant);
    }
}

void Pool::Impl::EnqueueLocked(const WaiterPtr& waiter, bool front) {
    waiter->position = waiters_.insert(front ? waiters_.begin() : waiters_.end(), waiter);
    waiter->queued = true;
    if (!waiter->tenant.empty()) {
        TenantState& state = TenantLocked(waiter->tenant);
        ++state.waiting;
        if (state.group_state != nullptr) ++state.group_state->waiting;
    }
}

void Pool::Impl::DequeueLocked(const WaiterPtr& waiter) {
    if (!waiter->queued) return;
    waiters_.erase(waiter->position);
    waiter->queued = false;
    if (!waiter->tenant.empty()) {
        TenantState& state = TenantLocked(waiter->tenant);
        --state.waiting;
        if (state.group_state != nullptr) --state.group_state->waiting;
        ForgetTenantIfUnusedLocked(waiter->tenant);
    }
}

void Pool::Impl::DispatchLocked(std::vector<Delivery>& out, Clock::time_point now) {
    while (!idle_.empty() && !waiters_.empty()) {
        // The oldest waiter whose tenant and group are below their quotas; others keep their
        // place without blocking the waiters behind them.
        auto it = std::find_if(waiters_.begin(), waiters_.end(),
                               [this](const WaiterPtr& w) { return MayLeaseLocked(w->tenant); });
        if (it == waiters_.end()) return;
        WaiterPtr waiter = *it;
        DequeueLocked(waiter);
        Slot* slot = PopIdleLocked();
        GrantLocked(slot, waiter->tenant, waiter->label, waiter->where, now, now - waiter->started);
        waiter->granted = slot;
        // Sync waiters are woken after the lock is released, so they do not wake into it.
        out.push_back(Delivery{waiter, slot, std::nullopt});
    }
}

void Pool::Impl::EvictLocked(Slot* slot, EvictReason reason, Graveyard& graveyard) {
    ++counters_.evictions[static_cast<std::size_t>(reason)];
    auto it = std::find_if(slots_.begin(), slots_.end(),
                           [slot](const std::unique_ptr<Slot>& s) { return s.get() == slot; });
    PQPOOL_CHECK(it != slots_.end());
    graveyard.push_back(std::move((*it)->conn));
    ++closing_conns_;
    *it = std::move(slots_.back());
    slots_.pop_back();
    returned_cv_.notify_all();
}

std::size_t Pool::Impl::WantedConnectsLocked() const {
    if (closing_) return 0;
    // Connections being closed still count: the server has not seen them go yet.
    const std::size_t open = slots_.size() + connecting_ + closing_conns_;
    if (open >= effective_max_size_) return 0;
    const auto eligible = static_cast<std::size_t>(
        std::count_if(waiters_.begin(), waiters_.end(),
                      [this](const WaiterPtr& w) { return MayLeaseLocked(w->tenant); }));
    // Connects already in flight will serve the first waiters (creation elision).
    std::size_t demand = eligible > connecting_ ? eligible - connecting_ : 0;
    if (open < options_.min_idle) demand = std::max(demand, options_.min_idle - open);
    return std::min(demand, effective_max_size_ - open);
}

Error Pool::Impl::WaitErrorLocked(const Waiter& waiter, Clock::time_point now) const {
    const long long waited = MillisBetween(waiter.started, now);
    // Below both the tenant quota and the budget, the wait was for a new connection: the
    // database, not the pool, is the problem (also in the instant between one connect's
    // success and the next one's start, when nothing is connecting and nothing has failed).
    const bool waited_for_connect =
        MayLeaseLocked(waiter.tenant) && slots_.size() < effective_max_size_;
    if (waited_for_connect) {
        std::string message = "Database unavailable: tenant " + TenantName(waiter.tenant) +
                              " waited " + std::to_string(waited) + " ms for a new connection (" +
                              StateTextLocked(waiter.tenant) + "); ";
        if (consecutive_connect_failures_ > 0) {
            message +=
                std::to_string(consecutive_connect_failures_) +
                " connect attempts failed in a row; last connect error: " + last_connect_error_;
        } else if (connecting_ > 0) {
            message += "the server has not answered the connect yet";
        } else {
            message += "the next connect had not started yet";
        }
        return Error(ErrorCode::kDatabaseUnavailable, std::move(message));
    }
    std::string message = "Connection pool timeout: tenant " + TenantName(waiter.tenant) +
                          " waited " + std::to_string(waited) +
                          " ms; full: " + FullTextLocked(waiter.tenant) + " (" +
                          StateTextLocked(waiter.tenant) + ")";
    if (!last_connect_error_.empty()) message += "; last connect error: " + last_connect_error_;
    return Error(ErrorCode::kTimeout, std::move(message));
}

void Pool::Impl::Bury(Graveyard& graveyard) {
    if (graveyard.empty()) return;
    const std::size_t closed = graveyard.size();
    graveyard.clear();  // PQfinish, outside the lock.
    std::lock_guard lock(mu_);
    closing_conns_ -= closed;
    if (WantedConnectsLocked() > 0) connector_cv_.notify_one();
}

// --- Hand-out checks ------------------------------------------------------------------------

void Pool::Impl::NoteDeadConnection() noexcept {
    suspect_epoch_.fetch_add(1, std::memory_order_relaxed);
}

std::optional<EvictReason> Pool::Impl::CheckForHandOut(Slot& slot, Clock::time_point now,
                                                       Deadline deadline, bool may_ping,
                                                       bool& needs_ping) {
    needs_ping = false;
    Connection& conn = *slot.conn;
    if (conn.broken()) return EvictReason::kBroken;
    // Field reads only: never hand out a connection that is not idle.
    if (conn.transaction_state() != TxState::kIdle) return EvictReason::kFailedCheck;
    if (now >= slot.expires) return EvictReason::kLifetime;
    if (slot.epoch != epoch_.load(std::memory_order_relaxed)) return EvictReason::kDrain;
    const std::uint64_t suspect_epoch = suspect_epoch_.load(std::memory_order_relaxed);
    if (now - slot.last_used < options_.alive_bypass && slot.suspect_epoch == suspect_epoch) {
        return std::nullopt;
    }
    if (!conn.CheckSocket()) return EvictReason::kFailedCheck;
    slot.suspect_epoch = suspect_epoch;
    if (now - slot.last_used < options_.ping_after) return std::nullopt;
    // A ping needs time; with almost none left, the socket check has to do.
    const Deadline ping_deadline = std::min(deadline, now + options_.check_timeout);
    if (ping_deadline - now < Millis(20)) return std::nullopt;
    if (!may_ping) {
        needs_ping = true;
        return std::nullopt;
    }
    if (!conn.Ping(ping_deadline).ok()) return EvictReason::kFailedCheck;
    return std::nullopt;
}

void Pool::Impl::RejectGranted(Slot* slot, EvictReason reason, const WaiterPtr& waiter) {
    Graveyard graveyard;
    std::vector<Delivery> deliveries;
    {
        std::lock_guard lock(mu_);
        const auto now = Clock::now();
        --counters_.acquires;  // The grant did not become a lease.
        UngrantLocked(slot);
        EvictLocked(slot, reason, graveyard);
        if (reason == EvictReason::kFailedCheck) NoteDeadConnection();
        if (waiter != nullptr) {
            waiter->granted = nullptr;
            if (closing_) {
                waiter->failure = ClosedError();
            } else if (now >= waiter->deadline) {
                ++counters_.timeouts;
                waiter->failure = WaitErrorLocked(*waiter, now);
            } else {
                EnqueueLocked(waiter, /*front=*/true);  // It keeps its turn.
            }
            if (waiter->failure && waiter->callback) {
                deliveries.push_back(Delivery{waiter, nullptr, waiter->failure});
            }
        }
        DispatchLocked(deliveries, now);
        if (WantedConnectsLocked() > 0) connector_cv_.notify_one();
    }
    Bury(graveyard);
    DeliverLater(deliveries);
}

// --- Acquire --------------------------------------------------------------------------------

Pool::Impl::WaiterPtr Pool::Impl::MakeWaiter(const AcquireLabel& label, Deadline deadline,
                                             Clock::time_point started) {
    auto waiter = std::make_shared<Waiter>();
    waiter->tenant.assign(label.tenant);
    waiter->label.assign(label.label);
    waiter->where = label.where;
    waiter->deadline = deadline;
    waiter->started = started;
    return waiter;
}

Result<Lease> Pool::Impl::Acquire(Deadline deadline, const AcquireLabel& label) {
    const auto started = Clock::now();
    WaiterPtr waiter;
    for (;;) {
        Slot* slot = nullptr;
        {
            std::unique_lock lock(mu_);
            if (closing_) return ClosedError();
            if (waiter == nullptr && !idle_.empty() && MayLeaseLocked(label.tenant)) {
                // Invariant: no waiter that may lease exists while connections are idle, so
                // taking one here never overtakes anybody.
                slot = PopIdleLocked();
                GrantLocked(slot, label.tenant, label.label, label.where, started, {});
            } else {
                if (waiter == nullptr) {
                    if (auto refused = AdmitWaiterLocked(label.tenant)) return *refused;
                    waiter = MakeWaiter(label, deadline, started);
                    EnqueueLocked(waiter, /*front=*/false);
                    if (WantedConnectsLocked() > 0) connector_cv_.notify_one();
                }
                while (waiter->granted == nullptr && !waiter->failure) {
                    if (waiter->cv.wait_until(lock, deadline) == std::cv_status::timeout &&
                        waiter->granted == nullptr && !waiter->failure) {
                        DequeueLocked(waiter);
                        ++counters_.timeouts;
                        return WaitErrorLocked(*waiter, Clock::now());
                    }
                }
                if (waiter->failure) return *waiter->failure;
                slot = waiter->granted;
            }
        }
        // The grant time stands in for "now": one clock read less per acquire.
        bool needs_ping = false;
        const auto rejected =
            CheckForHandOut(*slot, slot->leased_at, deadline, /*may_ping=*/true, needs_ping);
        if (!rejected) return Lease(shared_from_this(), slot);
        if (waiter == nullptr) {
            // Took an idle one on the fast path; from now on wait in line at the front.
            waiter = MakeWaiter(label, deadline, started);
        }
        RejectGranted(slot, *rejected, waiter);
    }
}

Result<Lease> Pool::Impl::TryAcquire(const AcquireLabel& label) {
    const auto started = Clock::now();
    for (;;) {
        Slot* slot = nullptr;
        {
            std::lock_guard lock(mu_);
            if (closing_) return ClosedError();
            if (idle_.empty() || !MayLeaseLocked(label.tenant)) {
                ++counters_.exhausted;
                return Error(ErrorCode::kPoolExhausted, "no free connection for tenant " +
                                                            TenantName(label.tenant) + " (" +
                                                            StateTextLocked(label.tenant) + ")");
            }
            slot = PopIdleLocked();
            GrantLocked(slot, label.tenant, label.label, label.where, started, {});
        }
        bool needs_ping = false;  // A ping would wait; the socket check stands in for it.
        const auto rejected =
            CheckForHandOut(*slot, started, Deadline::max(), /*may_ping=*/false, needs_ping);
        if (!rejected) return Lease(shared_from_this(), slot);
        RejectGranted(slot, *rejected, nullptr);
    }
}

// --- Return ---------------------------------------------------------------------------------

void Pool::Impl::Return(Slot* slot) noexcept {
    const auto now = Clock::now();
    Connection& conn = *slot->conn;
    // The holder's thread pays for its own dirty transaction, outside the lock.
    std::optional<EvictReason> reason;
    if (conn.broken()) {
        reason = EvictReason::kBroken;
    } else {
        switch (conn.transaction_state()) {
            case TxState::kIdle: break;
            case TxState::kInTransaction:
            case TxState::kInError:
                if (!conn.Execute("ROLLBACK", {}, now + options_.check_timeout).ok() ||
                    conn.transaction_state() != TxState::kIdle) {
                    reason = EvictReason::kDirty;
                }
                break;
            case TxState::kActive: reason = EvictReason::kDirty; break;  // Mid-query: drop.
            case TxState::kUnknown: reason = EvictReason::kBroken; break;
        }
    }
    if (!reason && now >= slot->expires) reason = EvictReason::kLifetime;

    Graveyard graveyard;
    std::vector<Delivery> deliveries;
    std::string unleaked;  // Log line for a lease that was reported as leaked.
    {
        std::lock_guard lock(mu_);
        if (slot->leak_reported) {
            unleaked = "previously reported leaked lease returned after " +
                       std::to_string(MillisBetween(slot->leased_at, now)) + " ms (holder '" +
                       slot->label + "')";
        }
        detail::Record(counters_.hold_time, now - slot->leased_at);
        UngrantLocked(slot);
        slot->last_used = now;
        if (!reason && closing_) reason = EvictReason::kClose;
        if (!reason && slot->epoch != epoch_.load(std::memory_order_relaxed)) {
            reason = EvictReason::kDrain;
        }
        if (!reason && slots_.size() > effective_max_size_) reason = EvictReason::kResize;
        if (reason) {
            if (reason == EvictReason::kBroken) NoteDeadConnection();
            EvictLocked(slot, *reason, graveyard);
        } else {
            idle_.push_back(slot);
        }
        DispatchLocked(deliveries, now);
        if (WantedConnectsLocked() > 0) connector_cv_.notify_one();
    }
    if (!unleaked.empty()) Log(LogLevel::kWarning, unleaked);
    Bury(graveyard);
    DeliverReturned(deliveries);
}

}  // namespace pqpool
