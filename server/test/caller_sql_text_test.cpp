// SPDX-License-Identifier: MIT
// Caller SQL as text: which statements query_database runs, errors that quote the caller's SQL
// instead of mnemo's wrapper, and values typed by their column.
#include "memory/caller_sql_text.hpp"

#include <gtest/gtest.h>

namespace mnemo::memory {
namespace {

using Json = nlohmann::json;

std::string Refusal(std::string_view sql) {
    auto kind = ClassifyCallerSql(sql);
    return kind.ok() ? "accepted" : kind.error().message();
}

TEST(ClassifyCallerSqlTest, QueriesRunThroughACursorShowAndExplainAsTheyAre) {
    for (const char* sql : {"select 1", "  /* a */ -- b\n ((WITH w AS (SELECT 1) TABLE w))",
                            "VALUES (1)", "TABLE mnemo.topics", "Select\t1"}) {
        auto kind = ClassifyCallerSql(sql);
        ASSERT_TRUE(kind.ok()) << sql;
        EXPECT_EQ(*kind, CallerStatement::kQuery) << sql;
    }
    for (const char* sql : {"SHOW work_mem", "explain (format json) select 1"}) {
        auto kind = ClassifyCallerSql(sql);
        ASSERT_TRUE(kind.ok()) << sql;
        EXPECT_EQ(*kind, CallerStatement::kUtility) << sql;
    }
}

TEST(ClassifyCallerSqlTest, EverythingElseIsRefusedByNameBeforeItRuns) {
    const std::string prefix =
        "query_database runs read-only queries (SELECT, WITH … SELECT, VALUES, TABLE, SHOW, "
        "EXPLAIN), not ";
    EXPECT_EQ(Refusal("DELETE FROM mnemo.contexts"), prefix + "DELETE");
    EXPECT_EQ(Refusal("  -- sneaky\n update mnemo.topics set x = 1"), prefix + "UPDATE");
    EXPECT_EQ(Refusal("set role postgres"), prefix + "SET");
    EXPECT_EQ(Refusal("   "), prefix + "an empty statement");
    EXPECT_EQ(Refusal("-- only a comment"), prefix + "an empty statement");
    EXPECT_EQ(Refusal("; select 1"), prefix + "';'");
}

TEST(QuoteCallerSqlTest, TheExcerptShowsTheCallersSqlWithTheCaretWhereTheServerPointed) {
    const std::string wrapper = "DECLARE q0 NO SCROLL CURSOR FOR ";
    const std::string caller = "SELECT 1\nFROM FROM nowhere";
    pqpool::Error error(pqpool::ErrorCode::kSql,
                        "ERROR:  syntax error at or near \"FROM\"\n"
                        "LINE 2: FROM FROM nowhere\n"
                        "             ^",
                        "42601");
    // The second FROM: character 15 of the caller's SQL.
    error.WithStatementPosition(static_cast<int>(wrapper.size()) + 15);
    const auto quoted = QuoteCallerSql(error, caller, wrapper.size());
    EXPECT_EQ(quoted.message(),
              "ERROR:  syntax error at or near \"FROM\"\n"
              "LINE 2: FROM FROM nowhere\n"
              "             ^");
    EXPECT_EQ(quoted.sqlstate(), "42601");
}

TEST(QuoteCallerSqlTest, TheWrappersExcerptNeverShows) {
    pqpool::Error error(pqpool::ErrorCode::kSql,
                        "ERROR:  column \"nope\" does not exist\n"
                        "LINE 1: SELECT CASE WHEN pg_catalog.num_nulls(t.c1) = 1 ...\n"
                        "                                    ^\n"
                        "HINT:  Perhaps you meant to reference the column \"t.c1\".",
                        "42703");
    error.WithStatementPosition(12);  // inside mnemo's own part
    const auto quoted = QuoteCallerSql(error, "SELECT nope", 200);
    EXPECT_EQ(quoted.message(),
              "ERROR:  column \"nope\" does not exist\n"
              "HINT:  Perhaps you meant to reference the column \"t.c1\".");
}

TEST(QuoteCallerSqlTest, PositionsCountCharactersNotBytes) {
    pqpool::Error error(pqpool::ErrorCode::kSql, "ERROR:  syntax error at or near \"x\"", "42601");
    error.WithStatementPosition(12);  // "SELECT 'é' x x": the first x is character 12
    const auto quoted = QuoteCallerSql(error, "SELECT 'é' x x", 0);
    EXPECT_EQ(quoted.message(),
              "ERROR:  syntax error at or near \"x\"\n"
              "LINE 1: SELECT 'é' x x\n" +
                  std::string(8 + 11, ' ') + "^");
}

TEST(TypedValueTest, ValuesBecomeJsonByTheirColumnType) {
    EXPECT_EQ(TypedValue("t", 16, true), Json(true));
    EXPECT_EQ(TypedValue("f", 16, true), Json(false));
    EXPECT_EQ(TypedValue("42", 23, true), Json(42));
    EXPECT_EQ(TypedValue("-7", 21, true), Json(-7));
    EXPECT_EQ(TypedValue("9007199254740991", 20, true), Json(9007199254740991));
    EXPECT_EQ(TypedValue("9007199254740993", 20, true), Json("9007199254740993"));
    EXPECT_EQ(TypedValue("1.5", 701, true), Json(1.5));
    EXPECT_EQ(TypedValue("NaN", 701, true), Json("NaN"));
    EXPECT_EQ(TypedValue("-Infinity", 700, true), Json("-Infinity"));
    EXPECT_EQ(TypedValue("123.25", 1700, true), Json(123.25));
    EXPECT_EQ(TypedValue("12345678901234567.5", 1700, true), Json("12345678901234567.5"));
    EXPECT_EQ(TypedValue(R"({"a": [1, null]})", 3802, true), Json::parse(R"({"a":[1,null]})"));
    EXPECT_EQ(TypedValue(R"({"a": [1)", 114, false), Json(R"({"a": [1)"));
    EXPECT_EQ(TypedValue("12", 25, true), Json("12"));     // text stays text
    EXPECT_EQ(TypedValue("123", 23, false), Json("123"));  // a cut value is never a number
}

}  // namespace
}  // namespace mnemo::memory
