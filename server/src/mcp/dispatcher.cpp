// SPDX-License-Identifier: MIT
// Dispatcher: MCP lifecycle and the tools methods.
#include "mcp/dispatcher.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

#include "mcp/schema.hpp"
#include "util/log.hpp"

namespace mnemo::mcp {
namespace {

Json ToolResultJson(const ToolResult& result) {
    if (result.is_error) {
        return Json{{"content", Json::array({{{"type", "text"}, {"text", result.message}}})},
                    {"isError", true}};
    }
    return Json{
        {"content", Json::array({{{"type", "text"}, {"text", Serialize(result.structured)}}})},
        {"structuredContent", result.structured},
        {"isError", false}};
}

void LogToolCall(const std::string& tool, const ToolResult& result, const Session& session,
                 double latency_ms) {
    const log::Level level = result.is_error ? log::Level::kWarning : log::Level::kInfo;
    if (!log::Enabled(level)) return;  // a call's hot path; build nothing that is dropped
    Json fields = {
        {"tool", tool},
        {"project", result.project},
        {"latency_ms", static_cast<double>(static_cast<long long>(latency_ms * 1000)) / 1000},
        {"session", session.id()}};
    if (result.is_error) {
        fields["error_type"] = result.error_type;
        fields["error"] = result.message;
        log::Warning("tool_execute_error", fields);
    } else {
        log::Info("tool_execute_success", fields);
    }
}

}  // namespace

const std::vector<std::string>& Dispatcher::SupportedVersions() {
    static const std::vector<std::string> versions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                      "2024-11-05"};
    return versions;
}

std::string Dispatcher::HandleText(std::string_view text, Session& session) const {
    Json message;
    Json error;
    if (!ParseMessage(text, message, error)) return Serialize(error);
    const Json reply = Handle(message, session);
    return reply.is_null() ? std::string() : Serialize(reply);
}

Json Dispatcher::Handle(const Json& message, Session& session, const Notifier& notify) const {
    if (!message.is_array()) return HandleOne(message, session, notify);
    if (message.empty()) return MakeError(nullptr, kInvalidRequest, "Invalid Request: empty batch");
    Json replies = Json::array();
    for (const auto& item : message) {
        Json reply = HandleOne(item, session, notify);
        if (!reply.is_null()) replies.push_back(std::move(reply));
    }
    return replies.empty() ? Json() : replies;
}

CallPlan Dispatcher::Plan(const Json& message, const Session& session) const {
    CallPlan plan;
    const Incoming incoming = Classify(message);
    if (incoming.kind != Incoming::Kind::kRequest || incoming.method != "tools/call") return plan;
    const Json& params = incoming.params;
    if (!params.is_object()) return plan;
    if (const auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
        plan.progress_requested = meta->contains("progressToken");
    }
    const auto name = params.find("name");
    if (name == params.end() || !name->is_string()) return plan;
    plan.tool = tools_.Find(name->get<std::string>());
    const auto arguments = params.find("arguments");
    if (plan.tool != nullptr && plan.tool->lease_tenant) {
        const Json args =
            arguments != params.end() && arguments->is_object() ? *arguments : Json::object();
        plan.lease_tenant = plan.tool->lease_tenant(args, session);
    }
    return plan;
}

Json Dispatcher::HandleOne(const Json& message, Session& session, const Notifier& notify) const {
    const Incoming incoming = Classify(message);
    switch (incoming.kind) {
        case Incoming::Kind::kInvalid:
            return MakeError(incoming.id, kInvalidRequest, "Invalid Request: " + incoming.problem);
        case Incoming::Kind::kResponse:
        case Incoming::Kind::kNotification:
            // notifications/initialized and notifications/cancelled need no reply; mnemo sends
            // no requests, so responses have nothing to match.
            return nullptr;
        case Incoming::Kind::kRequest: break;
    }
    try {
        return HandleRequest(incoming, session, notify);
    } catch (const std::exception& e) {
        log::Error("request_failed", {{"method", incoming.method}, {"error", e.what()}});
        return MakeError(incoming.id, kInternalError, std::string("Internal error: ") + e.what());
    }
}

Json Dispatcher::HandleRequest(const Incoming& request, Session& session,
                               const Notifier& notify) const {
    if (request.method == "initialize") return Initialize(request, session);
    if (request.method == "ping") return MakeResult(request.id, Json::object());
    if (!session.initialized()) {
        return MakeError(
            request.id, kInvalidRequest,
            "Server not initialized: send \"initialize\" before \"" + request.method + "\"");
    }
    if (request.method == "tools/list") return ListTools(request);
    if (request.method == "tools/call") return CallTool(request, session, notify);
    return MakeError(request.id, kMethodNotFound, "Method not found: " + request.method);
}

Json Dispatcher::Initialize(const Incoming& request, Session& session) const {
    const Json& params = request.params;
    if (!params.is_object() || !params.contains("protocolVersion") ||
        !params["protocolVersion"].is_string()) {
        return MakeError(request.id, kInvalidParams,
                         "Invalid params: initialize needs a string \"protocolVersion\"");
    }
    const auto requested = params["protocolVersion"].get<std::string>();
    const auto& supported = SupportedVersions();
    const bool known = std::find(supported.begin(), supported.end(), requested) != supported.end();
    const std::string version = known ? requested : supported.front();
    Json client_info = params.value("clientInfo", Json::object());
    log::Info("session_initialized", {{"session", session.id()},
                                      {"protocol_version", version},
                                      {"requested_version", requested},
                                      {"client", client_info.is_object() ? client_info : Json()}});
    session.SetInitialized(version, std::move(client_info));

    Json server_info = {{"name", info_.name}, {"version", info_.version}};
    if (!info_.title.empty()) server_info["title"] = info_.title;
    Json result = {{"protocolVersion", version},
                   {"capabilities", {{"tools", {{"listChanged", false}}}}},
                   {"serverInfo", std::move(server_info)}};
    if (!info_.instructions.empty()) result["instructions"] = info_.instructions;
    return MakeResult(request.id, std::move(result));
}

Json Dispatcher::ListTools(const Incoming& request) const {
    if (request.params.is_object() && request.params.contains("cursor") &&
        !request.params["cursor"].is_null()) {
        // Every tool fits on one page, so no cursor mnemo hands out exists.
        return MakeError(request.id, kInvalidParams, "Invalid params: unknown cursor");
    }
    return MakeResult(request.id, Json{{"tools", tools_.ListJson()}});
}

Json Dispatcher::CallTool(const Incoming& request, Session& session, const Notifier& notify) const {
    const Json& params = request.params;
    if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
        return MakeError(request.id, kInvalidParams,
                         "Invalid params: tools/call needs a string \"name\"");
    }
    const std::string name = params["name"].get<std::string>();
    const ToolDefinition* tool = tools_.Find(name);
    if (tool == nullptr) return MakeError(request.id, kInvalidParams, "Unknown tool: " + name);

    const auto start = std::chrono::steady_clock::now();
    Json arguments = params.contains("arguments") && !params["arguments"].is_null()
                         ? params["arguments"]
                         : Json::object();
    // Progress goes out only when the caller asked (a token) and the transport can send it;
    // values must strictly increase, so a report that does not is dropped.
    ProgressFn progress;
    const Json* token = nullptr;
    if (const auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
        if (const auto found = meta->find("progressToken");
            found != meta->end() && (found->is_string() || found->is_number_integer())) {
            token = &*found;
        }
    }
    if (token != nullptr && notify) {
        progress = [&notify, token, last = -1.0](double value, double total,
                                                 const std::string& message) mutable {
            if (value <= last) return;
            last = value;
            Json report = {{"progressToken", *token}, {"progress", value}};
            if (total > 0) report["total"] = total;
            if (!message.empty()) report["message"] = message;
            notify(Json{{"jsonrpc", "2.0"},
                        {"method", "notifications/progress"},
                        {"params", std::move(report)}});
        };
    }
    const ToolCall call{arguments, session, progress ? &progress : nullptr};
    ToolResult result;
    if (auto problem = ValidateArguments(tool->input_schema, arguments); !problem.empty()) {
        result = ToolResult::Error("invalid_arguments",
                                   "Invalid arguments for " + name + ": " + problem);
    } else {
        try {
            call.Progress(0, 1, "running " + name);
            result = tool->handler(call);
        } catch (const std::exception& e) {
            result = ToolResult::Error("internal", std::string("Internal error: ") + e.what());
        }
    }
    const auto latency = std::chrono::steady_clock::now() - start;
    LogToolCall(name, result, session, std::chrono::duration<double, std::milli>(latency).count());
    if (observer_) observer_(name, result, latency);
    return MakeResult(request.id, ToolResultJson(result));
}

}  // namespace mnemo::mcp
