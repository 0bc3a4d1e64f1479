// SPDX-License-Identifier: MIT
// AuthFailureLimiter: windows, Retry-After, per-client separation, bounded memory.
#include "util/auth_failure_limiter.hpp"

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace mnemo::util {
namespace {

using std::chrono::seconds;
using Clock = AuthFailureLimiter::Clock;

AuthFailureLimiter::Options Limit(std::size_t failures, seconds window, std::size_t clients = 100) {
    AuthFailureLimiter::Options options;
    options.max_failures = failures;
    options.window = window;
    options.max_clients = clients;
    return options;
}

TEST(AuthFailureLimiterTest, RefusesAfterMaxFailuresUntilTheWindowEnds) {
    AuthFailureLimiter limiter(Limit(3, seconds(60)));
    const Clock::time_point t0 = Clock::now();
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(limiter.RetryAfter("10.0.0.1", t0), seconds(0)) << "attempt " << i;
        limiter.RecordFailure("10.0.0.1", t0);
    }
    EXPECT_EQ(limiter.RetryAfter("10.0.0.1", t0), seconds(60));
    EXPECT_EQ(limiter.RetryAfter("10.0.0.1", t0 + seconds(59)), seconds(1));
    EXPECT_EQ(limiter.RetryAfter("10.0.0.1", t0 + std::chrono::milliseconds(59'500)), seconds(1));
    EXPECT_EQ(limiter.RetryAfter("10.0.0.1", t0 + seconds(60)), seconds(0));
    // A new window starts from zero.
    limiter.RecordFailure("10.0.0.1", t0 + seconds(61));
    EXPECT_EQ(limiter.RetryAfter("10.0.0.1", t0 + seconds(61)), seconds(0));
}

TEST(AuthFailureLimiterTest, RetryAfterRoundsUp) {
    AuthFailureLimiter limiter(Limit(1, seconds(10)));
    const Clock::time_point t0 = Clock::now();
    limiter.RecordFailure("c", t0);
    EXPECT_EQ(limiter.RetryAfter("c", t0 + std::chrono::milliseconds(100)), seconds(10));
}

TEST(AuthFailureLimiterTest, ClientsAreCountedApart) {
    AuthFailureLimiter limiter(Limit(2, seconds(60)));
    const Clock::time_point t0 = Clock::now();
    limiter.RecordFailure("::1", t0);
    limiter.RecordFailure("::1", t0);
    EXPECT_GT(limiter.RetryAfter("::1", t0), seconds(0));
    EXPECT_EQ(limiter.RetryAfter("127.0.0.1", t0), seconds(0));
}

TEST(AuthFailureLimiterTest, ZeroMaxFailuresDisablesTheLimit) {
    AuthFailureLimiter limiter(Limit(0, seconds(60)));
    const Clock::time_point t0 = Clock::now();
    for (int i = 0; i < 100; ++i) limiter.RecordFailure("c", t0);
    EXPECT_EQ(limiter.RetryAfter("c", t0), seconds(0));
    EXPECT_EQ(limiter.tracked(), 0U);
}

TEST(AuthFailureLimiterTest, TracksAtMostMaxClients) {
    AuthFailureLimiter limiter(Limit(1, seconds(60), 3));
    const Clock::time_point t0 = Clock::now();
    for (int i = 0; i < 10; ++i) {
        limiter.RecordFailure("client-" + std::to_string(i), t0 + seconds(i));
        EXPECT_LE(limiter.tracked(), 3U);
    }
    // The newest clients are still limited; the oldest were dropped.
    EXPECT_GT(limiter.RetryAfter("client-9", t0 + seconds(10)), seconds(0));
    EXPECT_EQ(limiter.RetryAfter("client-0", t0 + seconds(10)), seconds(0));
}

TEST(AuthFailureLimiterTest, ExpiredWindowsAreDroppedFirst) {
    AuthFailureLimiter limiter(Limit(1, seconds(5), 2));
    const Clock::time_point t0 = Clock::now();
    limiter.RecordFailure("old", t0);
    limiter.RecordFailure("recent", t0 + seconds(4));
    limiter.RecordFailure("new", t0 + seconds(6));  // "old" expired at t0 + 5 s
    EXPECT_GT(limiter.RetryAfter("recent", t0 + seconds(6)), seconds(0));
    EXPECT_GT(limiter.RetryAfter("new", t0 + seconds(6)), seconds(0));
}

TEST(AuthFailureLimiterTest, ConcurrentFailuresAreAllCounted) {
    AuthFailureLimiter limiter(Limit(4000, seconds(60)));
    const Clock::time_point t0 = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) limiter.RecordFailure("c", t0);
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_GT(limiter.RetryAfter("c", t0), seconds(0));
}

// --- issue 17: many addresses ---------------------------------------------------------------

TEST(AuthFailureLimiterTest, AddressesOfOneIpv6Slash64ShareOneAllowance) {
    AuthFailureLimiter limiter(Limit(5, seconds(60)));
    const Clock::time_point t0 = Clock::now();
    // Five failures, each from another address of 2001:db8:1:2::/64.
    for (int i = 1; i <= 5; ++i) {
        limiter.RecordFailure("2001:db8:1:2:" + std::to_string(i) + "::" + std::to_string(i), t0);
    }
    EXPECT_GT(limiter.RetryAfter("2001:db8:1:2:ffff:ffff:ffff:ffff", t0), seconds(0));
    EXPECT_GT(limiter.RetryAfter("2001:db8:1:2::abcd", t0), seconds(0));
    EXPECT_EQ(limiter.tracked(), 1U);
    // The next /64 is another client.
    EXPECT_EQ(limiter.RetryAfter("2001:db8:1:3::1", t0), seconds(0));
}

TEST(AuthFailureLimiterTest, Ipv6PrefixIsConfigurable) {
    auto options = Limit(2, seconds(60));
    options.ipv6_prefix = 128;
    AuthFailureLimiter limiter(options);
    const Clock::time_point t0 = Clock::now();
    limiter.RecordFailure("2001:db8::1", t0);
    limiter.RecordFailure("2001:db8::2", t0);
    EXPECT_EQ(limiter.RetryAfter("2001:db8::1", t0), seconds(0));
    EXPECT_EQ(AuthFailureLimiter::ClientKey("2001:db8:1:2:3:4:5:6", 48), "2001:db8:1::/48");
    EXPECT_EQ(AuthFailureLimiter::ClientKey("2001:db8:1:2:3:4:5:6", 64), "2001:db8:1:2::/64");
    EXPECT_EQ(AuthFailureLimiter::ClientKey("::ffff:192.0.2.7", 64), "192.0.2.7");
    EXPECT_EQ(AuthFailureLimiter::ClientKey("192.0.2.7", 64), "192.0.2.7");
    EXPECT_EQ(AuthFailureLimiter::ClientKey("not an address", 64), "not an address");
}

TEST(AuthFailureLimiterTest, ATableFlushingBurstCannotFreeABlockedClient) {
    AuthFailureLimiter limiter(Limit(5, seconds(60), 100));
    const Clock::time_point t0 = Clock::now();
    for (int i = 0; i < 5; ++i) limiter.RecordFailure("198.51.100.7", t0);  // blocked
    for (int i = 0; i < 3; ++i) limiter.RecordFailure("198.51.100.8", t0);  // close to it
    ASSERT_GT(limiter.RetryAfter("198.51.100.7", t0), seconds(0));
    // A burst of failures from 10 000 fresh addresses, later than both entries.
    for (int i = 0; i < 10'000; ++i) {
        limiter.RecordFailure(
            "10." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) + ".1",
            t0 + seconds(1));
        ASSERT_LE(limiter.tracked(), 100U);
    }
    // The blocked client stays blocked for its whole window...
    EXPECT_GT(limiter.RetryAfter("198.51.100.7", t0 + seconds(2)), seconds(0));
    // ...and the client with three failures keeps them: two more and it is blocked.
    limiter.RecordFailure("198.51.100.8", t0 + seconds(2));
    limiter.RecordFailure("198.51.100.8", t0 + seconds(2));
    EXPECT_GT(limiter.RetryAfter("198.51.100.8", t0 + seconds(2)), seconds(0));
}

TEST(AuthFailureLimiterTest, ABurstFromOneSlash64IsOneEntry) {
    AuthFailureLimiter limiter(Limit(5, seconds(60), 100));
    const Clock::time_point t0 = Clock::now();
    limiter.RecordFailure("192.0.2.1", t0);
    for (int i = 0; i < 10'000; ++i) {
        char address[64];
        std::snprintf(address, sizeof address, "2001:db8:9:9:%x:%x::1", i / 65536, i % 65536);
        limiter.RecordFailure(address, t0);
    }
    EXPECT_EQ(limiter.tracked(), 2U);
    EXPECT_GT(limiter.RetryAfter("2001:db8:9:9::42", t0), seconds(0));
    EXPECT_EQ(limiter.RetryAfter("192.0.2.1", t0), seconds(0));
}

}  // namespace
}  // namespace mnemo::util
