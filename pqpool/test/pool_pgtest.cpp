// SPDX-License-Identifier: MIT
// Pool against the shared test PostgreSQL: statements, tenant context, reset, health after
// pg_terminate_backend, the budget under 1 000 tenants, fairness, lifetimes and idle silence.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "pg_test_support.hpp"
#include "pqpool/pool.hpp"
#include "test_util.hpp"

namespace pqpool::testing {
namespace {

Deadline In(int ms) { return Clock::now() + Millis(ms); }

class PgPoolTest : public ::testing::Test {
protected:
    PoolOptions Options() {
        PoolOptions options;
        options.conninfo = TestDsn();
        options.name = UniqueName("pqpool_test");  // Also its application_name.
        options.max_size = 4;
        options.logger = log.logger();
        return options;
    }
    std::shared_ptr<Pool> Make(PoolOptions options) {
        auto pool = Pool::Create(std::move(options));
        EXPECT_TRUE(pool.ok()) << (pool.ok() ? "" : pool.error().message());
        return std::move(pool).value();
    }
    std::string BackendPid(Lease& lease) {
        auto pid = lease.Execute("SELECT pg_backend_pid()");
        EXPECT_TRUE(pid.ok()) << (pid.ok() ? "" : pid.error().message());
        return pid.ok() ? std::string(pid->Get(0, 0)) : "";
    }

    LogCapture log;
    AdminConnection admin{TestDsn()};
};

TEST_F(PgPoolTest, RunsStatementsWithParametersAndNulls) {
    auto pool = Make(Options());
    auto lease = pool->Acquire(In(5000));
    ASSERT_TRUE(lease.ok()) << lease.error().message();
    auto result =
        lease->Execute("SELECT $1::int + 1, $2::text IS NULL, 'a''b'", {Param("41"), std::nullopt});
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result->rows(), 1);
    EXPECT_EQ(result->Get(0, 0), "42");
    EXPECT_EQ(result->Get(0, 1), "t");
    EXPECT_EQ(result->Get(0, 2), "a'b");
    auto error = lease->Execute("SELECT * FROM no_such_table_anywhere");
    ASSERT_FALSE(error.ok());
    EXPECT_EQ(error.error().code(), ErrorCode::kSql);
    EXPECT_EQ(error.error().sqlstate(), "42P01");
    EXPECT_FALSE(lease->connection().broken());
    EXPECT_TRUE(lease->Execute("SELECT 1").ok());
}

TEST_F(PgPoolTest, ScriptsRunSeveralStatementsAndReportTheFirstError) {
    auto pool = Make(Options());
    auto lease = pool->Acquire(In(5000));
    ASSERT_TRUE(lease.ok()) << lease.error().message();
    Connection& connection = lease->connection();
    ASSERT_TRUE(connection
                    .ExecuteScript("CREATE TEMP TABLE script_t (n int); INSERT INTO script_t "
                                   "VALUES (1), (2); INSERT INTO script_t VALUES (3)")
                    .ok());
    EXPECT_EQ(lease->Execute("SELECT sum(n) FROM script_t")->Get(0, 0), "6");
    // The second statement fails: the third does not run, and the first is undone with it
    // (PostgreSQL runs a script without BEGIN/COMMIT as one implicit transaction).
    const Status failed = connection.ExecuteScript(
        "INSERT INTO script_t VALUES (10); SELECT * FROM no_such_table; "
        "INSERT INTO script_t VALUES (100)");
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code(), ErrorCode::kSql);
    EXPECT_EQ(failed.error().sqlstate(), "42P01");
    EXPECT_FALSE(connection.broken());
    EXPECT_EQ(lease->Execute("SELECT sum(n) FROM script_t")->Get(0, 0), "6");
    // A script that opens a transaction and fails leaves it aborted, for the caller to end.
    EXPECT_FALSE(connection
                     .ExecuteScript("BEGIN; INSERT INTO script_t VALUES (1000); SELECT 1/0; "
                                    "COMMIT")
                     .ok());
    EXPECT_EQ(connection.transaction_state(), TxState::kInError);
    EXPECT_TRUE(connection.ExecuteScript("ROLLBACK").ok());
    EXPECT_EQ(lease->Execute("SELECT sum(n) FROM script_t")->Get(0, 0), "6");
    // Bounded like Execute: past the deadline the session is dropped.
    const auto start = Clock::now();
    const Status slow =
        connection.ExecuteScript("SELECT 1; SELECT pg_sleep(10)", start + Millis(100));
    EXPECT_LT(MillisSince(start), 100.0 + SlackMs());
    ASSERT_FALSE(slow.ok());
    EXPECT_TRUE(connection.broken());
}

TEST_F(PgPoolTest, ColumnTypesAreTypeOids) {
    auto pool = Make(Options());
    auto lease = pool->Acquire(In(5000));
    ASSERT_TRUE(lease.ok()) << lease.error().message();
    auto result = lease->Execute("SELECT 1::int4, 'x'::text, true, 1::int8");
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result->ColumnType(0), 23u);  // int4
    EXPECT_EQ(result->ColumnType(1), 25u);  // text
    EXPECT_EQ(result->ColumnType(2), 16u);  // bool
    EXPECT_EQ(result->ColumnType(3), 20u);  // int8
    EXPECT_EQ(QueryResult().ColumnType(0), 0u);
}

TEST_F(PgPoolTest, ACancellerStopsTheRunningStatementFromAnotherThread) {
    auto pool = Make(Options());
    auto lease = pool->Acquire(In(5000));
    ASSERT_TRUE(lease.ok()) << lease.error().message();
    const std::unique_ptr<Canceller> canceller = lease->connection().MakeCanceller();
    ASSERT_NE(canceller, nullptr);
    std::atomic<bool> delivered{false};
    std::thread cancel([&] {
        std::this_thread::sleep_for(Millis(200));
        delivered = canceller->Cancel();
    });
    const auto start = Clock::now();
    auto slow = lease->Execute("SELECT pg_sleep(10)", {}, start + Millis(8000));
    cancel.join();
    EXPECT_TRUE(delivered.load());
    EXPECT_LT(MillisSince(start), 5000.0);
    ASSERT_FALSE(slow.ok());
    EXPECT_EQ(slow.error().sqlstate(), "57014");  // query_canceled
    EXPECT_FALSE(lease->connection().broken());
    EXPECT_TRUE(lease->Execute("SELECT 1").ok());
}

TEST_F(PgPoolTest, ConnectionsGetKeepaliveAndApplicationNameDefaults) {
    auto options = Options();
    auto pool = Make(options);
    auto lease = pool->Acquire(In(5000));
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(lease->Execute("SELECT current_setting('application_name')")->Get(0, 0),
              options.name);
    std::map<std::string, std::string> settings;
    PQconninfoOption* info = PQconninfo(lease->connection().native());
    for (PQconninfoOption* option = info; option->keyword != nullptr; ++option) {
        if (option->val != nullptr) settings[option->keyword] = option->val;
    }
    PQconninfoFree(info);
    EXPECT_EQ(settings["keepalives"], "1");
    EXPECT_EQ(settings["keepalives_idle"], "30");
    EXPECT_EQ(settings["keepalives_interval"], "10");
    EXPECT_EQ(settings["keepalives_count"], "3");
    EXPECT_EQ(settings["tcp_user_timeout"], "30000");

    // Settings in the connection string win over the defaults.
    options.conninfo = TestDsn() + "?application_name=custom_app&keepalives_idle=7";
    auto custom = Make(options);
    auto other = custom->Acquire(In(5000));
    ASSERT_TRUE(other.ok()) << other.error().message();
    EXPECT_EQ(other->Execute("SELECT current_setting('application_name')")->Get(0, 0),
              "custom_app");
}

TEST_F(PgPoolTest, UniqueViolationAndRollbackOnReturn) {
    const std::string schema = UniqueName("pqpool_s");
    admin.Scalar("CREATE SCHEMA " + schema);
    admin.Scalar("CREATE TABLE " + schema + ".t (id int PRIMARY KEY)");
    auto pool = Make(Options());
    std::string pid;
    {
        auto lease = pool->Acquire(In(5000));
        ASSERT_TRUE(lease.ok());
        pid = BackendPid(lease.value());
        ASSERT_TRUE(lease->Execute("BEGIN").ok());
        ASSERT_TRUE(lease->Execute("INSERT INTO " + schema + ".t VALUES (1)").ok());
        auto dup = lease->Execute("INSERT INTO " + schema + ".t VALUES (1)");
        ASSERT_FALSE(dup.ok());
        EXPECT_TRUE(dup.error().IsUniqueViolation());
    }  // Returned inside a failed transaction: rolled back, kept.
    EXPECT_EQ(admin.Scalar("SELECT count(*) FROM " + schema + ".t"), "0");
    {
        auto lease = pool->Acquire(In(5000));
        EXPECT_EQ(BackendPid(lease.value()), pid);  // Same session, clean.
        ASSERT_TRUE(lease->Execute("BEGIN").ok());
        ASSERT_TRUE(lease->Execute("INSERT INTO " + schema + ".t VALUES (2)").ok());
    }  // Returned inside an open transaction: rolled back.
    EXPECT_EQ(admin.Scalar("SELECT count(*) FROM " + schema + ".t"), "0");
    admin.Scalar("DROP SCHEMA " + schema + " CASCADE");
}

TEST_F(PgPoolTest, TenantContextIsSetForEveryTransactionOfTheLease) {
    auto options = Options();
    options.tenant_context_sql = "SELECT set_config('pqpool.tenant', $1, true)";
    options.max_size = 1;  // Every lease shares one session: nothing may leak between them.
    auto pool = Make(options);
    const std::string read = "SELECT coalesce(current_setting('pqpool.tenant', true), '')";
    {
        auto lease = pool->Acquire(In(5000), {"alpha"});
        ASSERT_TRUE(lease.ok());
        EXPECT_EQ(lease->Execute(read)->Get(0, 0), "alpha");
        EXPECT_EQ(lease->Execute(read)->Get(0, 0), "alpha");  // Each implicit transaction.
        auto begin = lease->Execute("BEGIN");
        ASSERT_TRUE(begin.ok());
        EXPECT_EQ(lease->connection().transaction_state(), TxState::kInTransaction);
        EXPECT_EQ(lease->Execute(read)->Get(0, 0), "alpha");
        EXPECT_EQ(lease->Execute(read)->Get(0, 0), "alpha");
        ASSERT_TRUE(lease->Execute("COMMIT").ok());
        EXPECT_EQ(lease->Execute(read)->Get(0, 0), "alpha");
        ASSERT_TRUE(lease->Execute("  begin isolation level repeatable read").ok());
        EXPECT_EQ(lease->Execute(read)->Get(0, 0), "alpha");
        ASSERT_TRUE(lease->Execute("ROLLBACK").ok());
    }
    {
        auto lease = pool->Acquire(In(5000), {"beta"});
        EXPECT_EQ(lease->Execute(read)->Get(0, 0), "beta");
    }
    {
        auto lease = pool->Acquire(In(5000));  // Untenanted: no context, nothing left over.
        EXPECT_EQ(lease->Execute(read)->Get(0, 0), "");
    }
    {
        // A failing statement in the pipeline reports its own error, and the lease recovers.
        auto lease = pool->Acquire(In(5000), {"gamma"});
        auto bad = lease->Execute("SELECT 1/0");
        ASSERT_FALSE(bad.ok());
        EXPECT_EQ(bad.error().sqlstate(), "22012");
        EXPECT_EQ(lease->Execute(read)->Get(0, 0), "gamma");
    }
}

TEST_F(PgPoolTest, TenantContextValueMapsTheKeyBeforeItIsBound) {
    auto options = Options();
    options.tenant_context_sql = "SELECT set_config('pqpool.tenant', $1, true)";
    options.tenant_context_value = [](std::string_view tenant) {
        return "token-for-" + std::string(tenant);
    };
    auto pool = Make(options);
    auto lease = pool->Acquire(In(5000), {"alpha"});
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(lease->tenant(), "alpha");  // quotas, logs and errors keep the key itself
    EXPECT_EQ(lease->Execute("SELECT current_setting('pqpool.tenant')")->Get(0, 0),
              "token-for-alpha");
}

TEST_F(PgPoolTest, AGuardRunsInTheRoundTripAndTransactionOfTheNextStatement) {
    auto options = Options();
    options.tenant_context_sql = "SELECT set_config('pqpool.tenant', $1, true)";
    auto pool = Make(options);
    auto lease = pool->Acquire(In(5000), {"alpha"});
    ASSERT_TRUE(lease.ok());
    lease->SetGuard("SELECT set_config('pqpool.guarded', $1, true)", {"checked"});
    EXPECT_TRUE(lease->guard_pending());
    auto both = lease->Execute(
        "SELECT current_setting('pqpool.guarded') || '/' || current_setting('pqpool.tenant')");
    ASSERT_TRUE(both.ok()) << both.error().message();
    EXPECT_EQ(both->Get(0, 0), "checked/alpha");  // same transaction, context still applied
    EXPECT_FALSE(lease->guard_pending());
    // Sent once: the next transaction no longer sees it.
    EXPECT_EQ(
        lease->Execute("SELECT coalesce(current_setting('pqpool.guarded', true), '')")->Get(0, 0),
        "");
    EXPECT_TRUE(lease->RunGuard().ok());
}

TEST_F(PgPoolTest, AFailedGuardStopsItsStatementAndRefusesTheLease) {
    auto options = Options();
    options.max_size = 1;  // one session: its temporary table outlives the lease
    auto pool = Make(options);
    constexpr const char* kGuard = "SELECT CASE WHEN $1 = 'valid' THEN 1 ELSE 1/0 END";
    {
        auto lease = pool->Acquire(In(5000));
        ASSERT_TRUE(lease->Execute("CREATE TEMP TABLE guarded_writes (n int)").ok());
        lease->SetGuard(kGuard, {"revoked"});
        auto write = lease->Execute("INSERT INTO guarded_writes VALUES (1)");
        ASSERT_FALSE(write.ok());
        EXPECT_EQ(write.error().sqlstate(), "22012");
        EXPECT_EQ(write.error().failed_statement(), 0u);
        // Refused from then on, without a round trip.
        auto after = lease->Execute("INSERT INTO guarded_writes VALUES (2)");
        ASSERT_FALSE(after.ok());
        EXPECT_EQ(after.error().sqlstate(), "22012");
        EXPECT_EQ(lease->RunGuard().error().sqlstate(), "22012");
        lease->SetGuard(kGuard, {"valid"});  // cannot lift the refusal
        EXPECT_FALSE(lease->Execute("SELECT 1").ok());
    }
    {
        auto lease = pool->Acquire(In(5000));
        EXPECT_EQ(lease->Execute("SELECT count(*) FROM guarded_writes")->Get(0, 0), "0");
        // A guard in front of BEGIN: it fails inside the transaction BEGIN opened.
        lease->SetGuard(kGuard, {"revoked"});
        EXPECT_FALSE(lease->Execute("BEGIN").ok());
    }
    {
        auto lease = pool->Acquire(In(5000));  // the aborted transaction was rolled back
        EXPECT_EQ(lease->connection().transaction_state(), TxState::kIdle);
        // The statement's own error leaves a passed guard passed.
        lease->SetGuard(kGuard, {"valid"});
        auto bad = lease->Execute("SELECT 1/0");
        ASSERT_FALSE(bad.ok());
        EXPECT_EQ(bad.error().failed_statement(), 1u);
        EXPECT_TRUE(lease->Execute("INSERT INTO guarded_writes VALUES (3)").ok());
        // A guard no statement followed runs alone.
        lease->SetGuard(kGuard, {"revoked"});
        EXPECT_EQ(lease->RunGuard().error().sqlstate(), "22012");
        EXPECT_FALSE(lease->Execute("SELECT 1").ok());
    }
    {
        // Decided at the latest on release, and `decided` hears it once.
        auto lease = pool->Acquire(In(5000));
        int calls = 0;
        std::string outcome = "undecided";
        lease->SetGuard(kGuard, {"revoked"}, [&](const Status& status) {
            ++calls;
            outcome = status.ok() ? "passed" : status.error().sqlstate();
        });
        lease->Release();
        EXPECT_EQ(calls, 1);
        EXPECT_EQ(outcome, "22012");
    }
    auto lease = pool->Acquire(In(5000));
    EXPECT_EQ(lease->Execute("SELECT count(*) FROM guarded_writes")->Get(0, 0), "1");
    std::string outcome = "undecided";
    lease->SetGuard(kGuard, {"valid"},
                    [&](const Status& status) { outcome = status.ok() ? "passed" : "failed"; });
    EXPECT_TRUE(lease->Execute("SELECT 1").ok());
    EXPECT_EQ(outcome, "passed");
}

TEST_F(PgPoolTest, AcquiresSucceedAfterEveryIdleConnectionWasTerminated) {
    auto options = Options();
    auto pool = Make(options);
    std::set<std::string> before;
    {
        std::vector<Lease> leases;
        for (int i = 0; i < 4; ++i) {
            auto lease = pool->Acquire(In(5000));
            ASSERT_TRUE(lease.ok());
            before.insert(BackendPid(lease.value()));
            leases.push_back(std::move(lease.value()));
        }
    }
    ASSERT_EQ(admin.Sessions(options.name), 4);
    admin.Scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = $1",
        options.name.c_str());
    ASSERT_TRUE(Eventually([&] { return admin.Sessions(options.name) == 0; }));
    std::vector<Lease> leases;
    for (int i = 0; i < 4; ++i) {
        auto lease = pool->Acquire(In(5000));
        ASSERT_TRUE(lease.ok()) << lease.error().message();
        const std::string pid = BackendPid(lease.value());
        EXPECT_FALSE(pid.empty());
        EXPECT_EQ(before.count(pid), 0u);
        leases.push_back(std::move(lease.value()));
    }
    EXPECT_EQ(pool->Stats().evicted(EvictReason::kFailedCheck), 4u);
}

TEST_F(PgPoolTest, ThousandTenantsNeverOpenMoreThanTheBudget) {
    auto options = Options();
    options.max_size = 6;
    options.tenant_max_leases = 5;
    options.max_waiting = 1000;
    auto pool = Make(options);
    std::atomic<bool> running{true};
    std::atomic<int> max_sessions{0};
    std::thread monitor([&] {
        AdminConnection observer(TestDsn());
        while (running) {
            FakeServer::RaiseMax(max_sessions, observer.Sessions(options.name));
        }
    });
    std::vector<std::thread> workers;
    std::atomic<int> failures{0};
    for (int t = 0; t < 32; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < 40; ++i) {
                const std::string tenant = "project-" + std::to_string((t * 40 + i) % 1000);
                auto lease = pool->Acquire(In(10'000), {tenant});
                if (!lease.ok() || !lease->Execute("SELECT pg_sleep(0.001)").ok()) ++failures;
            }
        });
    }
    for (auto& w : workers) w.join();
    running = false;
    monitor.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_GT(max_sessions.load(), 0);
    EXPECT_LE(max_sessions.load(), 6);
    EXPECT_LE(pool->Stats().total, 6u);
}

TEST_F(PgPoolTest, WaitingIsFairUnderOversubscription) {
    // 200 threads, 5 connections, 20 ms holds: FIFO serves them in 40 rounds, so nobody should
    // wait more than twice ceil(200/5) × 20 ms.
    constexpr int kThreads = 200;
    constexpr int kConnections = 5;
    constexpr int kHoldMs = 20;
    auto options = Options();
    options.max_size = kConnections;
    options.max_waiting = kThreads;
    auto pool = Make(options);
    {  // Warm up, so the measurement is about waiting, not connecting.
        std::vector<Lease> leases;
        for (int i = 0; i < kConnections; ++i) {
            leases.push_back(std::move(pool->Acquire(In(5000)).value()));
        }
    }
    std::vector<double> waits(kThreads);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            ++ready;
            while (!go) std::this_thread::yield();
            const auto start = Clock::now();
            auto lease = pool->Acquire(In(30'000));
            waits[std::size_t(t)] = MillisSince(start);
            ASSERT_TRUE(lease.ok()) << lease.error().message();
            std::this_thread::sleep_for(Millis(kHoldMs));
        });
    }
    while (ready < kThreads) std::this_thread::yield();
    go = true;
    for (auto& t : threads) t.join();
    const double ideal = std::ceil(double(kThreads) / kConnections) * kHoldMs;
    const double worst = *std::max_element(waits.begin(), waits.end());
    EXPECT_LE(worst, 2 * ideal + SlackMs())
        << "worst wait " << worst << " ms, FIFO ideal " << ideal << " ms";
    RecordProperty("worst_wait_ms", std::to_string(worst));
}

TEST_F(PgPoolTest, ConnectionsAreReplacedAfterTheirLifetime) {
    auto options = Options();
    options.max_lifetime = Millis(200);
    options.lifetime_jitter = 0.2;
    auto pool = Make(options);
    std::string first;
    {
        auto lease = pool->Acquire(In(5000));
        first = BackendPid(lease.value());
    }
    std::this_thread::sleep_for(Millis(250));
    auto lease = pool->Acquire(In(5000));
    EXPECT_NE(BackendPid(lease.value()), first);
    EXPECT_EQ(
        admin.Scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", first.c_str()),
        "0");
}

TEST_F(PgPoolTest, IdlePoolSendsNothingAndClosesItsConnections) {
    auto options = PoolOptions::Serverless(TestDsn());
    options.name = UniqueName("pqpool_serverless");
    options.logger = log.logger();
    options.idle_timeout = Millis(1500);
    auto pool = Make(options);
    {
        std::vector<Lease> leases;
        for (int i = 0; i < 3; ++i) {
            leases.push_back(std::move(pool->Acquire(In(5000)).value()));
            ASSERT_TRUE(leases.back().Execute("SELECT 1").ok());
        }
    }
    // While idle, the sessions' last activity must not move: no pings, no keepalive queries.
    const std::string last_activity =
        "SELECT coalesce(max(state_change)::text, 'none') || '/' || count(*) "
        "FROM pg_stat_activity WHERE application_name = $1";
    const std::string at_rest = admin.Scalar(last_activity, options.name.c_str());
    EXPECT_NE(at_rest.find("/3"), std::string::npos) << at_rest;
    std::this_thread::sleep_for(Millis(1000));
    EXPECT_EQ(admin.Scalar(last_activity, options.name.c_str()), at_rest);
    // After idle_timeout they are closed, and nothing reconnects while idle.
    ASSERT_TRUE(Eventually([&] { return admin.Sessions(options.name) == 0; }, Millis(4000)));
    const auto connects = pool->Stats().connects;
    std::this_thread::sleep_for(Millis(2100));
    EXPECT_EQ(admin.Sessions(options.name), 0);
    EXPECT_EQ(pool->Stats().connects, connects);
    // The first request after the quiet period simply works.
    auto lease = pool->Acquire(In(5000));
    ASSERT_TRUE(lease.ok());
    EXPECT_TRUE(lease->Execute("SELECT 1").ok());
}

TEST_F(PgPoolTest, StatementDeadlineDropsTheConnection) {
    auto pool = Make(Options());
    auto lease = pool->Acquire(In(5000));
    const auto start = Clock::now();
    auto slow = lease->Execute("SELECT pg_sleep(10)", {}, start + Millis(100));
    EXPECT_LT(MillisSince(start), 100.0 + SlackMs());
    ASSERT_FALSE(slow.ok());
    EXPECT_EQ(slow.error().code(), ErrorCode::kConnectionLost);
    EXPECT_TRUE(lease->connection().broken());
    lease->Release();
    EXPECT_EQ(pool->Stats().evicted(EvictReason::kBroken), 1u);
}

TEST_F(PgPoolTest, StatementTimeoutBoundsExecuteWithoutADeadline) {
    auto options = Options();
    options.statement_timeout = Millis(100);
    auto pool = Make(options);
    auto lease = pool->Acquire(In(5000));
    const auto start = Clock::now();
    auto slow = lease->Execute("SELECT pg_sleep(10)");
    EXPECT_LT(MillisSince(start), 100.0 + SlackMs());
    ASSERT_FALSE(slow.ok());
    EXPECT_EQ(slow.error().code(), ErrorCode::kConnectionLost);
    EXPECT_NE(slow.error().message().find("statement deadline"), std::string::npos);
    lease->Release();

    // An explicit deadline wins over the default bound.
    auto second = pool->Acquire(In(5000));
    ASSERT_TRUE(second.ok()) << second.error().message();
    EXPECT_TRUE(second->Execute("SELECT pg_sleep(0.3)", {}, Clock::now() + Millis(2000)).ok());
}

TEST_F(PgPoolTest, LeakedLeaseIsReportedAndStatsAreCoherent) {
    auto options = Options();
    options.leak_threshold = Millis(100);
    auto pool = Make(options);
    {
        auto lease = pool->Acquire(In(5000), {"p", "search_contexts"});
        ASSERT_TRUE(Eventually([&] { return pool->Stats().leaks == 1; }));
        // The report is logged after the count, outside the pool's lock.
        ASSERT_TRUE(Eventually([&] { return log.Count("'search_contexts'") == 1; })) << log.All();
        auto stats = pool->Stats();
        EXPECT_EQ(stats.in_use, 1u);
        ASSERT_EQ(stats.tenants.size(), 1u);
        EXPECT_EQ(stats.tenants[0].tenant, "p");
    }
    EXPECT_EQ(log.Count("'search_contexts'"), 2) << log.All();
}

}  // namespace
}  // namespace pqpool::testing
