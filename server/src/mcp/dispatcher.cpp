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

double MillisSince(std::chrono::steady_clock::time_point start) {
    const auto elapsed = std::chrono::steady_clock::now() - start;
    return std::chrono::duration<double, std::milli>(elapsed).count();
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

Json Dispatcher::Handle(const Json& message, Session& session) const {
    if (!message.is_array()) return HandleOne(message, session);
    if (message.empty()) return MakeError(nullptr, kInvalidRequest, "Invalid Request: empty batch");
    Json replies = Json::array();
    for (const auto& item : message) {
        Json reply = HandleOne(item, session);
        if (!reply.is_null()) replies.push_back(std::move(reply));
    }
    return replies.empty() ? Json() : replies;
}

Json Dispatcher::HandleOne(const Json& message, Session& session) const {
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
        return HandleRequest(incoming, session);
    } catch (const std::exception& e) {
        log::Error("request_failed", {{"method", incoming.method}, {"error", e.what()}});
        return MakeError(incoming.id, kInternalError, std::string("Internal error: ") + e.what());
    }
}

Json Dispatcher::HandleRequest(const Incoming& request, Session& session) const {
    if (request.method == "initialize") return Initialize(request, session);
    if (request.method == "ping") return MakeResult(request.id, Json::object());
    if (!session.initialized()) {
        return MakeError(
            request.id, kInvalidRequest,
            "Server not initialized: send \"initialize\" before \"" + request.method + "\"");
    }
    if (request.method == "tools/list") return ListTools(request);
    if (request.method == "tools/call") return CallTool(request, session);
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

Json Dispatcher::CallTool(const Incoming& request, Session& session) const {
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
    ToolResult result;
    if (auto problem = ValidateArguments(tool->input_schema, arguments); !problem.empty()) {
        result = ToolResult::Error("invalid_arguments",
                                   "Invalid arguments for " + name + ": " + problem);
    } else {
        try {
            result = tool->handler(ToolCall{arguments, session});
        } catch (const std::exception& e) {
            result = ToolResult::Error("internal", std::string("Internal error: ") + e.what());
        }
    }
    LogToolCall(name, result, session, MillisSince(start));
    return MakeResult(request.id, ToolResultJson(result));
}

}  // namespace mnemo::mcp
