// SPDX-License-Identifier: MIT
// Dispatcher: the transport-agnostic MCP server — lifecycle, tools, resources, prompts,
// completions, logging, progress, cancellation and requests to the client.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/client_requests.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/prompt_registry.hpp"
#include "mcp/resource_registry.hpp"
#include "mcp/session.hpp"
#include "mcp/subscriptions.hpp"
#include "mcp/tool_registry.hpp"

namespace mnemo::mcp {

struct ServerInfo {
    std::string name = "mnemo";
    std::string version;
    std::string title;
    std::string instructions;  // sent in the initialize result: how to use the memory
};

/// Sends a message related to the request being handled (notifications/progress,
/// notifications/message, requests to the client); the transport decides how (stdio: a
/// line; HTTP: an event on the request's SSE stream).
using Notifier = std::function<void(const Json& notification)>;

/// What a server offers besides tools. Everything must outlive the dispatcher; registries
/// are filled before serving.
struct ServerFeatures {
    const ResourceRegistry* resources = nullptr;  // null or empty: no resources capability
    const PromptRegistry* prompts = nullptr;      // null or empty: no prompts capability
    Subscriptions* subscriptions = nullptr;       // null: resources/subscribe not offered
    /// How long a request to the client (sampling, elicitation) waits for its answer.
    std::chrono::milliseconds client_request_timeout{60'000};
};

/// Observes every finished tool call (for metrics). Must be thread-safe.
using ToolObserver = std::function<void(const std::string& tool, const ToolResult& result,
                                        std::chrono::nanoseconds latency)>;

/// What a transport should know about a message before handling it. Made once per request
/// (Plan) and handed back to Handle, so the tool acts on what was planned.
struct CallPlan {
    const ToolDefinition* tool = nullptr;  // set for a tools/call of a known tool
    std::string lease_tenant;              // the pool tenant its first lease will use, or ""
    bool caller_pool = false;              // that lease comes from the caller pool
    bool progress_requested = false;       // the request carries _meta.progressToken
    /// tools/call: the project the tool's planner resolved (the handler uses it, unresolved
    /// again); nullopt when the tool resolves none.
    std::optional<PlannedProject> project;
    /// The call may send the client a request and wait for its answer (roots/list,
    /// elicitation, sampling): a transport must not hold a pooled connection across that wait.
    bool may_wait_on_client = false;
};

/// Answers MCP messages for a session. Transports frame bytes and call Handle; the dispatcher
/// never does I/O itself (tool handlers do their own database work).
///
/// Thread safety: Handle may run concurrently for the same or different sessions.
class Dispatcher {
public:
    Dispatcher(ServerInfo info, const ToolRegistry& tools, ServerFeatures features = {})
        : info_(std::move(info)), tools_(tools), features_(features) {}

    /// Answers one parsed message, or a batch (an array). Returns the response, an array of
    /// responses for a batch, or null when nothing must be sent (notifications, responses,
    /// a cancelled request). Never throws: a failing handler becomes an error response.
    /// `notify`, when set, carries messages tied to the request (progress, log messages,
    /// requests to the client); without it a tool cannot ask the client anything.
    [[nodiscard]] Json Handle(const Json& message, Session& session,
                              const Notifier& notify = {}) const;
    /// Handle for one message (not a batch) that the caller already classified: `incoming`
    /// is Classify(message). A transport classifies once and passes both; one that planned
    /// the message passes its `plan` (Plan on the same message and session), whose resolved
    /// project the tool then acts on.
    [[nodiscard]] Json Handle(const Json& message, const Incoming& incoming, Session& session,
                              const Notifier& notify = {}, const CallPlan* plan = nullptr) const;

    /// Hands a client's response (a whole JSON-RPC response message) to the request of this
    /// session waiting for it. Returns "" when delivered, else why it was refused (unknown or
    /// already answered id).
    [[nodiscard]] std::string DeliverResponse(const Json& response, const Session& session) const;

    /// Looks at a single message without handling it (no I/O): which tool, which tenant,
    /// which project, whether it may wait on the client.
    [[nodiscard]] CallPlan Plan(const Json& message, const Session& session) const;
    /// Plan for a message already classified.
    [[nodiscard]] CallPlan Plan(const Incoming& incoming, const Session& session) const;

    /// Requests to clients waiting for answers (tests check nothing leaks).
    [[nodiscard]] std::size_t waiting_client_requests() const { return pending_.waiting(); }

    /// Set before serving.
    void SetToolObserver(ToolObserver observer) { observer_ = std::move(observer); }

    /// The answer to a tools/call that failed before its tool could run (the transport could
    /// not get it a connection): `result` (an error) as the call's result, logged as
    /// tool_execute_error and passed to the observer like any failed call, with the project
    /// the arguments named. Thread-safe as Handle is.
    [[nodiscard]] nlohmann::json FailedToolCall(const nlohmann::json& message,
                                                const std::string& session_id, ToolResult result,
                                                std::chrono::nanoseconds latency) const;

    /// Parses `text` and handles it; returns the serialised reply, or "" when there is none.
    [[nodiscard]] std::string HandleText(std::string_view text, Session& session) const;

    /// Protocol versions mnemo speaks, newest first.
    [[nodiscard]] static const std::vector<std::string>& SupportedVersions();

private:
    Json HandleOne(const Json& message, Session& session, const Notifier& notify) const;
    Json HandleNotification(const Incoming& notification, Session& session) const;
    Json HandleRequest(const Incoming& request, Session& session, const Notifier& notify,
                       const CallPlan* plan) const;
    Json Initialize(const Incoming& request, Session& session) const;
    Json Capabilities() const;
    Json SetLogLevel(const Incoming& request, Session& session) const;
    Json ListTools(const Incoming& request) const;
    Json CallTool(const Incoming& request, Session& session, const Notifier& notify,
                  const CallPlan* plan) const;
    // Resources, prompts and completions (dispatcher_features.cpp).
    Json ListResources(const Incoming& request, Session& session) const;
    Json ListResourceTemplates(const Incoming& request) const;
    Json ReadResource(const Incoming& request, Session& session) const;
    Json Subscribe(const Incoming& request, Session& session, bool subscribe) const;
    Json ListPrompts(const Incoming& request) const;
    Json GetPrompt(const Incoming& request, Session& session) const;
    Json Complete(const Incoming& request, Session& session) const;
    [[nodiscard]] bool HasResources() const;
    [[nodiscard]] bool HasPrompts() const;
    /// Plan() for resources/read and prompts/get: the tenant their provider will lease.
    [[nodiscard]] std::string FeatureLeaseTenant(const Incoming& incoming,
                                                 const Session& session) const;

    ServerInfo info_;
    const ToolRegistry& tools_;
    ServerFeatures features_;
    ToolObserver observer_;
    // Internally synchronised: correlation state, not configuration.
    mutable PendingClientRequests pending_;
    mutable InFlightRequests in_flight_;
};

}  // namespace mnemo::mcp
