// SPDX-License-Identifier: MIT
// Pool background work (connector threads, janitor) and runtime control (stats, resize,
// drain, close).
#include <algorithm>
#include <string>
#include <utility>

#include "pool_impl.hpp"
#include "pool_internal.hpp"
#include "pqpool/pool.hpp"

namespace pqpool {

using detail::Slot;

void Pool::Impl::StartThreads() {
    for (std::size_t i = 0; i < options_.max_connecting; ++i) {
        threads_.emplace_back([this] { ConnectorLoop(); });
    }
    threads_.emplace_back([this] { JanitorLoop(); });
    for (const std::thread& thread : threads_) thread_ids_.push_back(thread.get_id());
}

// Connect backoff: doubling from backoff_initial to backoff_max, with "equal jitter" (half
// fixed, half random) so many pools do not retry in lockstep yet never hammer a down server.
Millis Pool::Impl::NextBackoffLocked() {
    const auto shift = std::min<std::size_t>(consecutive_connect_failures_ - 1, 20);
    const auto base = std::min(options_.backoff_max.count(),
                               options_.backoff_initial.count() * (std::int64_t{1} << shift));
    std::uniform_int_distribution<std::int64_t> jitter(0, base / 2);
    return Millis(base - base / 2 + jitter(rng_));
}

void Pool::Impl::ConnectorLoop() {
    std::unique_lock lock(mu_);
    while (!stop_threads_.load()) {
        if (WantedConnectsLocked() == 0) {
            connector_cv_.wait(lock);
            continue;
        }
        if (Clock::now() < next_connect_at_) {
            connector_cv_.wait_until(lock, next_connect_at_);
            continue;
        }
        ++connecting_;
        lock.unlock();
        const auto started = Clock::now();
        auto connected = connector_->Connect(started + options_.connect_timeout, stop_threads_);
        Graveyard graveyard;
        std::vector<Delivery> deliveries;
        std::string log_line;
        lock.lock();
        --connecting_;
        const auto now = Clock::now();
        const bool opened = connected.ok();
        if (opened && closing_) {
            graveyard.push_back(std::move(connected).value());
            ++closing_conns_;
        } else if (opened) {
            log_line = AddConnectionLocked(std::move(connected).value(), now - started, deliveries);
        } else if (!stop_threads_.load()) {
            log_line = RecordConnectFailureLocked(connected.error(), now);
            if (connected.error().IsRejectedConnect() && slots_.empty()) {
                FailWaitersLocked(connected.error(), deliveries);
            }
        }
        lock.unlock();
        Bury(graveyard);
        if (!log_line.empty()) {
            const bool backpressure = !opened && connected.error().sqlstate() == "53300";
            Log(opened         ? LogLevel::kInfo
                : backpressure ? LogLevel::kWarning
                               : LogLevel::kError,
                log_line);
        }
        DeliverLater(deliveries);
        lock.lock();
    }
}

std::string Pool::Impl::AddConnectionLocked(std::unique_ptr<Connection> conn, Clock::duration took,
                                            std::vector<Delivery>& deliveries) {
    ++counters_.connects;
    detail::Record(counters_.connect_time, took);
    std::string log_line;
    if (consecutive_connect_failures_ > 0 && !last_connect_refused_53300_) {
        log_line = "database reachable again after " +
                   std::to_string(consecutive_connect_failures_) + " failed connect attempts";
    }
    consecutive_connect_failures_ = 0;
    last_connect_refused_53300_ = false;
    last_connect_error_.clear();

    const auto now = Clock::now();
    auto slot = std::make_unique<Slot>();
    slot->conn = std::move(conn);
    slot->last_used = now;
    std::uniform_real_distribution<double> jitter(0.0, options_.lifetime_jitter);
    slot->expires = now + std::chrono::duration_cast<Clock::duration>(options_.max_lifetime *
                                                                      (1.0 - jitter(rng_)));
    slot->epoch = epoch_.load(std::memory_order_relaxed);
    slot->suspect_epoch = suspect_epoch_.load(std::memory_order_relaxed);
    idle_.push_back(slot.get());
    slots_.push_back(std::move(slot));
    DispatchLocked(deliveries, now);
    if (WantedConnectsLocked() > 0) connector_cv_.notify_one();
    return log_line;
}

std::string Pool::Impl::RecordConnectFailureLocked(const Error& error, Clock::time_point now) {
    ++counters_.connect_errors;
    ++consecutive_connect_failures_;
    const Millis backoff = NextBackoffLocked();
    next_connect_at_ = now + backoff;
    const bool message_changed = error.message() != last_connect_error_;
    last_connect_error_ = error.message();  // Named by the timeout errors of waiters.
    last_connect_refused_53300_ = error.sqlstate() == "53300";
    if (last_connect_refused_53300_) return RecordBackpressureLocked(error, now);

    // A refused or failed connect hints that existing sessions may be dead too.
    NoteDeadConnection();
    if (!message_changed && now - last_connect_error_logged_ < options_.backoff_max) return {};
    last_connect_error_logged_ = now;
    return "connect failed (" + std::to_string(consecutive_connect_failures_) +
           " in a row, next attempt in " + std::to_string(backoff.count()) +
           " ms): " + error.message();
}

void Pool::Impl::FailWaitersLocked(const Error& error, std::vector<Delivery>& deliveries) {
    const Error failure(error.code(),
                        "Database unavailable: the server refused the connection and retrying "
                        "cannot fix that (credentials, role, database or connection "
                        "parameters): " +
                            error.message(),
                        error.sqlstate());
    while (!waiters_.empty()) {
        WaiterPtr waiter = waiters_.front();
        DequeueLocked(waiter);
        if (waiter->callback) {
            deliveries.push_back(Delivery{waiter, nullptr, failure});
        } else {
            waiter->failure = failure;
            deliveries.push_back(Delivery{waiter, nullptr, std::nullopt});
        }
    }
}

std::string Pool::Impl::RecordBackpressureLocked(const Error& error, Clock::time_point now) {
    ++counters_.backpressure_refusals;
    // The server is full: live within what it gives us, probe upward later.
    const std::size_t before = effective_max_size_;
    effective_max_size_ = std::min(effective_max_size_, std::max<std::size_t>(1, slots_.size()));
    last_budget_probe_ = now;
    if (!budget_lowered_) {
        budget_lowered_ = true;
        budget_lowered_at_ = now;
        last_backpressure_log_ = now;
        refusals_since_log_ = 0;
        ++counters_.budget_lowerings;
        return "server has no free connection slots (SQLSTATE 53300) at " +
               std::to_string(slots_.size()) + " connections; budget lowered from " +
               std::to_string(before) + " to " + std::to_string(effective_max_size_) +
               " (configured " + std::to_string(max_size_) + "): " + error.message();
    }
    ++refusals_since_log_;
    if (now - last_backpressure_log_ < options_.backpressure_log_interval) return {};
    const auto since = std::chrono::duration_cast<Millis>(now - last_backpressure_log_);
    last_backpressure_log_ = now;
    const std::uint64_t refusals = std::exchange(refusals_since_log_, 0);
    return "budget still lowered to " + std::to_string(effective_max_size_) + " (configured " +
           std::to_string(max_size_) + "): " + std::to_string(refusals) +
           " connects refused with SQLSTATE 53300 in the last " +
           std::to_string(since.count() / 1000) + " s";
}

bool Pool::Impl::BudgetProbePendingLocked() const {
    // No probing while the server is unreachable; a 53300 refusal is what probing asks about.
    const bool unreachable = consecutive_connect_failures_ != 0 && !last_connect_refused_53300_;
    return effective_max_size_ < max_size_ && !unreachable;
}

std::string Pool::Impl::ProbeBudgetLocked(Clock::time_point now) {
    if (!BudgetProbePendingLocked() || now - last_budget_probe_ < options_.budget_probe_interval) {
        return {};
    }
    ++effective_max_size_;  // Probe whether the server has room again after 53300.
    last_budget_probe_ = now;
    if (effective_max_size_ < max_size_ || !budget_lowered_) return {};
    budget_lowered_ = false;
    const auto lowered_for = std::chrono::duration_cast<Millis>(now - budget_lowered_at_);
    return "budget back at the configured " + std::to_string(max_size_) + " after " +
           std::to_string(lowered_for.count() / 1000) + " s lowered by SQLSTATE 53300 (" +
           std::to_string(refusals_since_log_) + " refusals since the last report)";
}

void Pool::Impl::ExpireAsyncWaitersLocked(Clock::time_point now, std::vector<Delivery>& out) {
    for (auto it = waiters_.begin(); it != waiters_.end();) {
        WaiterPtr waiter = *it++;
        if (waiter->callback && waiter->deadline <= now) {
            DequeueLocked(waiter);
            ++counters_.timeouts;
            out.push_back(Delivery{waiter, nullptr, WaitErrorLocked(*waiter, now)});
        }
    }
}

// Lifetime and idle timeout for idle connections. Deliberately no pings: an idle application
// causes no traffic at all, so a serverless compute can suspend.
void Pool::Impl::SweepIdleLocked(Clock::time_point now, Graveyard& graveyard) {
    for (auto it = idle_.begin(); it != idle_.end();) {
        Slot* slot = *it;
        std::optional<EvictReason> reason;
        if (now >= slot->expires) {
            reason = EvictReason::kLifetime;
        } else if (slots_.size() > options_.min_idle &&
                   now - slot->last_used >= options_.idle_timeout) {
            reason = EvictReason::kIdleTimeout;
        }
        if (reason) {
            it = idle_.erase(it);
            EvictLocked(slot, *reason, graveyard);
        } else {
            ++it;
        }
    }
}

std::vector<std::string> Pool::Impl::FindLeaksLocked(Clock::time_point now) {
    std::vector<std::string> reports;
    for (const auto& slot : slots_) {
        if (!slot->leased || slot->leak_reported ||
            now - slot->leased_at < options_.leak_threshold) {
            continue;
        }
        slot->leak_reported = true;
        ++counters_.leaks;
        reports.push_back(
            "connection leak suspected: lease held for " +
            std::to_string(std::chrono::duration_cast<Millis>(now - slot->leased_at).count()) +
            " ms by '" + slot->label + "' (tenant '" + slot->tenant + "'), acquired at " +
            slot->where.file + ":" + std::to_string(slot->where.line) + " in " +
            slot->where.function);
    }
    return reports;
}

void Pool::Impl::JanitorLoop() {
    const bool find_leaks = options_.leak_threshold.count() > 0;
    const Millis tick = find_leaks
                            ? std::clamp(options_.leak_threshold / 4, Millis(10), Millis(1'000))
                            : Millis(1'000);
    std::unique_lock lock(mu_);
    // On stop, completions still queued are run first: each holds a granted connection.
    while (!stop_threads_.load() || !completions_.empty()) {
        const auto now = Clock::now();
        std::vector<Delivery> expired;
        ExpireAsyncWaitersLocked(now, expired);
        std::vector<Delivery> completions;
        completions.swap(completions_);
        Graveyard graveyard;
        SweepIdleLocked(now, graveyard);
        const std::vector<std::string> leaks =
            find_leaks ? FindLeaksLocked(now) : std::vector<std::string>{};
        const std::string budget_line = ProbeBudgetLocked(now);
        if (WantedConnectsLocked() > 0) connector_cv_.notify_one();

        lock.unlock();
        Bury(graveyard);
        for (const auto& line : leaks) Log(LogLevel::kWarning, line);
        if (!budget_line.empty()) Log(LogLevel::kInfo, budget_line);
        // A callback may drop the last reference to the pool: Deleter moves the destruction
        // off this thread, and it waits to join this thread, so `this` stays valid here.
        DeliverNow(expired, /*may_ping=*/true);
        DeliverNow(completions, /*may_ping=*/true);
        lock.lock();

        if (!completions_.empty() || stop_threads_.load()) continue;
        Deadline wake = Clock::now() + tick;
        for (const WaiterPtr& waiter : waiters_) {
            if (waiter->callback) wake = std::min(wake, waiter->deadline);
        }
        if (BudgetProbePendingLocked()) {
            wake = std::min(wake, last_budget_probe_ + options_.budget_probe_interval);
        }
        janitor_wakes_at_ = wake;
        janitor_cv_.wait_until(lock, wake);
        janitor_wakes_at_ = Clock::time_point::min();
    }
    janitor_done_ = true;
}

// --- Runtime control ------------------------------------------------------------------------

PoolStats Pool::Stats() const { return Impl::Of(*this).Stats(); }

void Pool::Resize(std::size_t max_size) { Impl::Of(*this).Resize(max_size); }

void Pool::Drain() { Impl::Of(*this).Drain(); }

Status Pool::Close(Deadline deadline) { return Impl::Of(*this).Close(deadline); }

PoolStats Pool::Impl::Stats() const {
    PoolStats stats;
    {
        std::lock_guard lock(mu_);
        stats.total = slots_.size();
        stats.idle = idle_.size();
        stats.in_use = slots_.size() - idle_.size();
        stats.waiting = waiters_.size();
        stats.connecting = connecting_;
        stats.max_size = max_size_;
        stats.effective_max_size = effective_max_size_;
        for (const auto& [tenant, state] : tenants_) {
            stats.tenants.push_back(TenantStats{tenant, state.leased, state.waiting});
        }
        for (const auto& [group, state] : groups_) {
            stats.groups.push_back(GroupStats{group, state.leased, state.waiting, state.quota});
        }
        static_cast<PoolCounters&>(stats) = counters_;
    }
    std::sort(stats.tenants.begin(), stats.tenants.end(),
              [](const TenantStats& a, const TenantStats& b) { return a.tenant < b.tenant; });
    std::sort(stats.groups.begin(), stats.groups.end(),
              [](const GroupStats& a, const GroupStats& b) { return a.group < b.group; });
    return stats;
}

void Pool::Impl::EvictIdleLocked(EvictReason reason, std::size_t keep, Graveyard& graveyard) {
    while (!idle_.empty() && slots_.size() > keep) EvictLocked(PopIdleLocked(), reason, graveyard);
}

void Pool::Impl::Resize(std::size_t max_size) {
    PQPOOL_CHECK(max_size > 0);
    Graveyard graveyard;
    {
        std::lock_guard lock(mu_);
        max_size_ = max_size;
        effective_max_size_ = max_size;
        budget_lowered_ = false;  // A new budget starts without backpressure.
        EvictIdleLocked(EvictReason::kResize, max_size, graveyard);
        connector_cv_.notify_all();
    }
    Bury(graveyard);
}

void Pool::Impl::Drain() {
    Graveyard graveyard;
    {
        std::lock_guard lock(mu_);
        epoch_.fetch_add(1, std::memory_order_relaxed);
        EvictIdleLocked(EvictReason::kDrain, 0, graveyard);
        connector_cv_.notify_all();
    }
    Bury(graveyard);
}

Status Pool::Impl::Close(Deadline deadline) {
    Graveyard graveyard;
    std::vector<Delivery> deliveries;
    std::size_t still_leased = 0;
    {
        std::unique_lock lock(mu_);
        if (!closing_) {
            closing_ = true;
            while (!waiters_.empty()) {
                WaiterPtr waiter = waiters_.front();
                DequeueLocked(waiter);
                waiter->failure = detail::ClosedError();
                if (waiter->callback) {
                    deliveries.push_back(Delivery{waiter, nullptr, waiter->failure});
                } else {
                    waiter->cv.notify_one();
                }
            }
            EvictIdleLocked(EvictReason::kClose, 0, graveyard);
        }
        returned_cv_.wait_until(lock, deadline, [this] { return slots_.empty(); });
        still_leased = slots_.size();
    }
    Bury(graveyard);
    DeliverNow(deliveries, /*may_ping=*/false);
    {
        std::lock_guard join_lock(join_mu_);
        {
            std::lock_guard lock(mu_);
            stop_threads_.store(true);
            connector_cv_.notify_all();
            janitor_cv_.notify_all();
        }
        for (std::thread& thread : threads_) {
            if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) {
                thread.join();
            }
        }
    }
    if (still_leased > 0) {
        return Error(ErrorCode::kTimeout, std::to_string(still_leased) +
                                              " leases still out at close; they close on return");
    }
    return {};
}

}  // namespace pqpool
