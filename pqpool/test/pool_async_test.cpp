// SPDX-License-Identifier: MIT
// Async acquire: completion, FIFO with blocking waiters, deadlines, cancellation safety.
#include <atomic>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace pqpool::testing {
namespace {

Deadline In(int ms) { return Clock::now() + Millis(ms); }

TEST_F(PoolTest, AsyncAcquireCompletesWithLease) {
    auto pool = Make(Options());
    std::promise<Result<Lease>> done;
    pool->AcquireAsync(In(1000), [&](Result<Lease> lease) { done.set_value(std::move(lease)); });
    auto lease = done.get_future().get();
    ASSERT_TRUE(lease.ok());
    EXPECT_TRUE(lease->Execute("SELECT 1").ok());
    EXPECT_EQ(pool->Stats().in_use, 1u);
}

TEST_F(PoolTest, AsyncWaiterIsServedInTurnWhenConnectionReturns) {
    auto options = Options();
    options.max_size = 1;
    auto pool = Make(options);
    auto held = pool->Acquire(In(1000));
    ASSERT_TRUE(held.ok());
    std::vector<int> order;
    std::mutex mu;
    std::vector<Lease> keep;
    for (int i = 0; i < 3; ++i) {
        pool->AcquireAsync(In(2000), [&, i](Result<Lease> lease) {
            ASSERT_TRUE(lease.ok()) << lease.error().message();
            std::lock_guard lock(mu);
            order.push_back(i);
            lease->Release();  // Passes it on to the next waiter.
        });
    }
    EXPECT_EQ(pool->Stats().waiting, 3u);
    held->Release();
    ASSERT_TRUE(Eventually([&] {
        std::lock_guard lock(mu);
        return order.size() == 3;
    }));
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(pool->Stats().in_use, 0u);
}

TEST_F(PoolTest, AsyncAcquireTimesOutWithinDeadline) {
    auto options = Options();
    options.max_size = 1;
    auto pool = Make(options);
    auto held = pool->Acquire(In(1000));
    std::promise<std::pair<ErrorCode, double>> done;
    const auto start = Clock::now();
    pool->AcquireAsync(start + Millis(60), [&](Result<Lease> lease) {
        done.set_value(
            {lease.ok() ? ErrorCode::kInvalidArgument : lease.error().code(), MillisSince(start)});
    });
    auto [code, took] = done.get_future().get();
    EXPECT_EQ(code, ErrorCode::kTimeout);
    EXPECT_GE(took, 60.0);
    EXPECT_LT(took, 60.0 + SlackMs());
    EXPECT_EQ(pool->Stats().waiting, 0u);
}

TEST_F(PoolTest, CancelledAsyncAcquireGetsCancelledAndLeaksNothing) {
    auto options = Options();
    options.max_size = 1;
    auto pool = Make(options);
    auto held = pool->Acquire(In(1000));
    std::atomic<int> calls{0};
    std::atomic<int> code{-1};
    const AcquireTicket ticket = pool->AcquireAsync(In(5000), [&](Result<Lease> lease) {
        ++calls;
        code = lease.ok() ? -2 : static_cast<int>(lease.error().code());
    });
    EXPECT_TRUE(pool->Cancel(ticket));
    EXPECT_FALSE(pool->Cancel(ticket));
    EXPECT_EQ(calls.load(), 1);
    EXPECT_EQ(code.load(), static_cast<int>(ErrorCode::kCancelled));
    held->Release();
    EXPECT_EQ(pool->Stats().idle, 1u);
    EXPECT_EQ(pool->Stats().cancelled, 1u);
}

TEST_F(PoolTest, CancelRacingWithGrantNeverLosesAConnection) {
    auto options = Options();
    options.max_size = 2;
    auto pool = Make(options);
    std::atomic<int> callbacks{0};
    constexpr int kRounds = 2000;
    for (int round = 0; round < kRounds; ++round) {
        auto held = pool->Acquire(In(1000));
        ASSERT_TRUE(held.ok());
        auto held2 = pool->Acquire(In(1000));
        ASSERT_TRUE(held2.ok());
        const AcquireTicket ticket =
            pool->AcquireAsync(In(1000), [&](Result<Lease> /*lease*/) { ++callbacks; });
        std::thread releaser([&] { held->Release(); });
        (void)pool->Cancel(ticket);
        releaser.join();
    }
    EXPECT_TRUE(Eventually([&] { return callbacks.load() == kRounds; }));
    EXPECT_TRUE(Eventually([&] { return pool->Stats().in_use == 0; }));
    EXPECT_EQ(pool->Stats().waiting, 0u);
    EXPECT_LE(server->max_live.load(), 2);
}

TEST_F(PoolTest, AsyncLongIdlePingRunsOffTheCallerThread) {
    auto options = Options();
    options.alive_bypass = Millis(0);
    options.ping_after = Millis(20);
    auto pool = Make(options);
    { auto lease = pool->Acquire(In(1000)); }
    std::this_thread::sleep_for(Millis(40));
    std::promise<std::thread::id> where;
    pool->AcquireAsync(In(1000), [&](Result<Lease> lease) {
        EXPECT_TRUE(lease.ok());
        where.set_value(std::this_thread::get_id());
    });
    EXPECT_NE(where.get_future().get(), std::this_thread::get_id());
    EXPECT_EQ(server->pings.load(), 1);
}

TEST_F(PoolTest, AsyncAcquireOnClosedPoolFailsAndDestroyedPoolFailsWaiters) {
    auto options = Options();
    options.max_size = 1;
    auto pool = Make(options);
    auto held = pool->Acquire(In(1000));
    std::promise<ErrorCode> done;
    pool->AcquireAsync(In(5000), [&](Result<Lease> lease) {
        done.set_value(lease.ok() ? ErrorCode::kInvalidArgument : lease.error().code());
    });
    (void)pool->Close(In(0));
    EXPECT_EQ(done.get_future().get(), ErrorCode::kClosed);
    std::promise<ErrorCode> after;
    pool->AcquireAsync(In(5000), [&](Result<Lease> lease) {
        after.set_value(lease.ok() ? ErrorCode::kInvalidArgument : lease.error().code());
    });
    EXPECT_EQ(after.get_future().get(), ErrorCode::kClosed);
}

}  // namespace
}  // namespace pqpool::testing

namespace pqpool::testing {
namespace {

TEST_F(PoolTest, LastReferenceDroppedInsideAsyncCallbackIsSafe) {
    // The callback runs on the janitor thread and ends holding the last reference to the pool
    // (through its lease): the pool must not be destroyed on its own thread.
    std::atomic<int> started{0};  // Rounds whose callback has begun.
    std::atomic<int> go{0};       // Rounds whose callback may finish.
    for (int round = 1; round <= 20; ++round) {
        auto options = Options();
        options.max_size = 1;
        auto pool = Make(options);
        auto held = pool->Acquire(Clock::now() + Millis(1000));
        ASSERT_TRUE(held.ok());
        pool->AcquireAsync(Clock::now() + Millis(1000), [&, round](Result<Lease> lease) {
            EXPECT_TRUE(lease.ok());
            started = round;
            while (go.load() < round) std::this_thread::sleep_for(Millis(1));
        });               // The lease dies here, on the janitor thread.
        held->Release();  // Handed to the async waiter on the janitor.
        ASSERT_TRUE(Eventually([&] { return started.load() == round; }));
        std::weak_ptr<Pool> weak = pool;
        pool.reset();
        go = round;
        EXPECT_TRUE(Eventually([&] { return weak.expired(); }));
    }
    EXPECT_TRUE(Eventually([&] { return server->live.load() == 0; }));
}

TEST_F(PoolTest, LastReferenceDroppedElsewhereWhileTheJanitorDeliversIsSafe) {
    // The callback hands its lease to another thread; as soon as it has, that thread drops the
    // lease and this one drops the pool, while the janitor is still finishing its delivery
    // round. Whichever thread lets go last, the pool must be destroyed off its own threads
    // (else std::terminate).
    for (int round = 0; round < 200; ++round) {
        auto options = Options();
        options.max_size = 1;
        auto pool = Make(options);
        auto held = pool->Acquire(Clock::now() + Millis(1000));
        ASSERT_TRUE(held.ok());
        std::atomic<bool> handed{false};
        std::optional<Lease> passed;
        std::thread taker([&] {
            while (!handed.load()) std::this_thread::yield();
            passed.reset();  // Races with the janitor returning from the callback.
        });
        pool->AcquireAsync(Clock::now() + Millis(5000), [&](Result<Lease> lease) {
            EXPECT_TRUE(lease.ok()) << lease.error().message();
            if (lease.ok()) passed.emplace(std::move(lease).value());
            handed = true;
        });
        std::weak_ptr<Pool> weak = pool;
        held->Release();  // Handed to the async waiter on the janitor.
        while (!handed.load()) std::this_thread::yield();
        pool.reset();  // Races with the taker and the janitor.
        taker.join();
        EXPECT_TRUE(Eventually([&] { return weak.expired(); }));
    }
    EXPECT_TRUE(Eventually([&] { return server->live.load() == 0; }));
}

TEST_F(PoolTest, AReturningCompletionRunsOnTheThreadThatReturnsTheConnection) {
    auto options = Options();
    options.max_size = 1;
    auto pool = Make(options);
    auto held = pool->Acquire(In(1000));
    ASSERT_TRUE(held.ok());
    std::promise<std::thread::id> returning_ran_on;
    std::promise<std::thread::id> janitor_ran_on;
    // Queued first: served first, on the janitor by default.
    pool->AcquireAsync(In(2000), [&](Result<Lease> lease) {
        EXPECT_TRUE(lease.ok());
        janitor_ran_on.set_value(std::this_thread::get_id());
    });  // Its lease returns here, on the janitor, and completes the second waiter there.
    pool->AcquireAsync(
        In(2000),
        [&](Result<Lease> lease) {
            EXPECT_TRUE(lease.ok());
            returning_ran_on.set_value(std::this_thread::get_id());
        },
        {}, CompletionThread::kReturning);
    ASSERT_EQ(pool->Stats().waiting, 2u);
    held->Release();
    const std::thread::id janitor = janitor_ran_on.get_future().get();
    EXPECT_NE(janitor, std::this_thread::get_id());
    // The janitor's callback returned the connection, so the kReturning waiter ran there.
    EXPECT_EQ(returning_ran_on.get_future().get(), janitor);

    // Returned by this thread: the kReturning callback runs here, before Release returns.
    auto again = pool->Acquire(In(1000));
    ASSERT_TRUE(again.ok());
    std::optional<std::thread::id> ran_on;
    pool->AcquireAsync(
        In(2000),
        [&](Result<Lease> lease) {
            EXPECT_TRUE(lease.ok());
            ran_on = std::this_thread::get_id();
        },
        {}, CompletionThread::kReturning);
    again->Release();
    ASSERT_TRUE(ran_on.has_value());
    EXPECT_EQ(*ran_on, std::this_thread::get_id());
    EXPECT_TRUE(Eventually([&] { return pool->Stats().in_use == 0; }));
}

}  // namespace
}  // namespace pqpool::testing
