// SPDX-License-Identifier: MIT
// RouteHandler: a path prefix of the HTTP server served by a layer below the transport (/ui).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mnemo::util {

/// One HTTP request as a route sees it: plain values, no transport types.
struct RouteRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // path and query, as sent
    std::string path;    // target without the query
    /// Header fields by lower-case name (the first value when repeated).
    std::map<std::string, std::string> headers;
    std::string body;
    std::string client_address;  // the peer's IP address, "" when unknown

    /// The header's value, "" when absent. `name` must be lower-case.
    [[nodiscard]] std::string Header(const std::string& name) const {
        const auto found = headers.find(name);
        return found == headers.end() ? std::string() : found->second;
    }
};

/// A complete answer. Content-Length is set by the transport.
struct RouteResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

/// A route's own bound on the bodies of some of its requests (an upload), instead of the
/// server's MNEMO_MAX_BODY_BYTES.
struct BodyLimit {
    std::size_t bytes = 0;     // 0: the server's limit
    std::string_view setting;  // the variable that sets it, named in the 413 answer
};

/// Delivers the answer; call exactly once, from any thread.
using RouteReply = std::function<void(RouteResponse)>;

/// Serves the requests of one path prefix. Handle runs on an I/O thread and must not block
/// (no database, no pool waits): post such work elsewhere and answer through `reply`.
/// Thread safety: Handle may run concurrently on any thread.
class RouteHandler {
public:
    virtual ~RouteHandler() = default;
    virtual void Handle(RouteRequest request, RouteReply reply) = 0;
    /// The body limit of a request, asked from its request line alone, before any of its
    /// body is read (a larger Content-Length is answered 413 at once). Must not block.
    [[nodiscard]] virtual BodyLimit BodyLimitFor(std::string_view /*method*/,
                                                 std::string_view /*path*/) const {
        return {};
    }
    /// Called once the server has stopped serving, before it is torn down: drop queued work
    /// and wait for running work; no reply may be sent after it returns.
    virtual void Stop() {}
};

/// Requests whose path is `prefix` or starts with `prefix` + "/" go to `handler`.
struct Route {
    std::string prefix;
    RouteHandler* handler = nullptr;
};

}  // namespace mnemo::util
