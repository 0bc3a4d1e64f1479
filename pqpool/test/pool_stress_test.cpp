// SPDX-License-Identifier: MIT
// 64-thread stress over the fake connector: every path at once, then the books must balance.
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace pqpool::testing {
namespace {

TEST_F(PoolTest, SixtyFourThreadStressKeepsCountsConsistent) {
    auto options = Options();
    options.max_size = 8;
    options.tenant_max_leases = 3;
    options.max_waiting = 1000;
    options.alive_bypass = Millis(1);
    options.max_lifetime = Millis(200);
    options.lifetime_jitter = 0.5;
    auto pool = Make(options);

    constexpr int kThreads = 64;
    constexpr int kOpsPerThread = 300;
    std::atomic<int> acquired{0};
    std::atomic<int> failed{0};
    std::atomic<int> async_pending{0};
    std::atomic<int> holding{0};
    std::atomic<int> max_holding{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::minstd_rand rng(static_cast<unsigned>(t) + 1);
            for (int i = 0; i < kOpsPerThread; ++i) {
                const std::string tenant = "t" + std::to_string(rng() % 10);
                const auto deadline = Clock::now() + Millis(rng() % 50);
                const auto kind = rng() % 10;
                auto use = [&](Lease& lease) {
                    FakeServer::RaiseMax(max_holding, holding.fetch_add(1) + 1);
                    if (rng() % 20 == 0) (void)lease.Execute("LOSE");
                    if (rng() % 20 == 0) (void)lease.Execute("BEGIN");
                    if (rng() % 50 == 0) server->KillAll();
                    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 200));
                    holding.fetch_sub(1);
                };
                if (kind < 6) {
                    auto lease = pool->Acquire(deadline, {tenant});
                    if (lease.ok()) {
                        ++acquired;
                        use(lease.value());
                    } else {
                        ++failed;
                    }
                } else if (kind < 8) {
                    auto lease = pool->TryAcquire({tenant});
                    if (lease.ok()) {
                        ++acquired;
                        use(lease.value());
                    } else {
                        ++failed;
                    }
                } else {
                    ++async_pending;
                    const AcquireTicket ticket = pool->AcquireAsync(deadline,
                                                                    [&](Result<Lease> lease) {
                                                                        if (lease.ok()) {
                                                                            ++acquired;
                                                                        } else {
                                                                            ++failed;
                                                                        }
                                                                        --async_pending;
                                                                    },
                                                                    {tenant});
                    if (kind == 9) (void)pool->Cancel(ticket);
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    ASSERT_TRUE(Eventually([&] { return async_pending.load() == 0; }));

    const PoolStats stats = pool->Stats();
    EXPECT_EQ(stats.in_use, 0u);
    EXPECT_EQ(stats.waiting, 0u);
    EXPECT_TRUE(stats.tenants.empty());
    EXPECT_EQ(stats.acquires, static_cast<std::uint64_t>(acquired.load()));
    EXPECT_EQ(acquired.load() + failed.load(), kThreads * kOpsPerThread);
    EXPECT_EQ(stats.timeouts + stats.exhausted + stats.overloads + stats.cancelled,
              static_cast<std::uint64_t>(failed.load()));
    EXPECT_LE(stats.total, 8u);
    EXPECT_LE(server->max_live.load(), 8);
    EXPECT_LE(max_holding.load(), 8);
    EXPECT_EQ(static_cast<std::size_t>(server->live.load()), stats.total);
    std::uint64_t evicted = 0;
    for (auto count : stats.evictions) evicted += count;
    EXPECT_EQ(stats.connects, evicted + stats.total);
    EXPECT_GT(acquired.load(), kThreads * kOpsPerThread / 4);
}

}  // namespace
}  // namespace pqpool::testing
