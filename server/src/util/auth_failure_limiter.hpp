// SPDX-License-Identifier: MIT
// AuthFailureLimiter: per-client limit on failed bearer-token attempts (token guessing).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mnemo::util {

/// Counts failed authentication attempts per client in fixed windows. One per server, shared by
/// every route that takes a token (/mcp, /hooks/claude-code, /ui), so a guesser gets one
/// allowance, not one per route. A client is an IPv4
/// address, or an IPv6 network of `ipv6_prefix` bits (a /64 by default: one host usually owns
/// a whole /64, so counting its addresses apart would give it 2^64 allowances); an
/// IPv4-mapped IPv6 address counts as its IPv4 address. A client with `max_failures` failures
/// in its current window is refused until the window ends — every request, valid token or
/// not, so a guesser cannot tell a hit from the refusal.
///
/// Memory is bounded: at most `max_clients` clients are tracked. When full, expired windows
/// are dropped first, then the unblocked client with the fewest failures (ties: the oldest
/// window), and only when every tracked client is blocked, the blocked one whose window ends
/// first. So a burst from many fresh addresses evicts only other low-count entries: it cannot
/// flush the table to free a blocked client's entry.
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
        /// IPv6 addresses are counted per network of this many leading bits
        /// (MNEMO_AUTH_IPV6_PREFIX, 1..128; 128 = per address). Default 64.
        unsigned ipv6_prefix = 64;
    };

    explicit AuthFailureLimiter(Options options) : options_(options) {}

    /// Zero when `client` may attempt now; otherwise how long until it may (a Retry-After,
    /// rounded up to whole seconds, at least 1 s).
    [[nodiscard]] std::chrono::seconds RetryAfter(std::string_view client, Clock::time_point now);

    /// Records a failed attempt (an unknown, revoked or malformed token) by `client`.
    void RecordFailure(std::string_view client, Clock::time_point now);

    /// Clients tracked now (for tests).
    [[nodiscard]] std::size_t tracked() const;

    /// The key `address` is counted under: an IPv4 address as is, an IPv4-mapped IPv6
    /// address as its IPv4 address, another IPv6 address as its network "addr/prefix"; any
    /// other text as is.
    [[nodiscard]] static std::string ClientKey(std::string_view address, unsigned ipv6_prefix);

private:
    struct Entry {
        Clock::time_point window_start;
        std::size_t failures = 0;
    };

    void MakeRoomLocked(Clock::time_point now);
    [[nodiscard]] bool Blocked(const Entry& entry) const {
        return entry.failures >= options_.max_failures;
    }

    const Options options_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> clients_;  // guarded by mutex_
};

}  // namespace mnemo::util
