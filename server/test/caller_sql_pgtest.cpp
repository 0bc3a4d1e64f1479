// SPDX-License-Identifier: MIT
// Caller SQL (query_database) runs as its own restricted roles: it cannot read the token
// tables, signal or read other sessions, leave settings behind, or make mnemo read a huge
// value; without its roles query_database refuses instead of running as mnemo's role.
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "cli/commands.hpp"
#include "memory/cluster_setup.hpp"
#include "pg_test_support.hpp"
#include "server_pg_support.hpp"

namespace mnemo {
namespace {

using memory::Json;
using testing::TestDatabase;
using testing::UniqueProject;

/// The shared test database's DSN with another database and role (both named `role`).
std::string DsnFor(const std::string& role) {
    std::string dsn = testing::WithDatabase(TestDatabase::Shared().dsn(), role);
    const std::string user = "user=" + TestDatabase::Shared().role();
    dsn.replace(dsn.find(user), user.size(), "user=" + role);
    return dsn;
}

class CallerSqlTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = TestDatabase::Shared().Open(4);
        a_ = UniqueProject("caller_a");
        b_ = UniqueProject("caller_b");
        ASSERT_TRUE(store().CreateProject(a_, "").ok());
        ASSERT_TRUE(store().CreateProject(b_, "").ok());
        ASSERT_TRUE(store().LockContext(a_, {"secret", "alpha bravo", {}, "important"}).ok());
    }

    memory::Store& store() { return *db_.store; }

    Result<Json> Query(const std::string& project, const std::string& sql,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        memory::QueryRequest request;
        request.sql = sql;
        request.timeout = timeout;
        return store().Query(project, request);
    }

    /// The rows as JSON text, or "error: …".
    std::string Rows(const std::string& project, const std::string& sql) {
        auto result = Query(project, sql);
        if (!result.ok()) return "error: " + result.error().message();
        return (*result)["rows"].dump();
    }

    cli::Database db_;
    std::string a_;
    std::string b_;
};

TEST_F(CallerSqlTest, RunsAsARestrictedLoginRoleNotAsMnemo) {
    const std::string rows = Rows(b_, "SELECT current_user, session_user");
    EXPECT_NE(rows.find(TestDatabase::Shared().role() + "_query_"), std::string::npos) << rows;
    EXPECT_EQ(Rows(b_, "SELECT pg_has_role('" + TestDatabase::Shared().role() + "', 'USAGE')"),
              R"([[false]])");
}

TEST_F(CallerSqlTest, TokenAndServerTablesAreRefused) {
    for (const char* table : {"owner_keys", "project_keys", "settings", "users", "api_tokens",
                              "http_sessions", "schema_migrations"}) {
        const std::string rows = Rows(b_, std::string("SELECT * FROM mnemo.") + table);
        EXPECT_NE(rows.find("permission denied"), std::string::npos) << table << ": " << rows;
    }
    EXPECT_EQ(Rows(b_, "SELECT count(*) FROM mnemo.projects"), R"([[1]])");
}

// sql/010_search_plan.sql: the search functions run as their caller (SECURITY INVOKER) and
// only mnemo's role may call them; current_project_id(), PL/pgSQL since 010, still names the
// caller's own project only.
TEST_F(CallerSqlTest, TheSearchAndRecallFunctionsAreRefusedAndTheProjectIsTheCallersOwn) {
    for (const char* call :
         {"SELECT mnemo.search_exact('''alpha''', '''alpha''', NULL, '{}', 11, 0)",
          "SELECT mnemo.search_tiers('''alpha''', '''alpha''', '{}', '{}', NULL, '{}', 11, 0, "
          "false)",
          "SELECT mnemo.recall_context('notes/alpha', NULL, false)",
          "SELECT mnemo.check_request('', '', '', 60, false, '', '', '')",
          "SELECT mnemo.save_session_state('', '', '', '', '')"}) {
        const std::string rows = Rows(b_, call);
        EXPECT_NE(rows.find("permission denied"), std::string::npos) << call << ": " << rows;
    }
    EXPECT_EQ(Rows(b_,
                   "SELECT count(*) FROM mnemo.projects p "
                   "WHERE p.project_id = mnemo.current_project_id()"),
              R"([[1]])");
    EXPECT_EQ(Rows(a_, "SELECT count(*) FROM mnemo.contexts"), R"([[1]])");
    EXPECT_EQ(Rows(b_, "SELECT count(*) FROM mnemo.contexts"), R"([[0]])");
    auto hits = store().SearchContexts(a_, {"alpha", std::nullopt, {}, 10, 0});
    ASSERT_TRUE(hits.ok()) << hits.error().message();
    EXPECT_EQ(hits->size(), 1u);
    hits = store().SearchContexts(b_, {"alpha", std::nullopt, {}, 10, 0});
    ASSERT_TRUE(hits.ok()) << hits.error().message();
    EXPECT_TRUE(hits->empty());
}

TEST_F(CallerSqlTest, SettingsAndRolesDoNotOutliveTheCall) {
    const std::string owner = TestDatabase::Shared().role();
    // Not queries: DECLARE refuses them.
    for (const std::string& sql : {"SET ROLE " + owner, std::string("RESET ROLE"),
                                   std::string("ALTER ROLE CURRENT_USER SET statement_timeout = 1"),
                                   std::string("SET statement_timeout = 1")}) {
        EXPECT_EQ(Rows(b_, sql).rfind("error: ", 0), 0u) << sql;
    }
    EXPECT_NE(
        Rows(b_, "SELECT set_config('role', '" + owner + "', false)").find("permission denied"),
        std::string::npos);
    // Allowed, but undone by the call's rollback.
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(Rows(b_,
                       "SELECT set_config('statement_timeout', '1', false), "
                       "set_config('mnemo.tenant', 'forged', false), "
                       "set_config('role', '" +
                           owner +
                           "_query', false), "
                           "set_config('role', 'none', false)")
                      .rfind("error: ", 0),
                  std::string::npos);
    }
    for (int i = 0; i < 4; ++i) {
        const std::string rows = Rows(b_,
                                      "SELECT current_setting('statement_timeout'), "
                                      "current_user = session_user, count(*) FROM mnemo.projects");
        EXPECT_EQ(rows, R"([["5s",true,1]])");
    }
}

TEST_F(CallerSqlTest, AnotherUsersRunningCallSurvivesAttemptsToKillIt) {
    // A's slow query runs on its own caller connection while B tries everything.
    auto slow = std::async(std::launch::async, [this] {
        return Rows(a_, "SELECT count(*), pg_sleep(1.5) FROM mnemo.contexts /* marker-a */");
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::string others = "FROM pg_stat_activity WHERE pid <> pg_backend_pid()";
    const std::string terminate = Rows(b_, "SELECT pg_terminate_backend(pid) " + others);
    // PostgreSQL 15 words it "permission denied" or "must be a superuser" (superuser backends).
    EXPECT_EQ(terminate.rfind("error: ", 0), 0u) << terminate;
    const std::string cancel = Rows(b_, "SELECT pg_cancel_backend(pid) " + others);
    EXPECT_EQ(cancel.rfind("error: ", 0), 0u) << cancel;
    // Statement text of other sessions: absent or "<insufficient privilege>", never A's SQL.
    const std::string texts = Rows(b_, "SELECT coalesce(query, '') " + others);
    EXPECT_EQ(texts.find("marker-a"), std::string::npos) << texts;
    EXPECT_EQ(texts.find("pg_sleep"), std::string::npos) << texts;
    // Its own backend only: harmless to others.
    (void)Rows(b_, "SELECT pg_terminate_backend(pg_backend_pid())");
    EXPECT_EQ(slow.get(), R"([[1,""]])");
    EXPECT_EQ(Rows(b_, "SELECT 1"), R"([[1]])");
    auto recalled = store().RecallContext(a_, "secret", std::nullopt, false);
    EXPECT_TRUE(recalled.ok());
}

TEST_F(CallerSqlTest, ValuesAreTypedByTheirColumnsAndNullsStayNull) {
    memory::QueryRequest request;
    request.sql =
        "SELECT $1::int AS n, NULL AS nothing, true AS yes, ROW(NULL, NULL) AS r, "
        "'{1,2}'::int[] AS a, 2.5::float8 AS f, 'NaN'::float8 AS nan, 10.25::numeric AS exact, "
        "12345678901234567.5::numeric AS wide, 9007199254740993::int8 AS big, "
        "'{\"k\": [1, null]}'::jsonb AS j, '42'::text AS t; -- trailing comment";
    request.params = {std::optional<std::string>("5")};
    auto result = store().Query(b_, request);
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ((*result)["columns"].dump(),
              R"(["n","nothing","yes","r","a","f","nan","exact","wide","big","j","t"])");
    EXPECT_EQ((*result)["column_types"].dump(),
              R"(["integer","text","boolean","record","integer[]","double precision",)"
              R"("double precision","numeric","numeric","bigint","jsonb","text"])");
    EXPECT_EQ((*result)["rows"].dump(),
              R"js([[5,null,true,"(,)","{1,2}",2.5,"NaN",10.25,"12345678901234567.5",)js"
              R"js("9007199254740993",{"k":[1,null]},"42"]])js");
    EXPECT_FALSE((*result)["truncated"].get<bool>());
}

TEST_F(CallerSqlTest, ShowAndExplainRunAndWritesAreRefusedBeforeRunning) {
    auto show = Query(b_, "SHOW statement_timeout");
    ASSERT_TRUE(show.ok()) << show.error().message();
    EXPECT_EQ((*show)["rows"].dump(), R"([["5s"]])");
    auto plan = Query(b_, "EXPLAIN (FORMAT JSON) SELECT * FROM mnemo.topics");
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    EXPECT_EQ((*plan)["column_types"].dump(), R"(["json"])");
    EXPECT_TRUE((*plan)["rows"][0][0].is_array()) << plan->dump();
    auto refused = Query(b_, "DELETE FROM mnemo.contexts");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message(),
              "query_database runs read-only queries (SELECT, WITH … SELECT, VALUES, TABLE, "
              "SHOW, EXPLAIN), not DELETE");
    auto analyze = Query(b_, "EXPLAIN ANALYZE DELETE FROM mnemo.contexts");
    ASSERT_FALSE(analyze.ok());
    EXPECT_NE(analyze.error().message().find("read-only transaction"), std::string::npos)
        << analyze.error().message();
}

TEST_F(CallerSqlTest, ErrorsQuoteTheCallersSqlNotTheWrapper) {
    auto unknown = Query(b_, "SELECT nope\nFROM mnemo.topics");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().message().substr(0, unknown.error().message().find("\nHINT")),
              "ERROR:  column \"nope\" does not exist\nLINE 1: SELECT nope\n"
              "               ^");
    auto runtime = Query(b_, "SELECT 1 / (count(*) - count(*)) FROM mnemo.topics");
    ASSERT_FALSE(runtime.ok());
    EXPECT_EQ(runtime.error().message(), "ERROR:  division by zero");
}

TEST_F(CallerSqlTest, EveryKindOfQueryStandsInsideTheCuttingSelect) {
    EXPECT_EQ(Rows(b_, "SELECT 'a;--' AS x; /* c; */ -- d;\n  ;"), R"([["a;--"]])");
    EXPECT_EQ(Rows(b_, "SELECT $$;)$$ AS y, $tag$'$tag$ AS z;"), R"js([[";)","'"]])js");
    EXPECT_EQ(Rows(b_, "VALUES (1, 'one'), (2, 'two')"), R"([[1,"one"],[2,"two"]])");
    EXPECT_EQ(Rows(b_, "TABLE mnemo.topics"), R"([])");
    EXPECT_EQ(Rows(b_, "WITH w AS (SELECT 2 AS n) SELECT n, n FROM w"), R"([[2,2]])");
    EXPECT_EQ(Rows(b_, "SELECT g FROM generate_series(1, 3) g ORDER BY g DESC"),
              R"([[3],[2],[1]])");
    // Not one query: refused before anything runs.
    EXPECT_EQ(Rows(b_, "SELECT 1) AS t(c1) UNION SELECT repeat('x', 10) FROM (SELECT 1")
                  .rfind("error: ", 0),
              0u);
}

TEST_F(CallerSqlTest, ConnectionsOfSeveralProcessesNeverShareARole) {
    // Three "processes" (pools) at once, two caller connections each, all busy together.
    std::vector<cli::Database> processes;
    for (int i = 0; i < 3; ++i) processes.push_back(TestDatabase::Shared().Open(2));
    std::vector<std::future<std::string>> calls;
    for (int i = 0; i < 6; ++i) {
        memory::Store& store = *processes[static_cast<std::size_t>(i / 2)].store;
        const std::string project = i % 2 == 0 ? a_ : b_;
        calls.push_back(std::async(std::launch::async, [&store, project] {
            memory::QueryRequest request;
            request.sql = "SELECT current_user::text, pg_sleep(0.5)";
            auto result = store.Query(project, request);
            return result.ok() ? (*result)["rows"][0][0].get<std::string>()
                               : "error: " + result.error().message();
        }));
    }
    std::set<std::string> roles;
    for (auto& call : calls) {
        const std::string role = call.get();
        EXPECT_EQ(role.rfind(TestDatabase::Shared().role() + "_query_", 0), 0u) << role;
        roles.insert(role);
    }
    EXPECT_EQ(roles.size(), 6u);
}

/// Peak resident memory of this process (VmHWM), in MiB.
long PeakRssMiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
    }
    return -1;
}

TEST_F(CallerSqlTest, AHugeValueIsCutInTheDatabaseNotReadWhole) {
    const long before = PeakRssMiB();
    auto result = Query(b_, "SELECT repeat('x', 100000000) AS big, 'é' AS small");
    ASSERT_TRUE(result.ok()) << result.error().message();
    const auto& row = (*result)["rows"][0];
    EXPECT_EQ(row[0].get<std::string>().size(), 32u * 1024);
    EXPECT_EQ(row[1], "é");
    EXPECT_TRUE((*result)["truncated"].get<bool>());
    EXPECT_EQ((*result)["cut_values"]["count"], 1);
    EXPECT_EQ((*result)["cut_values"]["first"].dump(), R"([{"column":"big","row":0}])");
    // Multi-byte characters: cut at the byte cap too, on a character boundary.
    auto wide = Query(b_, "SELECT repeat('é', 100000)");
    ASSERT_TRUE(wide.ok());
    EXPECT_EQ((*wide)["rows"][0][0].get<std::string>().size(), 64u * 1024);

    // Twenty at once (on a process whose caller pool has 4 connections and waits long enough
    // for all): mnemo never holds a whole value.
    Config config = TestDatabase::Shared().MakeConfig(4);
    config.query_max_connections = 4;
    config.acquire_timeout = std::chrono::seconds(120);
    config.pool_max_waiting = 100;
    auto busy = cli::OpenDatabase(config);
    ASSERT_TRUE(busy.ok());
    std::vector<std::future<std::string>> calls;
    for (int i = 0; i < 20; ++i) {
        calls.push_back(std::async(std::launch::async, [this, i, &busy] {
            memory::QueryRequest request;
            request.sql = "SELECT repeat('x', 20000000)";  // 20 × 20 MB read whole = 400 MB
            request.timeout = std::chrono::seconds(30);
            auto big = busy->store->Query(i % 2 == 0 ? a_ : b_, request);
            if (!big.ok()) return big.error().message();
            return std::to_string((*big)["rows"][0][0].get<std::string>().size());
        }));
    }
    for (auto& call : calls) EXPECT_EQ(call.get(), std::to_string(64 * 1024));
    const long after = PeakRssMiB();
    std::printf("peak RSS %ld -> %ld MiB\n", before, after);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)  // their shadow memory
    EXPECT_LT(after - before, 64) << "peak RSS grew from " << before << " to " << after << " MiB";
#endif
}

TEST_F(CallerSqlTest, ManyRowsOfWideValuesStayWithinTheCap) {
    auto result = Query(b_, "SELECT g, repeat('y', 5000) FROM generate_series(1, 100) g");
    ASSERT_TRUE(result.ok());
    EXPECT_LT((*result)["row_count"].get<int>(), 100);
    EXPECT_TRUE((*result)["truncated"].get<bool>());
    EXPECT_FALSE((*result).contains("cut_values"));
}

TEST_F(CallerSqlTest, TheDoctorChecksTheCallerRoles) {
    ::testing::internal::CaptureStdout();
    const int code = cli::RunDoctor(TestDatabase::Shared().MakeConfig(4));
    const std::string output = ::testing::internal::GetCapturedStdout();
    EXPECT_EQ(code, 0) << output;
    EXPECT_NE(output.find("ok    caller       caller SQL runs as " + TestDatabase::Shared().role() +
                          "_query_"),
              std::string::npos)
        << output;
}

/// A role without CREATEROLE owning its own database: the roles cannot be made.
TEST(CallerRolesTest, WithoutTheRolesQueryDatabaseRefusesAndTheDoctorSaysWhy) {
    const std::string role = UniqueProject("nocr");
    const std::string cluster = TestDatabase::Shared().admin_dsn();
    {
        pqpool::testing::AdminConnection admin(cluster);
        admin.Scalar("CREATE ROLE " + role + " LOGIN PASSWORD 'test'");
        admin.Scalar("CREATE DATABASE " + role + " OWNER " + role);
    }
    Config config = TestDatabase::Shared().MakeConfig(2);
    config.database_url = DsnFor(role);
    {
        auto db = cli::OpenDatabase(config);
        ASSERT_TRUE(db.ok()) << db.error().message();
        const std::string project = UniqueProject("p");
        ASSERT_TRUE(db->store->CreateProject(project, "").ok());
        memory::QueryRequest request;
        request.sql = "SELECT 1";
        auto refused = db->store->Query(project, request);
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
        EXPECT_NE(refused.error().message().find("ALTER ROLE " + role + " CREATEROLE"),
                  std::string::npos)
            << refused.error().message();
        ::testing::internal::CaptureStdout();
        const int code = cli::RunDoctor(config);
        const std::string output = ::testing::internal::GetCapturedStdout();
        EXPECT_EQ(code, 1);
        EXPECT_NE(output.find("FAIL  caller       query_database is unavailable"),
                  std::string::npos)
            << output;
    }
    pqpool::testing::AdminConnection admin(cluster);
    admin.Scalar("DROP DATABASE " + role + " WITH (FORCE)");
    admin.Scalar("DROP ROLE " + role);
}

/// Roles someone gave too much (here: pg_signal_backend) are not used at all.
TEST(CallerRolesTest, OverPrivilegedRolesAreRefusedNotUsed) {
    const std::string role = UniqueProject("over");
    const std::string cluster = TestDatabase::Shared().admin_dsn();
    {
        pqpool::testing::AdminConnection admin(cluster);
        admin.Scalar("CREATE ROLE " + role + " LOGIN CREATEROLE PASSWORD 'test'");
        admin.Scalar("CREATE DATABASE " + role + " OWNER " + role);
    }
    Config config = TestDatabase::Shared().MakeConfig(2);
    config.database_url = DsnFor(role);
    const std::string project = UniqueProject("p");
    {
        auto db = cli::OpenDatabase(config);  // creates the roles
        ASSERT_TRUE(db.ok()) << db.error().message();
        ASSERT_TRUE(db->store->CreateProject(project, "").ok());
    }
    {
        pqpool::testing::AdminConnection admin(cluster);
        admin.Scalar("GRANT pg_signal_backend TO " + role + "_query");
    }
    {
        auto db = cli::OpenDatabase(config);
        ASSERT_TRUE(db.ok()) << db.error().message();
        memory::QueryRequest request;
        request.sql = "SELECT 1";
        auto refused = db->store->Query(project, request);
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
        EXPECT_NE(refused.error().message().find("may signal any backend"), std::string::npos)
            << refused.error().message();
    }
    pqpool::testing::AdminConnection admin(cluster);
    admin.Scalar("DROP DATABASE " + role + " WITH (FORCE)");
    std::string roles;
    for (int i = 1; i <= 16; ++i) roles += role + "_query_" + std::to_string(i) + ", ";
    admin.Scalar("DROP ROLE " + roles + role + "_query, " + role);
}

/// Where mnemo owns the cluster (embedded), a superuser also hides other databases, table
/// statistics and other sessions from caller SQL. Applied here to a database of its own.
TEST(CallerRolesTest, TheEmbeddedHardeningHidesStatisticsAndOtherDatabases) {
    const std::string role = UniqueProject("hard");
    const std::string cluster = TestDatabase::Shared().admin_dsn();
    {
        pqpool::testing::AdminConnection admin(cluster);
        admin.Scalar("CREATE ROLE " + role + " LOGIN CREATEROLE PASSWORD 'test'");
        admin.Scalar("CREATE DATABASE " + role + " OWNER " + role);
    }
    {
        pqpool::testing::AdminConnection admin(testing::WithDatabase(cluster, role));
        admin.Scalar(memory::CallerHardeningSql(role));
    }
    Config config = TestDatabase::Shared().MakeConfig(2);
    config.database_url = DsnFor(role);
    {
        auto db = cli::OpenDatabase(config);
        ASSERT_TRUE(db.ok()) << db.error().message();
        const std::string project = UniqueProject("p");
        ASSERT_TRUE(db->store->CreateProject(project, "").ok());
        for (const char* sql :
             {"SELECT datname FROM pg_database", "SELECT n_tup_ins FROM pg_stat_user_tables",
              "SELECT query FROM pg_stat_activity",
              "SELECT pg_stat_get_tuples_inserted('mnemo.contexts'::regclass)",
              "SELECT pg_terminate_backend(1)"}) {
            memory::QueryRequest request;
            request.sql = sql;
            auto result = db->store->Query(project, request);
            ASSERT_FALSE(result.ok()) << sql;
            EXPECT_NE(result.error().message().find("permission denied"), std::string::npos)
                << sql << ": " << result.error().message();
        }
        // mnemo's own role keeps what memory_status reads.
        auto status = db->store->Status(project);
        ASSERT_TRUE(status.ok()) << status.error().message();
    }
    pqpool::testing::AdminConnection admin(cluster);
    admin.Scalar("DROP DATABASE " + role + " WITH (FORCE)");
    std::string roles;
    for (int i = 1; i <= 16; ++i) roles += role + "_query_" + std::to_string(i) + ", ";
    admin.Scalar("DROP ROLE " + roles + role + "_query, " + role);
}

}  // namespace
}  // namespace mnemo
