// SPDX-License-Identifier: MIT
// StatementCanceller.
#include "memory/statement_canceller.hpp"

#include <chrono>

namespace mnemo::memory {

StatementCanceller::StatementCanceller(pqpool::Connection& connection,
                                       const std::atomic<bool>* cancelled)
    : cancelled_(cancelled) {
    if (cancelled_ == nullptr) return;
    canceller_ = connection.MakeCanceller();
    if (canceller_ == nullptr) return;
    watcher_ = std::jthread([this](std::stop_token stop) { Watch(stop); });
}

StatementCanceller::~StatementCanceller() {
    if (watcher_.joinable()) {
        watcher_.request_stop();
        watcher_.join();
    }
}

void StatementCanceller::Watch(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    // The flag is a plain atomic set by another request's thread: look at it now and then.
    while (!wake_.wait_for(lock, stop, std::chrono::milliseconds(20),
                           [this] { return cancelled_->load(); })) {
        if (stop.stop_requested()) return;
    }
    if (stop.stop_requested()) return;
    fired_ = canceller_->Cancel();
}

}  // namespace mnemo::memory
