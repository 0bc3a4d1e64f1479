// SPDX-License-Identifier: MIT
// Project isolation in the database: row-level security holds for mnemo's own statements, for
// caller SQL through query_database, and against forged tenant settings.
#include <gtest/gtest.h>

#include "pg_test_support.hpp"
#include "server_pg_support.hpp"

namespace mnemo {
namespace {

using memory::Json;
using testing::TestDatabase;
using testing::UniqueProject;

constexpr const char* kSecret = "the launch code is 0000";

class IsolationTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = TestDatabase::Shared().Open(4);
        a_ = UniqueProject("iso_a");
        b_ = UniqueProject("iso_b");
        ASSERT_TRUE(store().CreateProject(a_, "").ok());
        ASSERT_TRUE(store().CreateProject(b_, "").ok());
        ASSERT_TRUE(store().LockContext(a_, {"secret", kSecret, {}, "important"}).ok());
        ASSERT_TRUE(store().LockContext(b_, {"public", "nothing to see", {}, "reference"}).ok());
    }

    memory::Store& store() { return *db_.store; }

    /// Runs SQL through query_database as project B; returns all cells joined, or the error.
    std::string QueryAsB(const std::string& sql) {
        memory::QueryRequest request;
        request.sql = sql;
        request.timeout = std::chrono::milliseconds(2000);
        auto result = store().Query(b_, request);
        if (!result.ok()) return "error: " + result.error().message();
        return (*result)["rows"].dump();
    }

    void ExpectADataIntact() {
        auto recalled = store().RecallContext(a_, "secret", std::nullopt, false);
        ASSERT_TRUE(recalled.ok());
        EXPECT_EQ((*recalled)["content"], kSecret);
    }

    cli::Database db_;
    std::string a_;
    std::string b_;
};

TEST_F(IsolationTest, ProjectBCannotReadAThroughTheTools) {
    auto recalled = store().RecallContext(b_, "secret", std::nullopt, false);
    ASSERT_FALSE(recalled.ok());
    EXPECT_EQ(recalled.error().code(), ErrorCode::kNotFound);
    auto found = store().SearchContexts(b_, {"launch code", std::nullopt, {}, 10, 0});
    ASSERT_TRUE(found.ok());
    EXPECT_TRUE(found->empty());
    auto briefing = store().WakeUp(b_);
    ASSERT_TRUE(briefing.ok());
    EXPECT_EQ(briefing->dump().find(kSecret), std::string::npos);
}

TEST_F(IsolationTest, QueryDatabaseSeesOnlyItsOwnProject) {
    EXPECT_EQ(QueryAsB("SELECT topic, content FROM mnemo.contexts"),
              R"([["public","nothing to see"]])");
    EXPECT_EQ(QueryAsB("SELECT name FROM mnemo.projects"), "[[\"" + b_ + "\"]]");
    EXPECT_EQ(QueryAsB("SELECT count(*) FROM mnemo.topics"), R"([[1]])");
}

TEST_F(IsolationTest, ForgedTenantSettingsRevealNothing) {
    const std::vector<std::string> attacks = {
        "SELECT set_config('mnemo.tenant', 'forged', true), content FROM mnemo.contexts",
        "WITH s AS MATERIALIZED (SELECT set_config('mnemo.tenant', '" + a_ +
            "', true)) SELECT c.content FROM s, mnemo.contexts c",
        "WITH s AS MATERIALIZED (SELECT set_config('mnemo.tenant', "
        "(SELECT value FROM mnemo.settings WHERE key = 'registry_key_hash'), true)) "
        "SELECT c.content FROM s, mnemo.contexts c",
        "WITH s AS MATERIALIZED (SELECT set_config('mnemo.tenant', encode(key_hash, 'hex'), true) "
        "FROM mnemo.project_keys) SELECT c.content FROM s, mnemo.contexts c",
        "SELECT set_config('role', 'postgres', true), content FROM mnemo.contexts",
    };
    for (const auto& attack : attacks) {
        const std::string outcome = QueryAsB(attack);
        EXPECT_EQ(outcome.find(kSecret), std::string::npos) << attack << " -> " << outcome;
    }
    ExpectADataIntact();
}

// The owning role is bound by the policies of `projects` and the server's tables (FORCE), not
// by those of the project tables (NO FORCE since 005: its statements filter by project
// themselves, index-friendly); that is why caller SQL runs as the caller roles, which are.
TEST_F(IsolationTest, TheOwningRoleWithoutATokenSeesNoProjectsButThePolicyFreeProjectTables) {
    pqpool::testing::AdminConnection owner(TestDatabase::Shared().dsn());
    EXPECT_EQ(owner.Scalar("SELECT count(*) FROM mnemo.projects"), "0");
    EXPECT_EQ(owner.Scalar("SELECT count(*) FROM mnemo.api_tokens"), "0");
    EXPECT_NE(owner.Scalar("SELECT count(*) FROM mnemo.contexts"), "0");
    EXPECT_EQ(owner.Scalar("SELECT relforcerowsecurity::text FROM pg_class "
                           "WHERE oid = 'mnemo.contexts'::regclass"),
              "false");
}

TEST_F(IsolationTest, WritesAreRefusedByPostgres) {
    // The caller role holds no privilege on sequences; a read-only transaction refuses too.
    const std::string nextval =
        QueryAsB("SELECT nextval(pg_get_serial_sequence('mnemo.projects', 'project_id'))");
    EXPECT_TRUE(nextval.find("read-only transaction") != std::string::npos ||
                nextval.find("permission denied") != std::string::npos)
        << nextval;
    EXPECT_EQ(QueryAsB("WITH d AS (DELETE FROM mnemo.contexts RETURNING 1) SELECT * FROM d")
                  .rfind("error: ", 0),
              0u);
    EXPECT_EQ(QueryAsB("DELETE FROM mnemo.contexts").rfind("error: ", 0), 0u);
    EXPECT_EQ(QueryAsB("SELECT 1; DELETE FROM mnemo.contexts").rfind("error: ", 0), 0u);
    EXPECT_EQ(QueryAsB("SELECT topic FROM mnemo.contexts"), R"([["public"]])");
    ExpectADataIntact();
}

TEST_F(IsolationTest, ColumnNamesContainingKeywordsAreFine) {
    const std::string rows = QueryAsB("SELECT topic, created_at IS NOT NULL FROM mnemo.contexts");
    EXPECT_EQ(rows, R"([["public",true]])");
}

TEST_F(IsolationTest, QueriesAreBoundedInTimeAndRowsAndLeaveNoSessionState) {
    EXPECT_NE(QueryAsB("SELECT pg_sleep(30)").find("statement timeout"), std::string::npos);
    memory::QueryRequest request;
    request.sql = "SELECT g FROM generate_series(1, 100000) g";
    request.limit = 5;
    auto limited = store().Query(b_, request);
    ASSERT_TRUE(limited.ok());
    EXPECT_EQ((*limited)["row_count"], 5);
    EXPECT_TRUE((*limited)["truncated"].get<bool>());

    // Session-level state a read-only query can still create must not outlive the call.
    QueryAsB("SELECT pg_advisory_lock(4242), set_config('statement_timeout', '1', false)");
    pqpool::testing::AdminConnection other(TestDatabase::Shared().admin_dsn());
    EXPECT_EQ(other.Scalar("SELECT pg_try_advisory_lock(4242)"), "t");
    for (int i = 0; i < 8; ++i) {  // every pooled connection still runs normal statements
        EXPECT_EQ(QueryAsB("SELECT count(*) FROM pg_sleep(0.01)"), R"([[1]])");
    }
}

}  // namespace
}  // namespace mnemo
