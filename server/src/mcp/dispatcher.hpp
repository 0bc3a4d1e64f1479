// SPDX-License-Identifier: MIT
// Dispatcher: the transport-agnostic MCP server — lifecycle, ping, tools/list and tools/call.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp/session.hpp"
#include "mcp/tool_registry.hpp"

namespace mnemo::mcp {

struct ServerInfo {
    std::string name = "mnemo";
    std::string version;
    std::string title;
    std::string instructions;  // sent in the initialize result: how to use the memory
};

/// Sends a notification related to the request being handled (e.g. notifications/progress);
/// the transport decides how (stdio: a line; HTTP: an event on the request's SSE stream).
using Notifier = std::function<void(const Json& notification)>;

/// Observes every finished tool call (for metrics). Must be thread-safe.
using ToolObserver = std::function<void(const std::string& tool, const ToolResult& result,
                                        std::chrono::nanoseconds latency)>;

/// What a transport should know about a message before handling it.
struct CallPlan {
    const ToolDefinition* tool = nullptr;  // set for a tools/call of a known tool
    std::string lease_tenant;              // the pool tenant its first lease will use, or ""
    bool progress_requested = false;       // the request carries _meta.progressToken
};

/// Answers MCP messages for a session. Transports frame bytes and call Handle; the dispatcher
/// never does I/O itself (tool handlers do their own database work).
///
/// Thread safety: Handle may run concurrently for the same or different sessions.
class Dispatcher {
public:
    Dispatcher(ServerInfo info, const ToolRegistry& tools)
        : info_(std::move(info)), tools_(tools) {}

    /// Answers one parsed message, or a batch (an array). Returns the response, an array of
    /// responses for a batch, or null when nothing must be sent (notifications, responses).
    /// Never throws: a failing handler becomes an error response.
    /// `notify`, when set, receives notifications tied to the request (progress).
    [[nodiscard]] Json Handle(const Json& message, Session& session,
                              const Notifier& notify = {}) const;

    /// Looks at a single message without handling it (no I/O): which tool, which tenant.
    [[nodiscard]] CallPlan Plan(const Json& message, const Session& session) const;

    /// Set before serving.
    void SetToolObserver(ToolObserver observer) { observer_ = std::move(observer); }

    /// Parses `text` and handles it; returns the serialised reply, or "" when there is none.
    [[nodiscard]] std::string HandleText(std::string_view text, Session& session) const;

    /// Protocol versions mnemo speaks, newest first.
    [[nodiscard]] static const std::vector<std::string>& SupportedVersions();

private:
    Json HandleOne(const Json& message, Session& session, const Notifier& notify) const;
    Json HandleRequest(const Incoming& request, Session& session, const Notifier& notify) const;
    Json Initialize(const Incoming& request, Session& session) const;
    Json ListTools(const Incoming& request) const;
    Json CallTool(const Incoming& request, Session& session, const Notifier& notify) const;

    ServerInfo info_;
    const ToolRegistry& tools_;
    ToolObserver observer_;
};

}  // namespace mnemo::mcp
