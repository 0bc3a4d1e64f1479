// SPDX-License-Identifier: MIT
// CallChannel: what a running request may send its client besides its response.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "mcp/log_level.hpp"

namespace mnemo::mcp {

/// The outcome of a request mnemo sent to the client (sampling, elicitation).
struct ClientAnswer {
    bool ok = false;
    nlohmann::json result;  // the client's result, when ok
    std::string error;      // otherwise why: the client's error, a timeout, no capability, ...
};

/// Messages a request handler sends on the request's own channel (stdio: stdout; HTTP: the
/// POST's SSE stream). Implemented by the dispatcher for the request being handled; valid
/// only during that request.
///
/// Thread safety: used by the request's own thread.
class CallChannel {
public:
    virtual ~CallChannel() = default;

    /// Sends notifications/message when the session's level (logging/setLevel) admits
    /// `level`. `data` must hold no secrets or personal data.
    virtual void Log(LogLevel level, const nlohmann::json& data) const = 0;

    /// Sends the request `method` to the client and waits for its answer (a response on any
    /// message of the same session in this process), at most the configured client-request
    /// timeout. Fails at once when the client did not declare the capability the method
    /// needs ("sampling" for sampling/createMessage, "elicitation" for elicitation/create,
    /// "roots" for roots/list), when the transport cannot carry it, or when the call is
    /// cancelled. A positive `at_most` shortens the wait (for requests a client answers
    /// without asking its user, such as roots/list).
    virtual ClientAnswer Request(const std::string& method, nlohmann::json params,
                                 std::chrono::milliseconds at_most) const = 0;
};

}  // namespace mnemo::mcp
