// SPDX-License-Identifier: MIT
// Config: every setting mnemo reads from its environment and flags, validated at start-up.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace mnemo {

enum class Transport { kStdio, kHttp };

/// Settings of `mnemo serve --http` (and only that).
struct HttpConfig {
    /// Where to listen (--http HOST:PORT), default 127.0.0.1:8080.
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    /// MNEMO_AUTH: "token" (default; bearer tokens from `mnemo token create`) or "none"
    /// (everyone is the local owner; only allowed on a loopback address).
    bool require_token = true;
    /// MNEMO_ALLOWED_ORIGINS: comma-separated browser origins allowed besides, on loopback,
    /// http://localhost|127.0.0.1|[::1] on any port. Requests without Origin are allowed.
    std::vector<std::string> allowed_origins;
    /// MNEMO_PUBLIC_URL: the URL clients reach mnemo at (e.g. https://mnemo.example.com),
    /// used in the OAuth protected-resource metadata; default: from the request's Host.
    std::string public_url;
    /// MNEMO_MAX_BODY_BYTES (default 4 MiB): larger requests get 413.
    std::size_t max_body_bytes = 4 << 20;
    /// MNEMO_UI_MAX_UPLOAD_BYTES (default 32 MiB): the largest file /ui uploads (a larger
    /// Content-Length gets 413 before the body is read) and the largest project it downloads.
    std::size_t max_upload_bytes = std::size_t{32} << 20;
    /// MNEMO_HTTP_TIMEOUT_MS (default 30 s): to read a whole request, and idle keep-alive.
    std::chrono::milliseconds read_timeout{30'000};
    /// MNEMO_SESSION_TTL_S (default 24 h): sliding session expiry.
    std::chrono::seconds session_ttl{24 * 3600};
    /// MNEMO_MAX_SESSIONS_PER_USER (default 100): beyond it the least recently used ends.
    std::size_t max_sessions_per_user = 100;
    /// MNEMO_AUTH_MAX_FAILURES (default 20; 0 = off): failed token attempts one client IP may
    /// make per MNEMO_AUTH_FAILURE_WINDOW_S (default 60) before every request it sends gets
    /// 429 with Retry-After until the window ends.
    std::size_t auth_max_failures = 20;
    std::chrono::seconds auth_failure_window{60};
    /// MNEMO_AUTH_IPV6_PREFIX (default 64, 1..128): IPv6 clients are counted per network of
    /// this many leading bits (a host usually has a whole /64).
    unsigned auth_ipv6_prefix = 64;
    /// MNEMO_HTTP_THREADS (default 2): I/O threads. A request whose connection is free at
    /// once runs on its I/O thread, as long as one I/O thread stays free for the sockets;
    /// others run on a worker pool sized to the connection budget. (More I/O threads cost
    /// more in hand-offs between them than they save: docs/bench-runs/http.md.)
    std::size_t io_threads = 2;
    /// MNEMO_SHUTDOWN_TIMEOUT_MS (default 10 s): how long SIGTERM waits for in-flight requests.
    std::chrono::milliseconds shutdown_timeout{10'000};

    /// True when `host` is a loopback address (127.0.0.0/8, ::1, localhost).
    [[nodiscard]] bool loopback() const;
};

/// Settings after defaults, environment and flags are merged (flags win over environment).
struct Config {
    Transport transport = Transport::kStdio;

    /// libpq connection string or URL; empty = the embedded cluster under `home`.
    std::string database_url;
    /// $MNEMO_HOME: the embedded cluster and the secret file live here.
    std::filesystem::path home;

    /// Global connection budget (MNEMO_POOL_MAX_CONNECTIONS): 4 over stdio, 20 over HTTP.
    std::size_t pool_max_connections = 4;
    /// Per-project lease quota (MNEMO_PROJECT_MAX_CONNECTIONS), default 5.
    std::size_t project_max_connections = 5;
    /// Per-user lease quota over all of a token user's projects (MNEMO_USER_MAX_CONNECTIONS).
    /// Default: half the budget (at least 1), so one user — however many projects they
    /// open — leaves the other half to everybody else. The local owner (stdio, MNEMO_AUTH=none)
    /// is not a token user and is bounded by project quotas and the budget only.
    std::size_t user_max_connections = 0;
    /// Connections of the caller pool, on which query_database runs caller SQL
    /// (MNEMO_QUERY_MAX_CONNECTIONS): 2 over stdio, 4 over HTTP. Not part of the budget above.
    std::size_t query_max_connections = 2;
    /// Login roles for caller SQL in the database, <role>_query_1 … _N (MNEMO_QUERY_ROLES),
    /// default 16: each caller connection of every mnemo process on the database takes one.
    std::size_t query_roles = 16;
    /// Callers that may wait for a lease at once (MNEMO_POOL_MAX_WAITING); beyond it calls
    /// fail at once with "Connection pool overloaded:". Default 1000 over HTTP (every waiter
    /// is bounded by the acquire timeout anyway), 4 × the budget over stdio.
    std::size_t pool_max_waiting = 0;
    /// How long a tool waits for a lease (MNEMO_ACQUIRE_TIMEOUT_MS), default 10 s.
    std::chrono::milliseconds acquire_timeout{10'000};
    /// Statement timeout of query_database (MNEMO_QUERY_TIMEOUT_MS), default 5 s.
    std::chrono::milliseconds query_timeout{5'000};
    /// Bound on any one statement mnemo runs (MNEMO_STATEMENT_TIMEOUT_MS), default 15 s: a
    /// database that stops answering (network blackhole) fails the request instead of hanging
    /// it, and its connection is dropped. query_database has its own (query_timeout + 2 s).
    std::chrono::milliseconds statement_timeout{15'000};
    /// Statements each pooled connection keeps prepared (MNEMO_PREPARED_STATEMENTS, 0 to
    /// 10000): default 256 with the embedded cluster, 0 with a database URL, where a pooler in
    /// transaction mode (PgBouncer before 1.21, or without max_prepared_statements) would hand
    /// a later statement a server that never prepared it.
    std::size_t prepared_statements = 0;
    /// How long a tool waits for the client to answer a sampling or elicitation request
    /// (MNEMO_CLIENT_REQUEST_TIMEOUT_MS), default 60 s.
    std::chrono::milliseconds client_request_timeout{60'000};
    /// Serve the conformance suite's test tools, resources and prompts as well
    /// (`serve --conformance-fixtures`; never for real use).
    bool conformance_fixtures = false;
    /// Largest context content accepted (MNEMO_MAX_CONTENT_BYTES), default 1 MiB.
    std::size_t max_content_bytes = 1 << 20;
    /// Project used when a call names none and the session selected none (--project,
    /// MNEMO_PROJECT; over stdio, else the git root's or working directory's name).
    std::string default_project;
    /// Why there is no default project although one was looked for (over stdio, a directory
    /// whose name gives none); empty otherwise. `serve` logs it as a warning at start-up.
    std::string default_project_problem;
    /// Server secret (MNEMO_SECRET) from which per-project tenant tokens derive; empty = read
    /// or create `home`/secret.
    std::string secret;
    /// Hard bound on one `mnemo hook EVENT` (MNEMO_HOOK_TIMEOUT_MS, 50..60000), default 2 s:
    /// past it the hook prints nothing and exits 0.
    std::chrono::milliseconds hook_timeout{2'000};
    /// The check_contexts score from which a rule counts as relevant to a prompt or a command
    /// in hooks (MNEMO_HOOK_MIN_SCORE, 0..10), default 1.0.
    double hook_min_score = 1.0;
    /// "debug" | "info" | "warning" | "error" (MNEMO_LOG_LEVEL).
    std::string log_level = "info";
    HttpConfig http;
};

/// Values given on the command line (unset = not given).
struct ConfigFlags {
    std::optional<std::string> database_url;
    std::optional<std::string> project;
    std::optional<std::string> home;
    std::optional<std::string> http_listen;  // HOST:PORT
};

/// Builds the configuration for `transport` from `environment` (name → value) and `flags`.
/// Errors (kInvalidArgument) name the variable or flag, the accepted range and the bad value,
/// e.g. "MNEMO_POOL_MAX_CONNECTIONS must be an integer from 1 to 1000, got 'lots'".
[[nodiscard]] Result<Config> LoadConfig(Transport transport,
                                        const std::map<std::string, std::string>& environment,
                                        const ConfigFlags& flags);

/// The process environment as a map (for LoadConfig).
[[nodiscard]] std::map<std::string, std::string> ProcessEnvironment();

/// True if `name` is a valid project name: [a-z0-9][a-z0-9_-]{0,63}.
[[nodiscard]] bool IsValidProjectName(std::string_view name);

/// The one rule for project names, the same for the directory default, --project,
/// MNEMO_PROJECT and create_project: ASCII letters lower-cased, every character but a-z, 0-9,
/// '_' and '-' becomes '-', leading '-' and '_' dropped, at most 64 characters
/// ("My Cool.Project" → "my-cool-project"). Errors: kInvalidArgument with ProjectNameRule()
/// when nothing usable remains (e.g. "日本", "...").
[[nodiscard]] Result<std::string> NormalizeProjectName(std::string_view input);

/// What a project name may be, for messages.
[[nodiscard]] std::string ProjectNameRule();

/// NormalizeProjectName for a directory's name; empty if nothing usable remains.
[[nodiscard]] std::string ProjectNameFromDirectory(std::string_view directory_name);

/// The default project for stdio mode: the git root's name, else the working directory's.
[[nodiscard]] std::string DetectDefaultProject(const std::filesystem::path& working_directory);

}  // namespace mnemo
