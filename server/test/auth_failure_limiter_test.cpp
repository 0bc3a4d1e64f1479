// SPDX-License-Identifier: MIT
// AuthFailureLimiter: windows, Retry-After, per-client separation, bounded memory.
#include "transport/auth_failure_limiter.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace mnemo::transport {
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

}  // namespace
}  // namespace mnemo::transport
