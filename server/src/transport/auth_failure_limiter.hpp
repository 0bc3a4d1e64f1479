// SPDX-License-Identifier: MIT
// AuthFailureLimiter: per-client limit on failed bearer-token attempts (token guessing).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mnemo::transport {

/// Counts failed authentication attempts per client (its IP address) in fixed windows. A
/// client with `max_failures` failures in its current window is refused until the window
/// ends — every request, valid token or not, so a guesser cannot tell a hit from the refusal.
///
/// Memory is bounded: at most `max_clients` clients are tracked; when full, expired windows
/// are dropped first, then the client whose window started first.
///
/// Thread safety: all methods may be called concurrently.
class AuthFailureLimiter {
public:
    using Clock = std::chrono::steady_clock;

    struct Options {
        /// Failures allowed per client and window (MNEMO_AUTH_MAX_FAILURES). 0 disables.
        std::size_t max_failures = 20;
        /// Window length (MNEMO_AUTH_FAILURE_WINDOW_S).
        std::chrono::seconds window{60};
        std::size_t max_clients = 10'000;
    };

    explicit AuthFailureLimiter(Options options) : options_(options) {}

    /// Zero when `client` may attempt now; otherwise how long until it may (a Retry-After,
    /// rounded up to whole seconds, at least 1 s).
    [[nodiscard]] std::chrono::seconds RetryAfter(std::string_view client, Clock::time_point now);

    /// Records a failed attempt (an unknown, revoked or malformed token) by `client`.
    void RecordFailure(std::string_view client, Clock::time_point now);

    /// Clients tracked now (for tests).
    [[nodiscard]] std::size_t tracked() const;

private:
    struct Entry {
        Clock::time_point window_start;
        std::size_t failures = 0;
    };

    void MakeRoomLocked(Clock::time_point now);

    const Options options_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> clients_;  // guarded by mutex_
};

}  // namespace mnemo::transport
