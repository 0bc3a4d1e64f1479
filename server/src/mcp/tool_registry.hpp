// SPDX-License-Identifier: MIT
// ToolRegistry: the tools a server offers, each with its schema and handler.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/call_channel.hpp"
#include "mcp/session.hpp"

namespace mnemo::mcp {

/// What a tool returns. `structured` (an object) is sent as structuredContent and, serialised,
/// as the text block, so clients that show only one of them see everything. Errors set
/// `is_error` and `message` (sent as the text block, no structuredContent). A tool that
/// returns other content (images, audio, embedded resources) sets `content` (an array of
/// content blocks), sent as is.
struct ToolResult {
    nlohmann::json structured = nlohmann::json::object();
    nlohmann::json content;  // null: derived from `structured` or `message`
    bool is_error = false;
    std::string message;
    /// The project the call acted on (for the tool_execute_* log line); "" when none.
    std::string project;
    /// For errors: a short machine-readable class for logs (e.g. "pool_timeout", "not_found").
    std::string error_type;

    static ToolResult Ok(nlohmann::json structured, std::string project = {}) {
        ToolResult result;
        result.structured = std::move(structured);
        result.project = std::move(project);
        return result;
    }
    static ToolResult Content(nlohmann::json blocks) {
        ToolResult result;
        result.content = std::move(blocks);
        return result;
    }
    static ToolResult Error(std::string error_type, std::string message, std::string project = {}) {
        ToolResult result;
        result.is_error = true;
        result.error_type = std::move(error_type);
        result.message = std::move(message);
        result.project = std::move(project);
        return result;
    }
};

/// Reports a call's progress (sent as notifications/progress when the caller asked for it).
/// `progress` must increase between reports; `total` <= 0 means unknown.
using ProgressFn = std::function<void(double progress, double total, const std::string& message)>;

/// The project a tool's planner resolved for a call, as plain data (mcp/ knows no store).
struct PlannedProject {
    std::string name;         ///< "" when nothing named one: the handler discovers it as it runs
    bool is_default = false;  ///< the server's default project (created on first use)
};

/// One tools/call: validated arguments and the calling session.
struct ToolCall {
    const nlohmann::json& arguments;  // an object that passed the tool's inputSchema
    Session& session;
    const ProgressFn* progress = nullptr;  // null when the caller gave no progress token
    /// Set (by another thread) when the client sent notifications/cancelled for this call;
    /// null when the transport cannot cancel.
    const std::atomic<bool>* cancelled = nullptr;
    /// Log messages and requests to the client; null when there is no channel (tests).
    const CallChannel* channel = nullptr;
    /// The project the transport's plan resolved for this call (Dispatcher::Plan): the handler
    /// acts on it rather than resolving again. Null when the call was not planned (stdio) or
    /// the tool's planner resolves no project.
    const PlannedProject* planned_project = nullptr;

    void Progress(double value, double total, const std::string& message) const {
        if (progress != nullptr) (*progress)(value, total, message);
    }

    /// notifications/message to the client, when its log level admits `level`.
    void Log(LogLevel level, const nlohmann::json& data) const {
        if (channel != nullptr) channel->Log(level, data);
    }

    /// A request to the client (see CallChannel::Request).
    [[nodiscard]] ClientAnswer RequestClient(
        const std::string& method, nlohmann::json params,
        std::chrono::milliseconds at_most = std::chrono::milliseconds(0)) const {
        if (channel == nullptr) return {false, nullptr, "this transport cannot send requests"};
        return channel->Request(method, std::move(params), at_most);
    }

    /// True once the client cancelled the call. Long handlers check it between steps and
    /// return early (any result: a cancelled call's response is never sent).
    [[nodiscard]] bool Cancelled() const {
        return cancelled != nullptr && cancelled->load(std::memory_order_relaxed);
    }
};

using ToolHandler = std::function<ToolResult(const ToolCall& call)>;

/// What a tool's planner decides about one call before it runs, from its arguments and
/// session, with no I/O: lets an asynchronous transport acquire the right lease first.
struct ToolPlan {
    std::string lease_tenant;  ///< the pool tenant its first lease will be for; "" = unknown/none
    /// The project the call acts on, resolved once: handed to the handler (ToolCall).
    std::optional<PlannedProject> project;
    /// The call may send the client a request and wait for its answer (roots/list when the
    /// project must be discovered).
    bool may_wait_on_client = false;

    /// A plan that names only the lease's tenant.
    [[nodiscard]] static ToolPlan OfTenant(std::string tenant) {
        ToolPlan plan;
        plan.lease_tenant = std::move(tenant);
        return plan;
    }
};

/// A tool's planner: called on arguments that may not have passed the schema yet.
using ToolPlanFn = std::function<ToolPlan(const nlohmann::json& arguments, const Session& session)>;

struct ToolDefinition {
    std::string name;  // ^[a-zA-Z0-9_-]{1,64}$
    std::string title;
    std::string description;
    nlohmann::json input_schema;  // root type "object"
    nlohmann::json annotations = nlohmann::json::object();
    ToolHandler handler;
    ToolPlanFn plan;  // optional: without it the call leases nothing ahead and resolves nothing
    /// Runs caller SQL: its lease comes from the caller pool (memory/caller_pool.hpp), not
    /// from mnemo's own.
    bool caller_sql = false;
    /// Every call sends the client a request and waits for the answer (sampling, elicitation).
    bool asks_client = false;

    /// True unless annotated readOnlyHint: a read-only token may not call it.
    [[nodiscard]] bool writes() const { return !annotations.value("readOnlyHint", false); }
};

/// Tools in registration order. Registration happens before serving; lookups are then
/// read-only and safe from any thread.
class ToolRegistry {
public:
    /// Adds a tool. Aborts on a duplicate or invalid name or a non-object schema (a bug).
    void Add(ToolDefinition tool);

    [[nodiscard]] const ToolDefinition* Find(const std::string& name) const;

    /// The tools/list result entries.
    [[nodiscard]] nlohmann::json ListJson() const;

    [[nodiscard]] std::size_t size() const { return tools_.size(); }

private:
    std::vector<ToolDefinition> tools_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace mnemo::mcp
