// SPDX-License-Identifier: MIT
// Pool: asynchronous acquire, cancellation, and running async completions.
#include <algorithm>

#include "pool_impl.hpp"
#include "pool_internal.hpp"
#include "pqpool/pool.hpp"

namespace pqpool {

using detail::ClosedError;
using detail::Slot;

AcquireTicket Pool::AcquireAsync(Deadline deadline, AcquireCallback callback, AcquireLabel label,
                                 CompletionThread completion) {
    return Impl::Of(*this).AcquireAsync(deadline, std::move(callback), label, completion);
}

bool Pool::Cancel(AcquireTicket ticket) { return Impl::Of(*this).Cancel(ticket); }

AcquireTicket Pool::Impl::AcquireAsync(Deadline deadline, AcquireCallback callback,
                                       const AcquireLabel& label, CompletionThread completion) {
    WaiterPtr waiter = MakeWaiter(label, deadline, Clock::now());
    waiter->callback = std::move(callback);
    waiter->completion = completion;
    std::vector<Delivery> deliveries;
    {
        std::lock_guard lock(mu_);
        waiter->ticket = next_ticket_++;
        if (closing_) {
            deliveries.push_back(Delivery{waiter, nullptr, ClosedError()});
        } else if (!idle_.empty() && MayLeaseLocked(waiter->tenant)) {
            Slot* slot = PopIdleLocked();
            GrantLocked(slot, waiter->tenant, waiter->label, waiter->where, waiter->started, {});
            waiter->granted = slot;
            deliveries.push_back(Delivery{waiter, slot, std::nullopt});
        } else if (auto refused = AdmitWaiterLocked(label.tenant)) {
            deliveries.push_back(Delivery{waiter, nullptr, std::move(refused)});
        } else {
            EnqueueLocked(waiter, /*front=*/false);
            if (WantedConnectsLocked() > 0) connector_cv_.notify_one();
            // A new deadline to watch: wake the janitor only when it would sleep past it.
            if (deadline < janitor_wakes_at_) janitor_cv_.notify_one();
        }
    }
    const AcquireTicket ticket = waiter->ticket;
    DeliverNow(deliveries, /*may_ping=*/false);
    return ticket;
}

bool Pool::Impl::Cancel(AcquireTicket ticket) {
    WaiterPtr waiter;
    {
        std::lock_guard lock(mu_);
        auto it = std::find_if(waiters_.begin(), waiters_.end(), [ticket](const WaiterPtr& w) {
            return w->callback && w->ticket == ticket;
        });
        if (it == waiters_.end()) return false;
        waiter = *it;
        DequeueLocked(waiter);
        ++counters_.cancelled;
    }
    waiter->callback(Error(ErrorCode::kCancelled, "acquire cancelled by its caller"));
    return true;
}

void Pool::Impl::DeliverNow(std::vector<Delivery>& deliveries, bool may_ping) {
    for (Delivery& delivery : deliveries) DeliverOne(delivery, may_ping);
    deliveries.clear();
}

void Pool::Impl::DeliverLater(std::vector<Delivery>& deliveries) {
    // Blocking waiters only need a wake-up; that is cheap and safe here.
    std::erase_if(deliveries, [](const Delivery& delivery) {
        if (delivery.waiter->callback) return false;
        delivery.waiter->cv.notify_one();
        return true;
    });
    if (deliveries.empty()) return;
    {
        std::lock_guard lock(mu_);
        if (!janitor_done_) {
            for (Delivery& delivery : deliveries) completions_.push_back(std::move(delivery));
            deliveries.clear();
            janitor_cv_.notify_one();
            return;
        }
    }
    DeliverNow(deliveries, /*may_ping=*/true);  // Closed: nobody else will run them.
}

void Pool::Impl::DeliverReturned(std::vector<Delivery>& deliveries) {
    const auto janitors =
        std::stable_partition(deliveries.begin(), deliveries.end(), [](const Delivery& delivery) {
            return delivery.waiter->callback &&
                   delivery.waiter->completion == CompletionThread::kReturning;
        });
    std::vector<Delivery> later(std::make_move_iterator(janitors),
                                std::make_move_iterator(deliveries.end()));
    deliveries.erase(janitors, deliveries.end());
    DeliverLater(later);
    DeliverNow(deliveries, /*may_ping=*/false);
}

void Pool::Impl::DeliverOne(Delivery& delivery, bool may_ping) {
    const WaiterPtr& waiter = delivery.waiter;
    if (!waiter->callback) {  // A blocking Acquire: it checks its grant itself.
        waiter->cv.notify_one();
        return;
    }
    if (delivery.error) {
        waiter->callback(std::move(*delivery.error));
        return;
    }
    Slot* slot = delivery.slot;
    bool needs_ping = false;
    const auto rejected =
        CheckForHandOut(*slot, slot->leased_at, waiter->deadline, may_ping, needs_ping);
    if (rejected) {
        RejectGranted(slot, *rejected, waiter);
    } else if (needs_ping) {
        // Pings block; the janitor runs them so that no caller's (I/O) thread waits.
        std::vector<Delivery> later{std::move(delivery)};
        DeliverLater(later);
    } else {
        CompleteAsync(waiter, slot);
    }
}

void Pool::Impl::CompleteAsync(const WaiterPtr& waiter, Slot* slot) {
    std::shared_ptr<Pool> self = weak_from_this().lock();
    if (self == nullptr) {
        // The pool is being destroyed: nobody may hold a lease on it any more.
        RejectGranted(slot, EvictReason::kClose, nullptr);
        waiter->callback(ClosedError());
        return;
    }
    waiter->callback(Lease(std::move(self), slot));
}

}  // namespace pqpool
