// SPDX-License-Identifier: MIT
// HookRoute: POST /hooks/claude-code — Claude Code's http hooks, answered by a handler below.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "config/config.hpp"
#include "transport/http_exchange.hpp"
#include "util/auth_failure_limiter.hpp"

namespace mnemo::transport {

/// One hook request as the handler sees it.
struct HookHttpRequest {
    std::optional<std::string> bearer;  // nullopt: authentication is off (MNEMO_AUTH=none)
    std::string body;                   // the event JSON
};

/// The handler's answer. `status` 200 with `body` (JSON for Claude Code, or "" for nothing),
/// else an error status with a JSON {"error": ...} body; `bad_token` marks an unknown or
/// revoked token (counted against the client like a failed /mcp attempt).
struct HookHttpReply {
    unsigned status = 200;
    std::string body;
    bool bad_token = false;
};

/// Runs on a worker thread (it may use the database). Must not throw.
using HookHttpHandler = std::function<HookHttpReply(const HookHttpRequest&)>;

/// Checks method, token presence and the failed-attempt limit on the I/O thread, then runs the
/// handler on `workers` and replies. 405 for other methods, 401 without a bearer token when
/// tokens are required, 429 for a client over the failure limit.
/// Thread safety: Handle may run concurrently.
class HookRoute {
public:
    static constexpr const char* kPath = "/hooks/claude-code";

    /// `auth_failures` is the server's limiter; it must outlive the route.
    HookRoute(const HttpConfig& http, HookHttpHandler handler, boost::asio::thread_pool& workers,
              util::AuthFailureLimiter& auth_failures);

    void Handle(HttpRequest request, std::shared_ptr<Exchange> exchange);

private:
    const HttpConfig& http_;
    HookHttpHandler handler_;
    boost::asio::thread_pool& workers_;
    util::AuthFailureLimiter& auth_failures_;
};

}  // namespace mnemo::transport
