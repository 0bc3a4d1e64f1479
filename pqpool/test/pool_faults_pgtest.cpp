// SPDX-License-Identifier: MIT
// Pool under real faults, each on its own private cluster: server stopped, connects that hang
// or are refused, restarts (fast and immediate) under load, and a server with fewer
// connection slots than the pool's budget.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pg_test_support.hpp"
#include "pqpool/pool.hpp"
#include "test_util.hpp"

namespace pqpool::testing {
namespace {

Deadline In(int ms) { return Clock::now() + Millis(ms); }

std::shared_ptr<Pool> MakePool(PoolOptions options) {
    auto pool = Pool::Create(std::move(options));
    EXPECT_TRUE(pool.ok()) << (pool.ok() ? "" : pool.error().message());
    return std::move(pool).value();
}

// Every acquire, from many threads at once, returns by its deadline (+ Slack()) with an error
// that names the database, not the pool.
void ExpectAllAcquiresFailInTime(Pool& pool, ErrorCode expected, const char* text) {
    std::atomic<int> late{0};
    std::atomic<int> wrong{0};
    std::mutex mu;
    std::string sample;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 3; ++i) {
                const int budget_ms = 100 + 50 * ((t + i) % 4);
                const auto start = Clock::now();
                auto lease = pool.Acquire(start + Millis(budget_ms));
                if (MillisSince(start) > budget_ms + SlackMs()) ++late;
                if (lease.ok() || lease.error().code() != expected ||
                    lease.error().message().find(text) == std::string::npos) {
                    ++wrong;
                }
                std::lock_guard lock(mu);
                if (!lease.ok()) sample = lease.error().message();
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(late.load(), 0);
    EXPECT_EQ(wrong.load(), 0) << sample;
}

TEST(PoolFaultsTest, ServerStoppedEveryAcquireFailsInTime) {
    auto cluster = PrivateCluster::Start();
    ASSERT_NE(cluster, nullptr);
    PoolOptions options;
    options.conninfo = cluster->dsn();
    LogCapture log;
    options.logger = log.logger();
    auto pool = MakePool(options);
    {
        auto lease = pool->Acquire(In(5000));
        ASSERT_TRUE(lease.ok());
    }
    ASSERT_EQ(cluster->PgCtl("stop -m fast -w"), 0);
    ExpectAllAcquiresFailInTime(*pool, ErrorCode::kDatabaseUnavailable, "Database unavailable");
    ASSERT_EQ(cluster->PgCtl("start -w"), 0);
    auto lease = pool->Acquire(In(10'000));
    ASSERT_TRUE(lease.ok()) << lease.error().message();
    EXPECT_TRUE(lease->Execute("SELECT 1").ok());
}

// A TCP socket bound to a free loopback port; returns the socket and sets `conninfo` to it.
int BindLoopback(std::string& conninfo) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    conninfo = "host=127.0.0.1 port=" + std::to_string(ntohs(address.sin_port)) +
               " user=nobody dbname=nothing";
    return fd;
}

TEST(PoolFaultsTest, RefusedConnectsFailInTimeWithTheLibpqError) {
    // A port nobody listens on: bind, then close without listening.
    PoolOptions options;
    close(BindLoopback(options.conninfo));
    LogCapture log;
    options.logger = log.logger();
    auto pool = MakePool(options);
    ExpectAllAcquiresFailInTime(*pool, ErrorCode::kDatabaseUnavailable, "Connection refused");
}

TEST(PoolFaultsTest, HangingConnectsFailInTimeAndAreLimited) {
    // A listener that never accepts: the TCP handshake completes, the server never answers.
    PoolOptions options;
    const int listener = BindLoopback(options.conninfo);
    ASSERT_EQ(listen(listener, 64), 0);
    options.connect_timeout = Millis(300);
    LogCapture log;
    options.logger = log.logger();
    auto pool = MakePool(options);
    ExpectAllAcquiresFailInTime(*pool, ErrorCode::kDatabaseUnavailable, "Database unavailable");
    EXPECT_LE(pool->Stats().connecting, 2u);
    EXPECT_GE(log.Count("connect timed out"), 1) << log.All();
    close(listener);
}

// Load runs while the server restarts; every acquire that starts after pg_ctl reports the
// server accepting again must succeed, statement included.
void RestartUnderLoad(const char* mode) {
    auto cluster = PrivateCluster::Start();
    ASSERT_NE(cluster, nullptr);
    PoolOptions options;
    options.conninfo = cluster->dsn();
    options.max_size = 6;
    options.backoff_max = Millis(500);
    LogCapture log;
    options.logger = log.logger();
    auto pool = MakePool(options);

    std::atomic<bool> running{true};
    std::atomic<Clock::rep> ready_at{Clock::time_point::max().time_since_epoch().count()};
    std::atomic<int> ok_after{0};
    std::atomic<int> errors_after{0};
    std::atomic<int> errors_during{0};
    std::mutex mu;
    std::string first_error_after;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            while (running) {
                const auto start = Clock::now();
                const bool after = start.time_since_epoch().count() >= ready_at.load();
                auto lease = pool->Acquire(start + Millis(10'000));
                std::string error;
                if (!lease.ok()) {
                    error = lease.error().message();
                } else if (auto r = lease->Execute("SELECT 1", {}, start + Millis(10'000));
                           !r.ok()) {
                    error = r.error().message();
                }
                if (!after) {
                    errors_during += error.empty() ? 0 : 1;
                } else if (error.empty()) {
                    ++ok_after;
                } else {
                    ++errors_after;
                    std::lock_guard lock(mu);
                    if (first_error_after.empty()) first_error_after = error;
                }
                std::this_thread::sleep_for(Millis(1));
            }
        });
    }
    std::this_thread::sleep_for(Millis(300));
    ASSERT_EQ(cluster->PgCtl(std::string("restart -w -m ") + mode), 0);
    ready_at = Clock::now().time_since_epoch().count();
    std::this_thread::sleep_for(Millis(1500));
    running = false;
    for (auto& t : threads) t.join();
    EXPECT_EQ(errors_after.load(), 0) << first_error_after;
    EXPECT_GT(ok_after.load(), 100);
    ::testing::Test::RecordProperty("errors_during_restart", std::to_string(errors_during.load()));
}

TEST(PoolFaultsTest, RestartFastUnderLoadNoErrorsOnceAccepting) { RestartUnderLoad("fast"); }

TEST(PoolFaultsTest, RestartImmediateUnderLoadNoErrorsOnceAccepting) {
    RestartUnderLoad("immediate");
}

TEST(PoolFaultsTest, FewerServerSlotsThanBudgetIsBackpressure) {
    auto cluster = PrivateCluster::Start();
    ASSERT_NE(cluster, nullptr);
    {
        AdminConnection admin(cluster->dsn());
        admin.Scalar("ALTER SYSTEM SET max_connections = 6");
        admin.Scalar("ALTER SYSTEM SET superuser_reserved_connections = 0");
    }
    ASSERT_EQ(cluster->PgCtl("restart -w -m fast"), 0);
    PoolOptions options;
    options.conninfo = cluster->dsn();
    options.max_size = 20;
    options.backoff_max = Millis(200);
    LogCapture log;
    options.logger = log.logger();
    auto pool = MakePool(options);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                auto lease = pool->Acquire(In(15'000));
                if (!lease.ok() || !lease->Execute("SELECT pg_sleep(0.005)").ok()) ++failures;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    const auto stats = pool->Stats();
    EXPECT_LE(stats.total, 6u);
    EXPECT_LT(stats.effective_max_size, 20u);
    EXPECT_GE(log.Count("SQLSTATE 53300"), 1) << log.All();
}

}  // namespace
}  // namespace pqpool::testing
