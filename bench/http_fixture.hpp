// SPDX-License-Identifier: MIT
// mnemo_http_bench's set-up: the workload, the home and its embedded cluster, a bearer token,
// a `mnemo serve --http` child, the projects and their seed contexts.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "config/config.hpp"
#include "http_client.hpp"
#include "memory/tenant_keys.hpp"

namespace mnemo::bench {

enum class Op { kLock = 0, kRecall = 1, kSearch = 2 };
inline constexpr std::size_t kOps = 3;
inline constexpr std::array<const char*, kOps> kOpNames{"lock", "recall", "search"};
inline constexpr std::array<const char*, kOps> kToolNames{"lock_context", "recall_context",
                                                          "search_contexts"};

/// What every call of both sides works on. Each call picks an operation by `mix` weight, a
/// project uniformly, and for lock and recall a topic uniformly.
struct HttpWorkload {
    std::vector<std::string> projects;  ///< bench-p1 ... bench-pN
    std::size_t lock_topics = 64;       ///< bench/lock-0 ..., each seeded once.
    std::size_t recall_topics = 16;     ///< bench/recall-0 ..., one version each.
    std::string lock_content;           ///< Locked by the measured calls.
    std::string recall_content;         ///< The seeded recall topics: holds the query's words.
    std::vector<std::string> tags{"bench", "http"};
    std::string priority = "reference";
    /// Matches the recall topics only (their content), never the locked versions, so that
    /// what a search finds does not grow with the lock calls.
    std::string query = "quorum failover";
    int search_limit = 10;  ///< search_contexts' default (the statement asks for one more).
    std::array<int, kOps> mix{1, 1, 1};

    [[nodiscard]] static HttpWorkload Make(std::size_t projects, std::size_t content_bytes);
    [[nodiscard]] std::string LockTopic(std::size_t i) const {
        return "bench/lock-" + std::to_string(i);
    }
    [[nodiscard]] std::string RecallTopic(std::size_t i) const {
        return "bench/recall-" + std::to_string(i);
    }
};

/// How the server is started.
struct ServerSettings {
    std::string mnemo;          ///< The mnemo binary.
    std::string home;           ///< Empty: a new temporary directory, removed at the end.
    bool require_token = true;  ///< MNEMO_AUTH=token (a bearer token) or none.
    std::string pg_options;     ///< PGOPTIONS of mnemo and pgbench; empty for none.
    std::string log_level = "warning";
    std::size_t pool_max = 0;     ///< MNEMO_POOL_MAX_CONNECTIONS; 0: mnemo's default.
    std::size_t project_max = 0;  ///< MNEMO_PROJECT_MAX_CONNECTIONS; 0: mnemo's default.
    std::size_t user_max = 0;     ///< MNEMO_USER_MAX_CONNECTIONS; 0: mnemo's default.
};

using PgConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

/// MNEMO_HOME with a running embedded cluster (migrated), a bearer token, a running
/// `mnemo serve --http 127.0.0.1:PORT`, the workload's projects and seed contexts, and what
/// pgbench needs to run the same statements (the tenant tokens, the session's hashes). Checks
/// that mnemo's connections run with `pg_options` and that the tenant tokens computed here
/// reach the same data as mnemo. TearDown (also run by the destructor) stops the server
/// (SIGTERM), the cluster if SetUp started it, and removes the home if SetUp created it.
///
/// Thread safety: one thread.
class HttpFixture {
public:
    HttpFixture() = default;
    HttpFixture(const HttpFixture&) = delete;
    HttpFixture& operator=(const HttpFixture&) = delete;
    ~HttpFixture() { TearDown(); }

    /// Fails (BenchFailure) on any error.
    void SetUp(const ServerSettings& settings, const HttpWorkload& workload);
    void TearDown() noexcept;

    /// A new, initialised MCP session (its own connection).
    [[nodiscard]] std::unique_ptr<McpHttpSession> OpenSession() const;

    /// Brings the data back to the seed, untimed, before every measured run: deletes the lock
    /// topics' versions beyond the first (what earlier runs added), then VACUUM ANALYZE (which
    /// also empties the GIN pending list). Every run then starts from the same data instead of
    /// from one that grows with every run (and makes search and lock slower as it does).
    void ResetData() const;
    /// A server setting as our connection (which has the server's options) sees it.
    [[nodiscard]] std::string ShowSetting(const std::string& name) const;
    /// Waits (up to 10 s) until no backend of `application_name` is left, so that their CPU
    /// time has reached the postmaster's account of exited children.
    void WaitForBackendsToExit(const std::string& application_name) const;
    /// Rows of mnemo.contexts in all of the workload's projects (each under its own token).
    [[nodiscard]] std::int64_t CountContexts() const;

    [[nodiscard]] const std::filesystem::path& home() const { return home_; }
    [[nodiscard]] bool temporary() const { return own_home_; }
    /// The embedded cluster's data directory (PGDATA).
    [[nodiscard]] std::filesystem::path data_directory() const { return home_ / "pg" / "data"; }
    [[nodiscard]] const std::string& conninfo() const { return conninfo_; }
    [[nodiscard]] const std::string& cluster_note() const { return cluster_note_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] const Config& config() const { return config_; }
    [[nodiscard]] const std::map<std::string, std::string>& environment() const {
        return environment_;
    }
    [[nodiscard]] ChildProcess& server() const { return *server_; }
    /// The owner of the projects: the token's user, or "" (the local owner) without auth.
    [[nodiscard]] const std::string& user() const { return user_; }
    [[nodiscard]] const std::string& bearer() const { return bearer_; }
    /// The row-level-security token of each workload project, in workload order.
    [[nodiscard]] const std::vector<std::string>& project_tokens() const { return tokens_; }
    /// The token of the session and access tables (AccessStore::ServerTenant()).
    [[nodiscard]] const std::string& server_token() const { return server_token_; }
    /// What mnemo's per-request session check binds: hex SHA-256 of the bearer token ("" without
    /// auth) and of the set-up session's id.
    [[nodiscard]] const std::string& bearer_hash() const { return bearer_hash_; }
    [[nodiscard]] const std::string& session_hash() const { return session_hash_; }

    /// Runs `mnemo token create` for `user` with `scope` (read | write) on this fixture's
    /// database; returns the bearer token. Fails (BenchFailure) when mnemo prints none.
    [[nodiscard]] std::string NewToken(const std::string& user, const std::string& scope) const;

private:
    void StartCluster();
    void CreateToken();
    void StartServer();
    void Seed(const HttpWorkload& workload);
    void CheckAgreement(const HttpWorkload& workload, const std::string& pg_options);

    std::filesystem::path home_;
    bool own_home_ = false;
    bool started_cluster_ = false;
    std::string mnemo_;
    std::string conninfo_;
    std::string cluster_note_;
    Config config_;
    std::map<std::string, std::string> environment_;
    std::unique_ptr<memory::TenantKeys> keys_;
    std::uint16_t port_ = 0;
    std::unique_ptr<ChildProcess> server_;
    std::unique_ptr<McpHttpSession> setup_session_;
    PgConnPtr raw_{nullptr, &PQfinish};
    std::string user_;
    std::string bearer_;
    std::vector<std::string> tokens_;
    std::string server_token_;
    std::string bearer_hash_;
    std::string session_hash_;
};

/// `env` as the "NAME=value" entries a child's environment is made of.
[[nodiscard]] std::vector<std::string> EnvironmentEntries(
    const std::map<std::string, std::string>& env);

/// Runs `sql` with the `tenant_token` bound as mnemo does (set_config in the statement's
/// transaction) and returns the first cell of its one row; Fails on errors.
[[nodiscard]] std::string QueryAsTenant(PGconn* conn, const std::string& tenant_token,
                                        const std::string& sql,
                                        const std::vector<const char*>& params);

}  // namespace mnemo::bench
