// SPDX-License-Identifier: MIT
// Dispatcher: the transport-agnostic MCP server — lifecycle, ping, tools/list and tools/call.
#pragma once

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
    [[nodiscard]] Json Handle(const Json& message, Session& session) const;

    /// Parses `text` and handles it; returns the serialised reply, or "" when there is none.
    [[nodiscard]] std::string HandleText(std::string_view text, Session& session) const;

    /// Protocol versions mnemo speaks, newest first.
    [[nodiscard]] static const std::vector<std::string>& SupportedVersions();

private:
    Json HandleOne(const Json& message, Session& session) const;
    Json HandleRequest(const Incoming& request, Session& session) const;
    Json Initialize(const Incoming& request, Session& session) const;
    Json ListTools(const Incoming& request) const;
    Json CallTool(const Incoming& request, Session& session) const;

    ServerInfo info_;
    const ToolRegistry& tools_;
};

}  // namespace mnemo::mcp
