// SPDX-License-Identifier: MIT
// mnemo doctor and migrate on a real database: verdicts for a safe role, a superuser, a budget
// that does not fit.
#include <gtest/gtest.h>

#include "cli/commands.hpp"
#include "memory/migrations.hpp"
#include "pg_test_support.hpp"
#include "server_pg_support.hpp"

namespace mnemo {
namespace {

using testing::TestDatabase;

struct Outcome {
    int code;
    std::string output;
};

Outcome Doctor(const Config& config) {
    ::testing::internal::CaptureStdout();
    const int code = cli::RunDoctor(config);
    return {code, ::testing::internal::GetCapturedStdout()};
}

TEST(DoctorTest, AnOrdinaryRoleWithAFittingBudgetIsReady) {
    const auto outcome = Doctor(TestDatabase::Shared().MakeConfig(4));
    EXPECT_EQ(outcome.code, 0) << outcome.output;
    EXPECT_NE(outcome.output.find("ok    isolation"), std::string::npos) << outcome.output;
    const std::string schema = "ok    migrations   schema at version " +
                               std::to_string(memory::CompiledMigrations().back().version);
    EXPECT_NE(outcome.output.find(schema), std::string::npos) << outcome.output;
    EXPECT_NE(outcome.output.find("verdict: READY"), std::string::npos);
}

TEST(DoctorTest, ASuperuserFailsTheIsolationCheck) {
    Config config = TestDatabase::Shared().MakeConfig(4);
    config.database_url = TestDatabase::Shared().admin_dsn();
    const auto outcome = Doctor(config);
    EXPECT_EQ(outcome.code, 1);
    EXPECT_NE(outcome.output.find("FAIL  isolation"), std::string::npos) << outcome.output;
    EXPECT_NE(outcome.output.find("verdict: NOT READY"), std::string::npos);
}

TEST(DoctorTest, ABudgetAboveTheServerLimitFails) {
    pqpool::testing::AdminConnection admin(TestDatabase::Shared().admin_dsn());
    const int max_connections = std::stoi(admin.Scalar("SHOW max_connections"));
    const auto outcome =
        Doctor(TestDatabase::Shared().MakeConfig(static_cast<std::size_t>(max_connections)));
    EXPECT_EQ(outcome.code, 1);
    EXPECT_NE(outcome.output.find("FAIL  budget"), std::string::npos) << outcome.output;
    EXPECT_NE(outcome.output.find("lower MNEMO_POOL_MAX_CONNECTIONS"), std::string::npos);
}

TEST(DoctorTest, AnUnreachableDatabaseIsReportedNotHung) {
    Config config = TestDatabase::Shared().MakeConfig(4);
    config.database_url = "host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2";
    config.acquire_timeout = std::chrono::seconds(2);
    const auto outcome = Doctor(config);
    EXPECT_EQ(outcome.code, 1);
    EXPECT_NE(outcome.output.find("FAIL  database"), std::string::npos) << outcome.output;
}

}  // namespace
}  // namespace mnemo
