// SPDX-License-Identifier: MIT
// Prepared statements (PoolOptions::prepared_statements) against the test PostgreSQL: each
// connection parses a SQL text once, keeps no failed Parse, stays within its limit, and a
// statement whose result columns changed fails once and takes its connection with it.
#include <string>

#include <gtest/gtest.h>

#include "pg_test_support.hpp"
#include "pqpool/pool.hpp"

namespace pqpool::testing {
namespace {

class PreparedStatementsTest : public ::testing::Test {
protected:
    /// A pool of one connection that keeps up to `limit` statements prepared, and its lease.
    void Open(std::size_t limit) {
        PoolOptions options;
        options.conninfo = TestDsn();
        options.name = UniqueName("pqpool_prepared");
        options.max_size = 1;
        options.prepared_statements = limit;
        auto pool = Pool::Create(std::move(options));
        ASSERT_TRUE(pool.ok()) << pool.error().message();
        pool_ = std::move(pool).value();
        auto lease = pool_->Acquire(Clock::now() + Millis(5000));
        ASSERT_TRUE(lease.ok()) << lease.error().message();
        lease_.emplace(std::move(lease).value());
    }

    /// The first value `sql` returns; a failure fails the test.
    std::string Value(std::string_view sql, std::initializer_list<Param> params = {}) {
        auto result = lease_->Execute(sql, params);
        EXPECT_TRUE(result.ok()) << sql << ": " << (result.ok() ? "" : result.error().message());
        return result.ok() ? std::string(result->Get(0, 0)) : "<error>";
    }

    /// How many statements this session holds prepared with exactly this text.
    std::string PreparedCount(std::string_view sql) {
        return Value("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
                     {Param(sql)});
    }
    std::string PreparedTotal() { return Value("SELECT count(*) FROM pg_prepared_statements"); }

    std::shared_ptr<Pool> pool_;
    std::optional<Lease> lease_;
};

TEST_F(PreparedStatementsTest, EachSqlTextIsParsedOncePerConnection) {
    Open(8);
    const std::string_view sql = "SELECT $1::int + 1";
    EXPECT_EQ(Value(sql, {Param("1")}), "2");
    EXPECT_EQ(Value(sql, {Param("41")}), "42");
    const Param nine[] = {Param("9")};
    const Param ninety_nine[] = {Param("99")};
    const Statement batch[] = {{sql, nine}, {sql, ninety_nine}};
    auto both = lease_->connection().ExecuteBatch(batch);
    ASSERT_TRUE(both.ok()) << both.error().message();
    EXPECT_EQ(both->Get(0, 0), "100");
    EXPECT_EQ(PreparedCount(sql), "1");
    // The two counting statements are the others.
    EXPECT_EQ(PreparedTotal(), "3");
}

TEST_F(PreparedStatementsTest, WithoutALimitNothingIsPrepared) {
    Open(0);
    EXPECT_EQ(Value("SELECT $1::int + 1", {Param("1")}), "2");
    EXPECT_EQ(PreparedTotal(), "0");
}

TEST_F(PreparedStatementsTest, BeyondTheLimitStatementsRunUnnamed) {
    Open(2);
    EXPECT_EQ(Value("SELECT 'a'"), "a");
    EXPECT_EQ(Value("SELECT 'b'"), "b");
    EXPECT_EQ(Value("SELECT 'c'"), "c");
    EXPECT_EQ(Value("SELECT 'c'"), "c");
    EXPECT_EQ(PreparedCount("SELECT 'c'"), "0");
    EXPECT_EQ(PreparedTotal(), "2");
}

TEST_F(PreparedStatementsTest, AParseThatFailsIsNotKept) {
    Open(8);
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto wrong = lease_->Execute("SELEC 1");
        ASSERT_FALSE(wrong.ok());
        EXPECT_EQ(wrong.error().sqlstate(), "42601") << wrong.error().message();
        EXPECT_FALSE(lease_->connection().broken());
    }
    // A statement after a failed one in the same pipeline is aborted, not parsed: kept neither.
    const Statement batch[] = {{"SELECT 1 / 0", {}}, {"SELECT 'after'", {}}};
    auto aborted = lease_->connection().ExecuteBatch(batch);
    ASSERT_FALSE(aborted.ok());
    EXPECT_EQ(aborted.error().sqlstate(), "22012");
    EXPECT_EQ(Value("SELECT 'after'"), "after");
    EXPECT_EQ(PreparedCount("SELECT 'after'"), "1");
    EXPECT_EQ(PreparedCount("SELEC 1"), "0");
}

TEST_F(PreparedStatementsTest, ChangedResultColumnsFailOnceAndDiscardTheConnection) {
    Open(8);
    ASSERT_TRUE(lease_->connection()
                    .ExecuteScript("CREATE TEMP TABLE shape(a int); INSERT INTO shape VALUES (1)")
                    .ok());
    EXPECT_EQ(Value("SELECT * FROM shape"), "1");
    ASSERT_TRUE(lease_->connection().ExecuteScript("ALTER TABLE shape ADD COLUMN b int").ok());
    auto changed = lease_->Execute("SELECT * FROM shape");
    ASSERT_FALSE(changed.ok());
    EXPECT_EQ(changed.error().sqlstate(), "0A000") << changed.error().message();
    EXPECT_TRUE(lease_->connection().broken());
    lease_.reset();
    // A fresh connection, with nothing prepared: the same text runs (the table was temporary).
    auto lease = pool_->Acquire(Clock::now() + Millis(5000));
    ASSERT_TRUE(lease.ok()) << lease.error().message();
    lease_.emplace(std::move(lease).value());
    EXPECT_EQ(PreparedTotal(), "1");
}

}  // namespace
}  // namespace pqpool::testing
