// SPDX-License-Identifier: MIT
// Configuration: defaults, environment, flags, and clear errors for bad values.
#include "config/config.hpp"

#include <gtest/gtest.h>

#include "cli/database.hpp"

namespace mnemo {
namespace {

using Env = std::map<std::string, std::string>;

TEST(ConfigTest, DefaultsDependOnTheTransport) {
    auto stdio = LoadConfig(Transport::kStdio, {{"HOME", "/home/u"}}, {});
    ASSERT_TRUE(stdio.ok());
    EXPECT_EQ(stdio->pool_max_connections, 4u);
    EXPECT_EQ(stdio->project_max_connections, 5u);
    EXPECT_EQ(stdio->acquire_timeout.count(), 10000);
    EXPECT_EQ(stdio->home, "/home/u/.local/share/mnemo");
    auto http = LoadConfig(Transport::kHttp, {{"HOME", "/home/u"}}, {});
    ASSERT_TRUE(http.ok());
    EXPECT_EQ(http->pool_max_connections, 20u);
}

TEST(ConfigTest, EnvironmentAndFlagsOverrideWithFlagsWinning) {
    const Env env = {{"MNEMO_POOL_MAX_CONNECTIONS", "7"},  {"MNEMO_PROJECT_MAX_CONNECTIONS", "2"},
                     {"MNEMO_ACQUIRE_TIMEOUT_MS", "250"},  {"MNEMO_HOME", "/srv/mnemo"},
                     {"DATABASE_URL", "postgresql://env"}, {"MNEMO_PROJECT", "from-env"}};
    ConfigFlags flags;
    flags.database_url = "postgresql://flag";
    flags.project = "from-flag";
    auto config = LoadConfig(Transport::kStdio, env, flags);
    ASSERT_TRUE(config.ok()) << config.error().message();
    EXPECT_EQ(config->pool_max_connections, 7u);
    EXPECT_EQ(config->project_max_connections, 2u);
    EXPECT_EQ(config->acquire_timeout.count(), 250);
    EXPECT_EQ(config->home, "/srv/mnemo");
    EXPECT_EQ(config->database_url, "postgresql://flag");
    EXPECT_EQ(config->default_project, "from-flag");
}

TEST(ConfigTest, InvalidValuesAreClearErrors) {
    struct Case {
        const char* name;
        const char* value;
        const char* message;
    };
    const Case cases[] = {
        {"MNEMO_POOL_MAX_CONNECTIONS", "lots",
         "MNEMO_POOL_MAX_CONNECTIONS must be an integer from 1 to 1000, got 'lots'"},
        {"MNEMO_POOL_MAX_CONNECTIONS", "0",
         "MNEMO_POOL_MAX_CONNECTIONS must be an integer from 1 to 1000, got '0'"},
        {"MNEMO_PROJECT_MAX_CONNECTIONS", "-1",
         "MNEMO_PROJECT_MAX_CONNECTIONS must be an integer from 1 to 1000, got '-1'"},
        {"MNEMO_ACQUIRE_TIMEOUT_MS", "10s",
         "MNEMO_ACQUIRE_TIMEOUT_MS must be an integer from 1 to 600000, got '10s'"},
        {"MNEMO_ACQUIRE_TIMEOUT_MS", "",
         "MNEMO_ACQUIRE_TIMEOUT_MS must be an integer from 1 to "
         "600000, got ''"},
        {"MNEMO_LOG_LEVEL", "loud",
         "MNEMO_LOG_LEVEL must be one of debug, info, warning, error, got 'loud'"},
        {"MNEMO_SECRET", "short",
         "MNEMO_SECRET must be at least 32 characters (it keys every project's "
         "row-level-security token), got 5"},
        {"MNEMO_PROJECT", "Has Spaces",
         "project 'Has Spaces' is not a valid project name: use 1-64 characters of a-z, 0-9, "
         "'_' and '-', starting with a letter or digit"},
    };
    for (const auto& c : cases) {
        auto config = LoadConfig(Transport::kStdio, {{c.name, c.value}}, {});
        ASSERT_FALSE(config.ok()) << c.name << "=" << c.value;
        EXPECT_EQ(config.error().message(), c.message);
    }
}

TEST(ConfigTest, ProjectNamesFollowOneRule) {
    EXPECT_TRUE(IsValidProjectName("a"));
    EXPECT_TRUE(IsValidProjectName("0-project_x"));
    EXPECT_FALSE(IsValidProjectName(""));
    EXPECT_FALSE(IsValidProjectName("-a"));
    EXPECT_FALSE(IsValidProjectName("A"));
    EXPECT_FALSE(IsValidProjectName(std::string(65, 'a')));
    EXPECT_EQ(ProjectNameFromDirectory("My Repo.git"), "my-repo-git");
    EXPECT_EQ(ProjectNameFromDirectory("__init"), "init");
    EXPECT_EQ(ProjectNameFromDirectory("..."), "");
    EXPECT_EQ(ProjectNameFromDirectory(std::string(80, 'b')), std::string(64, 'b'));
}

TEST(ConfigTest, PasswordsNeverReachTheLogs) {
    EXPECT_EQ(cli::RedactConninfo("postgresql://u:s3cret@db:5432/x"),
              "postgresql://u:***@db:5432/x");
    EXPECT_EQ(cli::RedactConninfo("postgresql://u@db/x?password=s3cret&sslmode=require"),
              "postgresql://u@db/x?password=***&sslmode=require");
    EXPECT_EQ(cli::RedactConninfo("host=db password = 'a b' user=u"),
              "host=db password = *** user=u");
    EXPECT_EQ(cli::RedactConninfo("host=db password=s3cret"), "host=db password=***");
    EXPECT_EQ(cli::RedactConninfo("host=/run dbname=mnemo"), "host=/run dbname=mnemo");
}

}  // namespace
}  // namespace mnemo
