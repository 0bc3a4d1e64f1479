// SPDX-License-Identifier: MIT
// StatementCanceller: stops the statement running on a connection when the MCP call that
// started it is cancelled.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "pqpool/connection.hpp"

namespace mnemo::memory {

/// While alive, watches `cancelled` (may be null: then it does nothing) and, once it turns
/// true, asks PostgreSQL to cancel whatever `connection` is running (pqpool::Canceller, from a
/// watcher thread). The statement then fails with SQLSTATE 57014 and the connection
/// stays usable. Must not outlive `connection`.
///
/// Thread safety: one owner thread; the watcher is internal.
class StatementCanceller {
public:
    StatementCanceller(pqpool::Connection& connection, const std::atomic<bool>* cancelled);
    ~StatementCanceller();
    StatementCanceller(const StatementCanceller&) = delete;
    StatementCanceller& operator=(const StatementCanceller&) = delete;

    /// True when a cancel was sent.
    [[nodiscard]] bool fired() const { return fired_.load(); }

private:
    void Watch(std::stop_token stop);

    const std::atomic<bool>* cancelled_;
    std::unique_ptr<pqpool::Canceller> canceller_;
    std::atomic<bool> fired_{false};
    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::jthread watcher_;  // last: starts after the members it uses
};

}  // namespace mnemo::memory
