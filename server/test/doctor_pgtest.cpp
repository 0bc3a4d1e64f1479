// SPDX-License-Identifier: MIT
// mnemo doctor and migrate on a real database: verdicts for a safe role, a superuser, a budget
// that does not fit.
#include <filesystem>

#include <gtest/gtest.h>

#include "cli/commands.hpp"
#include "memory/migrations.hpp"
#include "pg_test_support.hpp"
#include "server_pg_support.hpp"

namespace mnemo {
namespace {

using testing::TestDatabase;

/// A second, empty database owned by the test role, and an empty $MNEMO_HOME; both removed at
/// the end of the test.
class EmptyDatabase {
public:
    EmptyDatabase()
        : name_(TestDatabase::Shared().role() + "_empty"),
          admin_(TestDatabase::Shared().admin_dsn()),
          home_(std::filesystem::temp_directory_path() / testing::UniqueProject("mnemo_home")) {
        admin_.Scalar("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        admin_.Scalar("CREATE DATABASE " + name_ + " OWNER " + TestDatabase::Shared().role());
        std::filesystem::create_directories(home_);
    }
    ~EmptyDatabase() {
        admin_.Scalar("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        std::filesystem::remove_all(home_);
    }

    /// A configuration on this database with no MNEMO_SECRET and `home` as $MNEMO_HOME.
    Config MakeConfig(const std::filesystem::path& home) const {
        Config config = TestDatabase::Shared().MakeConfig(4);
        config.database_url = testing::WithDatabase(TestDatabase::Shared().dsn(), name_);
        config.secret.clear();
        config.home = home;
        return config;
    }
    Config MakeConfig() const { return MakeConfig(home_); }

    /// How many schemas named mnemo the database has (0 or 1).
    std::string MnemoSchemas() {
        pqpool::testing::AdminConnection admin(
            testing::WithDatabase(TestDatabase::Shared().admin_dsn(), name_));
        return admin.Scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'mnemo'");
    }
    [[nodiscard]] const std::filesystem::path& home() const { return home_; }
    [[nodiscard]] std::string Dsn(const std::string& base) const {
        return testing::WithDatabase(base, name_);
    }

private:
    std::string name_;
    pqpool::testing::AdminConnection admin_;
    std::filesystem::path home_;
};

struct Outcome {
    int code;
    std::string output;
};

Outcome Doctor(const Config& config) {
    // Doctor reads a database set up by migrate (the empty case is a test of its own).
    static const bool migrated = [] { return TestDatabase::Shared().Open().pool != nullptr; }();
    EXPECT_TRUE(migrated);
    ::testing::internal::CaptureStdout();
    const int code = cli::RunDoctor(config);
    return {code, ::testing::internal::GetCapturedStdout()};
}

Outcome Migrate(const Config& config) {
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int code = cli::RunMigrate(config);
    std::string output = ::testing::internal::GetCapturedStdout();
    output += ::testing::internal::GetCapturedStderr();
    return {code, output};
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

TEST(DoctorTest, OnAnEmptyDatabaseItWritesNothingAndSaysWhatMigrateWouldDo) {
    EmptyDatabase empty;
    const auto outcome = Doctor(empty.MakeConfig());
    EXPECT_EQ(outcome.code, 0) << outcome.output;
    EXPECT_NE(outcome.output.find("WARN  secret       none yet: `mnemo migrate`"),
              std::string::npos)
        << outcome.output;
    EXPECT_NE(outcome.output.find("WARN  migrations   no mnemo schema in this database yet"),
              std::string::npos)
        << outcome.output;
    EXPECT_NE(outcome.output.find("verdict: READY (with warnings)"), std::string::npos);
    EXPECT_EQ(empty.MnemoSchemas(), "0");
    EXPECT_TRUE(std::filesystem::is_empty(empty.home())) << "doctor created a file";
}

TEST(DoctorTest, AsASuperuserOnAnEmptyDatabaseItFailsWithoutInstallingTheSchema) {
    EmptyDatabase empty;
    Config config = empty.MakeConfig();
    config.database_url = empty.Dsn(TestDatabase::Shared().admin_dsn());
    const auto outcome = Doctor(config);
    EXPECT_EQ(outcome.code, 1);
    EXPECT_NE(outcome.output.find("FAIL  isolation"), std::string::npos) << outcome.output;
    EXPECT_EQ(empty.MnemoSchemas(), "0");
}

TEST(DoctorTest, MigrateCreatesAndNamesTheSecretThenDoctorFindsItMatches) {
    EmptyDatabase empty;
    const auto migrated = Migrate(empty.MakeConfig());
    ASSERT_EQ(migrated.code, 0) << migrated.output;
    const auto secret_file = empty.home() / "secret";
    EXPECT_NE(migrated.output.find("secret: " + secret_file.string() + " (created now)"),
              std::string::npos)
        << migrated.output;
    EXPECT_TRUE(std::filesystem::exists(secret_file));
    EXPECT_EQ(empty.MnemoSchemas(), "1");
    const auto checked = Doctor(empty.MakeConfig());
    EXPECT_EQ(checked.code, 0) << checked.output;
    EXPECT_NE(checked.output.find("ok    secret       the one this database was set up with"),
              std::string::npos)
        << checked.output;
}

TEST(DoctorTest, AProcessWithAnotherSecretIsRefusedAndLeavesNothingBehind) {
    EmptyDatabase empty;
    ASSERT_EQ(Migrate(empty.MakeConfig()).code, 0);
    // A replica with its own, empty home: it would have created a secret file of its own.
    const auto other_home = empty.home() / "replica";
    std::filesystem::create_directories(other_home);
    const auto refused = Migrate(empty.MakeConfig(other_home));
    EXPECT_EQ(refused.code, 1);
    EXPECT_NE(refused.output.find("this database was set up with a mnemo secret, and this "
                                  "process has none"),
              std::string::npos)
        << refused.output;
    EXPECT_NE(refused.output.find("docs/deploy.md"), std::string::npos);
    EXPECT_TRUE(std::filesystem::is_empty(other_home)) << "a refused process wrote a secret";
    // With a different MNEMO_SECRET: refused too, and doctor says the same.
    Config wrong = empty.MakeConfig(other_home);
    wrong.secret = "another-secret-0123456789abcdef0123456789abcdef";
    const auto differs = Migrate(wrong);
    EXPECT_EQ(differs.code, 1);
    EXPECT_NE(differs.output.find("set up with a different mnemo secret"), std::string::npos)
        << differs.output;
    const auto doctor = Doctor(wrong);
    EXPECT_EQ(doctor.code, 1);
    EXPECT_NE(doctor.output.find("FAIL  secret       this database was set up with a different"),
              std::string::npos)
        << doctor.output;
}

}  // namespace
}  // namespace mnemo
