// SPDX-License-Identifier: MIT
// Dispatcher: tools/list and tools/call, with progress, log messages, cancellation and
// requests to the client.
#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <utility>

#include "mcp/dispatcher.hpp"
#include "mcp/schema.hpp"
#include "util/log.hpp"

namespace mnemo::mcp {
namespace {

/// The result's JSON; it takes the result so that its contents are moved, not copied (a recall
/// carries kilobytes of text).
Json ToolResultJson(ToolResult&& result) {
    if (result.is_error) {
        return Json{
            {"content", Json::array({{{"type", "text"}, {"text", std::move(result.message)}}})},
            {"isError", true}};
    }
    if (!result.content.is_null()) {
        return Json{{"content", std::move(result.content)}, {"isError", false}};
    }
    std::string text = Serialize(result.structured);
    return Json{{"content", Json::array({{{"type", "text"}, {"text", std::move(text)}}})},
                {"structuredContent", std::move(result.structured)},
                {"isError", false}};
}

void LogToolCall(const std::string& tool, const ToolResult& result, const Session& session,
                 double latency_ms, bool cancelled) {
    const log::Level level = result.is_error ? log::Level::kWarning : log::Level::kInfo;
    if (!log::Enabled(level)) return;  // a call's hot path; build nothing that is dropped
    Json fields = {
        {"tool", tool},
        {"project", result.project},
        {"latency_ms", static_cast<double>(static_cast<long long>(latency_ms * 1000)) / 1000},
        {"session", session.id()}};
    if (cancelled) fields["cancelled"] = true;
    if (result.is_error) {
        fields["error_type"] = result.error_type;
        fields["error"] = result.message;
        log::Warning("tool_execute_error", fields);
    } else {
        log::Info("tool_execute_success", fields);
    }
}

}  // namespace

Json Dispatcher::FailedToolCall(const Json& message, const std::string& session_id,
                                ToolResult result, std::chrono::nanoseconds latency) const {
    const Json& params = message.contains("params") ? message["params"] : Json::object();
    const std::string name =
        params.is_object() && params.value("name", Json()).is_string() ? params["name"] : "";
    if (result.project.empty() && params.is_object() && params.contains("arguments") &&
        params["arguments"].is_object() &&
        params["arguments"].value("project", Json()).is_string()) {
        result.project = params["arguments"]["project"].get<std::string>();
    }
    LogToolCall(name, result, Session(session_id),
                std::chrono::duration<double, std::milli>(latency).count(), false);
    if (observer_) observer_(name, result, latency);
    return MakeResult(message.value("id", Json()), ToolResultJson(std::move(result)));
}

namespace {

/// The capability a client must have declared to receive `method`; "" when none is needed.
const char* CapabilityFor(const std::string& method) {
    if (method == "sampling/createMessage") return "sampling";
    if (method == "elicitation/create") return "elicitation";
    if (method == "roots/list") return "roots";
    return "";
}

/// The channel of one tools/call: log messages and requests go out through `notify`. A call
/// planned not to wait on the client (`may_ask` false) is refused any request to it: the
/// transport may run such a call where waiting for the client's answer would stall it.
class RequestChannel final : public CallChannel {
public:
    RequestChannel(const Session& session, const Notifier& notify, PendingClientRequests& pending,
                   const std::atomic<bool>& cancelled, std::chrono::milliseconds timeout,
                   bool may_ask)
        : session_(session),
          notify_(notify),
          pending_(pending),
          cancelled_(cancelled),
          timeout_(timeout),
          may_ask_(may_ask) {}

    void Log(LogLevel level, const Json& data) const override {
        const auto wanted = session_.log_level();
        if (!notify_ || !wanted || level < *wanted) return;
        notify_(Json{
            {"jsonrpc", "2.0"},
            {"method", "notifications/message"},
            {"params", {{"level", LogLevelName(level)}, {"logger", "mnemo"}, {"data", data}}}});
    }

    ClientAnswer Request(const std::string& method, Json params,
                         std::chrono::milliseconds at_most) const override {
        if (!notify_) return {false, nullptr, "this transport cannot send requests to the client"};
        if (!may_ask_) {
            return {false, nullptr,
                    "this call was planned not to wait on the client (its tool must declare "
                    "asks_client, or its plan may_wait_on_client)"};
        }
        const char* capability = CapabilityFor(method);
        if (*capability != '\0' && !session_.ClientCan(capability)) {
            return {
                false, nullptr,
                std::string("the client did not declare the \"") + capability + "\" capability"};
        }
        const std::string id = pending_.Open(session_.key());
        notify_(Json{
            {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
        const auto timeout = at_most.count() > 0 ? std::min(at_most, timeout_) : timeout_;
        ClientAnswer answer =
            pending_.Wait(id, std::chrono::steady_clock::now() + timeout, &cancelled_);
        if (!answer.ok && answer.error == "the client did not answer in time") {
            answer.error += " (" + std::to_string(timeout.count()) + " ms)";
        }
        return answer;
    }

private:
    const Session& session_;
    const Notifier& notify_;
    PendingClientRequests& pending_;
    const std::atomic<bool>& cancelled_;
    std::chrono::milliseconds timeout_;
    bool may_ask_;
};

/// Progress reports for the caller's token; values must strictly increase, so a report
/// that does not is dropped. Empty when the caller gave no token or nothing can carry it.
ProgressFn MakeProgress(const Json& params, const Notifier& notify) {
    const auto meta = params.find("_meta");
    if (!notify || meta == params.end() || !meta->is_object()) return {};
    const auto found = meta->find("progressToken");
    if (found == meta->end() || !(found->is_string() || found->is_number_integer())) return {};
    return [&notify, token = *found, last = -1.0](double value, double total,
                                                  const std::string& message) mutable {
        if (value <= last) return;
        last = value;
        Json report = {{"progressToken", token}, {"progress", value}};
        if (total > 0) report["total"] = total;
        if (!message.empty()) report["message"] = message;
        notify(Json{{"jsonrpc", "2.0"},
                    {"method", "notifications/progress"},
                    {"params", std::move(report)}});
    };
}

}  // namespace

Json Dispatcher::ListTools(const Incoming& request) const {
    if (request.params.is_object() && request.params.contains("cursor") &&
        !request.params["cursor"].is_null()) {
        // Every tool fits on one page, so no cursor mnemo hands out exists.
        return MakeError(request.id, kInvalidParams, "Invalid params: unknown cursor");
    }
    return MakeResult(request.id, Json{{"tools", tools_.ListJson()}});
}

Json Dispatcher::CallTool(const Incoming& request, Session& session, const Notifier& notify,
                          const CallPlan* plan) const {
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
    const InFlightRequests::Registration in_flight(
        in_flight_, InFlightRequests::Key(session.key(), request.id));
    const ProgressFn progress = MakeProgress(params, notify);
    const bool planned_here = plan != nullptr && plan->tool == tool;
    const RequestChannel channel(session, notify, pending_, in_flight.cancelled(),
                                 features_.client_request_timeout,
                                 !planned_here || plan->may_wait_on_client);
    // The plan's project, when the transport planned this call: resolved once, not again.
    const PlannedProject* planned = planned_here && plan->project ? &*plan->project : nullptr;
    const ToolCall call{arguments, session, progress ? &progress : nullptr, &in_flight.cancelled(),
                        &channel,  planned};
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
    const bool cancelled = call.Cancelled();
    const auto latency = std::chrono::steady_clock::now() - start;
    LogToolCall(name, result, session, std::chrono::duration<double, std::milli>(latency).count(),
                cancelled);
    if (observer_) observer_(name, result, latency);
    // A cancelled request gets no response (the client has forgotten it).
    if (cancelled) return nullptr;
    if (result.is_error) {
        call.Log(LogLevel::kWarning, Json{{"tool", name}, {"error", result.message}});
    }
    return MakeResult(request.id, ToolResultJson(std::move(result)));
}

}  // namespace mnemo::mcp
