// SPDX-License-Identifier: MIT
// Configuration: defaults, environment, flags, and clear errors for bad values.
#include "config/config.hpp"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/database.hpp"
#include "memory/access_store.hpp"
#include "memory/store.hpp"
#include "memory/tenant_keys.hpp"

namespace mnemo {
namespace {

using Env = std::map<std::string, std::string>;

TEST(ConfigTest, DefaultsDependOnTheTransport) {
    auto stdio = LoadConfig(Transport::kStdio, {{"HOME", "/home/u"}}, {});
    ASSERT_TRUE(stdio.ok());
    EXPECT_EQ(stdio->pool_max_connections, 4u);
    EXPECT_EQ(stdio->project_max_connections, 5u);
    EXPECT_EQ(stdio->acquire_timeout.count(), 10000);
    EXPECT_EQ(stdio->statement_timeout.count(), 15000);
    EXPECT_EQ(stdio->client_request_timeout.count(), 60000);
    EXPECT_FALSE(stdio->conformance_fixtures);
    EXPECT_EQ(stdio->home, "/home/u/.local/share/mnemo");
    auto http = LoadConfig(Transport::kHttp, {{"HOME", "/home/u"}}, {});
    ASSERT_TRUE(http.ok());
    EXPECT_EQ(http->pool_max_connections, 20u);
    EXPECT_EQ(http->user_max_connections, 10u);  // half the budget
    EXPECT_EQ(http->http.auth_ipv6_prefix, 64u);
    auto set = LoadConfig(Transport::kHttp,
                          {{"HOME", "/home/u"},
                           {"MNEMO_USER_MAX_CONNECTIONS", "7"},
                           {"MNEMO_AUTH_IPV6_PREFIX", "56"}},
                          {});
    ASSERT_TRUE(set.ok()) << set.error().message();
    EXPECT_EQ(set->user_max_connections, 7u);
    EXPECT_EQ(set->http.auth_ipv6_prefix, 56u);
    EXPECT_FALSE(LoadConfig(Transport::kHttp, {{"MNEMO_AUTH_IPV6_PREFIX", "129"}}, {}).ok());
    EXPECT_FALSE(LoadConfig(Transport::kHttp, {{"MNEMO_USER_MAX_CONNECTIONS", "0"}}, {}).ok());
    EXPECT_EQ(stdio->query_max_connections, 2u);
    EXPECT_EQ(http->query_max_connections, 4u);
    EXPECT_EQ(http->query_roles, 16u);
}

TEST(ConfigTest, EnvironmentAndFlagsOverrideWithFlagsWinning) {
    const Env env = {
        {"MNEMO_POOL_MAX_CONNECTIONS", "7"},   {"MNEMO_PROJECT_MAX_CONNECTIONS", "2"},
        {"MNEMO_ACQUIRE_TIMEOUT_MS", "250"},   {"MNEMO_HOME", "/srv/mnemo"},
        {"MNEMO_STATEMENT_TIMEOUT_MS", "900"}, {"MNEMO_CLIENT_REQUEST_TIMEOUT_MS", "70"},
        {"DATABASE_URL", "postgresql://env"},  {"MNEMO_PROJECT", "from-env"}};
    ConfigFlags flags;
    flags.database_url = "postgresql://flag";
    flags.project = "from-flag";
    auto config = LoadConfig(Transport::kStdio, env, flags);
    ASSERT_TRUE(config.ok()) << config.error().message();
    EXPECT_EQ(config->pool_max_connections, 7u);
    EXPECT_EQ(config->project_max_connections, 2u);
    EXPECT_EQ(config->acquire_timeout.count(), 250);
    EXPECT_EQ(config->statement_timeout.count(), 900);
    EXPECT_EQ(config->client_request_timeout.count(), 70);
    EXPECT_EQ(config->home, "/srv/mnemo");
    EXPECT_EQ(config->database_url, "postgresql://flag");
    EXPECT_EQ(config->default_project, "from-flag");
}

TEST(ConfigTest, StatementsArePreparedByDefaultOnlyOnTheEmbeddedCluster) {
    auto embedded = LoadConfig(Transport::kHttp, {}, {});
    ASSERT_TRUE(embedded.ok()) << embedded.error().message();
    EXPECT_EQ(embedded->prepared_statements, 256u);
    auto url = LoadConfig(Transport::kHttp, {{"DATABASE_URL", "postgresql://db"}}, {});
    ASSERT_TRUE(url.ok()) << url.error().message();
    EXPECT_EQ(url->prepared_statements, 0u);
    auto chosen =
        LoadConfig(Transport::kHttp,
                   {{"DATABASE_URL", "postgresql://db"}, {"MNEMO_PREPARED_STATEMENTS", "64"}}, {});
    ASSERT_TRUE(chosen.ok()) << chosen.error().message();
    EXPECT_EQ(chosen->prepared_statements, 64u);
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
        {"MNEMO_QUERY_ROLES", "0", "MNEMO_QUERY_ROLES must be an integer from 1 to 1000, got '0'"},
        {"MNEMO_QUERY_ROLES", "1",
         "MNEMO_QUERY_ROLES (1) must be at least MNEMO_QUERY_MAX_CONNECTIONS (2)"},
        {"MNEMO_PROJECT_MAX_CONNECTIONS", "-1",
         "MNEMO_PROJECT_MAX_CONNECTIONS must be an integer from 1 to 1000, got '-1'"},
        {"MNEMO_ACQUIRE_TIMEOUT_MS", "10s",
         "MNEMO_ACQUIRE_TIMEOUT_MS must be an integer from 1 to 600000, got '10s'"},
        {"MNEMO_ACQUIRE_TIMEOUT_MS", "",
         "MNEMO_ACQUIRE_TIMEOUT_MS must be an integer from 1 to "
         "600000, got ''"},
        {"MNEMO_STATEMENT_TIMEOUT_MS", "50",
         "MNEMO_STATEMENT_TIMEOUT_MS must be an integer from 100 to 3600000, got '50'"},
        {"MNEMO_PREPARED_STATEMENTS", "-1",
         "MNEMO_PREPARED_STATEMENTS must be an integer from 0 to 10000, got '-1'"},
        {"MNEMO_CLIENT_REQUEST_TIMEOUT_MS", "soon",
         "MNEMO_CLIENT_REQUEST_TIMEOUT_MS must be an integer from 1 to 3600000, got 'soon'"},
        {"MNEMO_LOG_LEVEL", "loud",
         "MNEMO_LOG_LEVEL must be one of debug, info, warning, error, got 'loud'"},
        {"MNEMO_SECRET", "short",
         "MNEMO_SECRET must be at least 32 characters (it keys every project's "
         "row-level-security token), got 5"},
        {"MNEMO_PROJECT", "日本",
         "MNEMO_PROJECT: '日本' cannot be made a project name: project names are 1-64 "
         "characters of a-z, 0-9, '_' and '-', starting with a letter or digit (upper case is "
         "lowered, other characters become '-')"},
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
    // The same rule for --project, MNEMO_PROJECT and create_project as for directories.
    EXPECT_EQ(NormalizeProjectName("My Cool.Project").value(), "my-cool-project");
    EXPECT_FALSE(NormalizeProjectName("日本").ok());
    EXPECT_FALSE(NormalizeProjectName("").ok());
    ConfigFlags flags;
    flags.project = "Bad Name";
    EXPECT_EQ(LoadConfig(Transport::kStdio, {}, flags).value().default_project, "bad-name");
    EXPECT_EQ(LoadConfig(Transport::kHttp, {{"MNEMO_PROJECT", "Team.Memory"}}, {})
                  .value()
                  .default_project,
              "team-memory");
    flags.project = "...";
    auto refused = LoadConfig(Transport::kStdio, {}, flags);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message().rfind("--project: '...' cannot be made a project name", 0),
              0u)
        << refused.error().message();
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

Config LoadHttp(const Env& env, std::optional<std::string> listen = std::nullopt) {
    ConfigFlags flags;
    flags.http_listen = std::move(listen);
    auto config = LoadConfig(Transport::kHttp, env, flags);
    EXPECT_TRUE(config.ok()) << config.error().message();
    return config.ok() ? config.value() : Config();
}

std::string HttpError(const Env& env, std::optional<std::string> listen = std::nullopt) {
    ConfigFlags flags;
    flags.http_listen = std::move(listen);
    auto config = LoadConfig(Transport::kHttp, env, flags);
    return config.ok() ? "<accepted>" : config.error().message();
}

TEST(ConfigTest, HttpDefaultsListenOnLoopbackWithTokens) {
    const Config config = LoadHttp({{"HOME", "/home/u"}});
    const HttpConfig& http = config.http;
    EXPECT_EQ(http.host, "127.0.0.1");
    EXPECT_EQ(http.port, 8080);
    EXPECT_TRUE(http.loopback());
    EXPECT_TRUE(http.require_token);
    EXPECT_TRUE(http.allowed_origins.empty());
    EXPECT_EQ(http.public_url, "");
    EXPECT_EQ(http.max_body_bytes, 4u << 20);
    EXPECT_EQ(http.read_timeout.count(), 30'000);
    EXPECT_EQ(http.session_ttl.count(), 24 * 3600);
    EXPECT_EQ(http.max_sessions_per_user, 100u);
    EXPECT_EQ(http.io_threads, 2u);
    EXPECT_EQ(http.shutdown_timeout.count(), 10'000);
}

TEST(ConfigTest, HttpFlagTakesHostAndPortIncludingBracketedIpv6) {
    EXPECT_EQ(LoadHttp({}, "0.0.0.0:9000").http.host, "0.0.0.0");
    EXPECT_EQ(LoadHttp({}, "0.0.0.0:9000").http.port, 9000);
    const Config ipv6 = LoadHttp({}, "[::1]:9000");
    EXPECT_EQ(ipv6.http.host, "::1");
    EXPECT_EQ(ipv6.http.port, 9000);
    EXPECT_TRUE(ipv6.http.loopback());
    const Config named = LoadHttp({}, "localhost:65535");
    EXPECT_EQ(named.http.host, "localhost");
    EXPECT_EQ(named.http.port, 65535);
    EXPECT_FALSE(LoadHttp({}, "[::]:8080").http.loopback());
    // An empty flag keeps the default.
    EXPECT_EQ(LoadHttp({}, "").http.host, "127.0.0.1");
}

TEST(ConfigTest, BadHttpFlagValuesNameTheFlag) {
    for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":8080", "127.0.0.1:65536", "127.0.0.1:80x",
                            "127.0.0.1:-1", "[::1]", "[::1:8080", "[]:8080", "localhost:port"}) {
        EXPECT_EQ(HttpError({}, bad),
                  std::string("--http must be HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), "
                              "got '") +
                      bad + "'");
    }
}

TEST(ConfigTest, AuthNoneIsAcceptedOnlyOnLoopback) {
    for (const char* listen : {"127.0.0.1:8080", "[::1]:8080", "localhost:8080"}) {
        const Config config = LoadHttp({{"MNEMO_AUTH", "none"}}, listen);
        EXPECT_FALSE(config.http.require_token) << listen;
    }
    EXPECT_FALSE(LoadHttp({{"MNEMO_AUTH", "none"}}).http.require_token);  // default host

    EXPECT_EQ(HttpError({{"MNEMO_AUTH", "none"}}, "0.0.0.0:8080"),
              "MNEMO_AUTH=none is only allowed when listening on a loopback address (127.0.0.1, "
              "::1, localhost), not on '0.0.0.0': create tokens with `mnemo token create --user "
              "NAME`");
    EXPECT_NE(HttpError({{"MNEMO_AUTH", "none"}}, "[::]:8080").find("not on '::'"),
              std::string::npos);
    EXPECT_NE(HttpError({{"MNEMO_AUTH", "none"}}, "10.0.0.5:8080").find("MNEMO_AUTH=none"),
              std::string::npos);

    // Tokens are required anywhere, explicitly or by default.
    EXPECT_TRUE(LoadHttp({{"MNEMO_AUTH", "token"}}, "0.0.0.0:8080").http.require_token);
    EXPECT_TRUE(LoadHttp({}, "0.0.0.0:8080").http.require_token);
}

TEST(ConfigTest, UnknownAuthModeIsRefused) {
    EXPECT_EQ(HttpError({{"MNEMO_AUTH", "off"}}),
              "MNEMO_AUTH must be 'token' or 'none', got 'off'");
    EXPECT_EQ(HttpError({{"MNEMO_AUTH", "tokens"}}),
              "MNEMO_AUTH must be 'token' or 'none', got 'tokens'");
}

TEST(ConfigTest, AllowedOriginsAreTrimmedAndMustBeHttpOrigins) {
    const Config config =
        LoadHttp({{"MNEMO_ALLOWED_ORIGINS",
                   " https://app.example.com , http://localhost:3000,,https://b.example:8443 "}});
    EXPECT_EQ(config.http.allowed_origins,
              (std::vector<std::string>{"https://app.example.com", "http://localhost:3000",
                                        "https://b.example:8443"}));
    EXPECT_TRUE(LoadHttp({{"MNEMO_ALLOWED_ORIGINS", ""}}).http.allowed_origins.empty());

    EXPECT_EQ(HttpError({{"MNEMO_ALLOWED_ORIGINS", "https://app.example.com,app.example.com"}}),
              "MNEMO_ALLOWED_ORIGINS entries must be origins like https://app.example.com (http or "
              "https, a host, an optional port, no path), got "
              "'app.example.com'");
    EXPECT_EQ(HttpError({{"MNEMO_ALLOWED_ORIGINS", "*"}}),
              "MNEMO_ALLOWED_ORIGINS entries must be origins like https://app.example.com (http or "
              "https, a host, an optional port, no path), got '*'");
    EXPECT_EQ(HttpError({{"MNEMO_ALLOWED_ORIGINS", "ftp://files.example.com"}}),
              "MNEMO_ALLOWED_ORIGINS entries must be origins like https://app.example.com (http or "
              "https, a host, an optional port, no path), got "
              "'ftp://files.example.com'");
    // An entry with a path could never equal a browser's Origin header.
    EXPECT_NE(HttpError({{"MNEMO_ALLOWED_ORIGINS", "https://app.example.com/"}})
                  .find("no path), got 'https://app.example.com/'"),
              std::string::npos);
}

TEST(ConfigTest, PublicUrlLosesTrailingSlashesAndMustBeHttp) {
    EXPECT_EQ(LoadHttp({{"MNEMO_PUBLIC_URL", "https://mnemo.example.com//"}}).http.public_url,
              "https://mnemo.example.com");
    EXPECT_EQ(HttpError({{"MNEMO_PUBLIC_URL", "mnemo.example.com"}}),
              "MNEMO_PUBLIC_URL must start with http:// or https://, got 'mnemo.example.com'");
}

TEST(ConfigTest, HttpLimitsAreReadFromTheEnvironment) {
    const Config config = LoadHttp({{"MNEMO_MAX_BODY_BYTES", "2048"},
                                    {"MNEMO_HTTP_TIMEOUT_MS", "1500"},
                                    {"MNEMO_SESSION_TTL_S", "600"},
                                    {"MNEMO_MAX_SESSIONS_PER_USER", "3"},
                                    {"MNEMO_HTTP_THREADS", "4"},
                                    {"MNEMO_SHUTDOWN_TIMEOUT_MS", "0"},
                                    {"MNEMO_AUTH_MAX_FAILURES", "0"},
                                    {"MNEMO_AUTH_FAILURE_WINDOW_S", "5"},
                                    {"MNEMO_UI_MAX_UPLOAD_BYTES", "4096"}});
    EXPECT_EQ(config.http.max_body_bytes, 2048u);
    EXPECT_EQ(config.http.max_upload_bytes, 4096u);
    EXPECT_EQ(LoadHttp({}).http.max_upload_bytes, 32u << 20);
    EXPECT_EQ(config.http.read_timeout.count(), 1500);
    EXPECT_EQ(config.http.session_ttl.count(), 600);
    EXPECT_EQ(config.http.max_sessions_per_user, 3u);
    EXPECT_EQ(config.http.io_threads, 4u);
    EXPECT_EQ(config.http.shutdown_timeout.count(), 0);
    EXPECT_EQ(config.http.auth_max_failures, 0u);
    EXPECT_EQ(config.http.auth_failure_window.count(), 5);
    EXPECT_EQ(LoadHttp({}).http.auth_max_failures, 20u);
    EXPECT_EQ(LoadHttp({}).http.auth_failure_window.count(), 60);
}

TEST(ConfigTest, HttpRangeErrorsNameTheVariable) {
    struct Case {
        const char* name;
        const char* value;
        const char* message;
    };
    const Case cases[] = {
        {"MNEMO_UI_MAX_UPLOAD_BYTES", "2GiB",
         "MNEMO_UI_MAX_UPLOAD_BYTES must be an integer from 1024 to 1073741824, got '2GiB'"},
        {"MNEMO_MAX_BODY_BYTES", "1023",
         "MNEMO_MAX_BODY_BYTES must be an integer from 1024 to 268435456, got '1023'"},
        {"MNEMO_MAX_BODY_BYTES", "4MiB",
         "MNEMO_MAX_BODY_BYTES must be an integer from 1024 to 268435456, got '4MiB'"},
        {"MNEMO_HTTP_TIMEOUT_MS", "99",
         "MNEMO_HTTP_TIMEOUT_MS must be an integer from 100 to 3600000, got '99'"},
        {"MNEMO_SESSION_TTL_S", "59",
         "MNEMO_SESSION_TTL_S must be an integer from 60 to 31536000, got '59'"},
        {"MNEMO_MAX_SESSIONS_PER_USER", "0",
         "MNEMO_MAX_SESSIONS_PER_USER must be an integer from 1 to 1000000, got '0'"},
        {"MNEMO_HTTP_THREADS", "65",
         "MNEMO_HTTP_THREADS must be an integer from 1 to 64, got '65'"},
        {"MNEMO_SHUTDOWN_TIMEOUT_MS", "-1",
         "MNEMO_SHUTDOWN_TIMEOUT_MS must be an integer from 0 to 600000, got '-1'"},
        {"MNEMO_AUTH_MAX_FAILURES", "many",
         "MNEMO_AUTH_MAX_FAILURES must be an integer from 0 to 1000000, got 'many'"},
        {"MNEMO_AUTH_FAILURE_WINDOW_S", "0",
         "MNEMO_AUTH_FAILURE_WINDOW_S must be an integer from 1 to 86400, got '0'"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(HttpError({{c.name, c.value}}), c.message) << c.name << "=" << c.value;
    }
}

TEST(ConfigTest, HttpSettingsAreIgnoredOverStdio) {
    ConfigFlags flags;
    flags.http_listen = "not a listen address";
    auto config = LoadConfig(Transport::kStdio,
                             {{"MNEMO_AUTH", "bogus"}, {"MNEMO_HTTP_THREADS", "0"}}, flags);
    ASSERT_TRUE(config.ok()) << config.error().message();
    EXPECT_EQ(config->http.host, "127.0.0.1");
    EXPECT_TRUE(config->http.require_token);
}

TEST(ConfigTest, PoolOptionsGroupEachUsersTenants) {
    auto config = LoadConfig(Transport::kHttp,
                             {{"HOME", "/home/u"}, {"MNEMO_USER_MAX_CONNECTIONS", "6"}}, {});
    ASSERT_TRUE(config.ok()) << config.error().message();
    auto keys = memory::TenantKeys::Load(std::string(40, 's'), "/nonexistent");
    ASSERT_TRUE(keys.ok());
    const auto options = cli::MakePoolOptions(*config, "postgresql://x", *keys);
    EXPECT_EQ(options.group_max_leases, 6u);
    EXPECT_EQ(options.group_max_waiting, 500u);  // half of MNEMO_POOL_MAX_WAITING (1000)
    EXPECT_EQ(options.TenantGroup("alice/notes"), "alice");
    EXPECT_EQ(options.TenantGroup(memory::OwnerRegistryTenant("alice")), "alice");
    EXPECT_EQ(options.TenantGroup("notes"), "");  // the local owner's project
    EXPECT_EQ(options.TenantGroup(memory::OwnerRegistryTenant("")), "");
    EXPECT_EQ(options.TenantGroup(memory::AccessStore::ServerTenant()), "");
}

}  // namespace
}  // namespace mnemo
