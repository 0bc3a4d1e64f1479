// SPDX-License-Identifier: MIT
// RunHttp: `mnemo serve --http` — the Streamable HTTP server and its operator endpoints.
#pragma once

#include <memory>
#include <vector>

#include "config/config.hpp"
#include "mcp/dispatcher.hpp"
#include "transport/backend.hpp"
#include "transport/hook_route.hpp"
#include "util/auth_failure_limiter.hpp"
#include "util/http_route.hpp"
#include "util/metrics.hpp"

namespace mnemo::transport {

struct HttpServices {
    const Config& config;
    const mcp::Dispatcher& dispatcher;
    /// Authentication, sessions, leases, readiness and /metrics (backend/ implements it).
    Backend& backend;
    util::Metrics& metrics;
    /// Failed token attempts per client, shared with every other route that takes a token.
    util::AuthFailureLimiter& auth_failures;
    /// Resource subscriptions, delivered on sessions' GET streams; null when not offered.
    mcp::Subscriptions* subscriptions = nullptr;
    /// Answers POST /hooks/claude-code (Claude Code's http hooks); empty: the route is off.
    HookHttpHandler hooks{};
    /// Path prefixes served by layers below (the /ui memory browser); checked after the Host
    /// check, before the built-in endpoints. The handlers must outlive RunHttp.
    std::vector<util::Route> routes{};
};

/// Serves /mcp, /hooks/claude-code, /healthz, /readyz, /metrics, the OAuth protected-resource
/// metadata and services.routes on config.http.host:port until SIGTERM or SIGINT; then stops
/// accepting, answers what is in flight (up to config.http.shutdown_timeout), ends SSE streams
/// and returns 0. Returns 1 when it cannot listen (the reason is printed). I/O runs on
/// config.http.io_threads threads, which also run /mcp requests whose connection is free at
/// once (all but one of them at a time, see McpEndpoint); other database work runs on a worker
/// pool of config.pool_max_connections + config.query_max_connections threads.
int RunHttp(const HttpServices& services);

}  // namespace mnemo::transport
