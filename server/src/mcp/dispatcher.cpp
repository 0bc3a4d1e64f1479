// SPDX-License-Identifier: MIT
// Dispatcher: routing, the lifecycle, logging/setLevel, cancellations and client responses.
#include "mcp/dispatcher.hpp"

#include <algorithm>
#include <exception>

#include "util/log.hpp"

namespace mnemo::mcp {
namespace {

/// Request params' `name`, or "" when absent or not a string.
std::string StringParam(const Json& params, const char* name) {
    if (!params.is_object()) return {};
    const auto found = params.find(name);
    return found != params.end() && found->is_string() ? found->get<std::string>() : std::string();
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
    return Plan(Classify(message), session);
}

CallPlan Dispatcher::Plan(const Incoming& incoming, const Session& session) const {
    CallPlan plan;
    if (incoming.kind != Incoming::Kind::kRequest) return plan;
    const Json& params = incoming.params;
    if (!params.is_object()) return plan;
    if (const auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
        plan.progress_requested = meta->contains("progressToken");
    }
    if (incoming.method != "tools/call") {
        plan.lease_tenant = FeatureLeaseTenant(incoming, session);
        return plan;
    }
    const auto name = params.find("name");
    if (name == params.end() || !name->is_string()) return plan;
    plan.tool = tools_.Find(name->get<std::string>());
    const auto arguments = params.find("arguments");
    if (plan.tool == nullptr) return plan;
    plan.may_wait_on_client = plan.tool->asks_client;
    if (plan.tool->plan) {
        static const Json kNoArguments = Json::object();
        const Json& args =
            arguments != params.end() && arguments->is_object() ? *arguments : kNoArguments;
        ToolPlan decided = plan.tool->plan(args, session);
        plan.lease_tenant = std::move(decided.lease_tenant);
        plan.project = std::move(decided.project);
        plan.may_wait_on_client = plan.may_wait_on_client || decided.may_wait_on_client;
        plan.caller_pool = plan.tool->caller_sql;
    }
    return plan;
}

std::string Dispatcher::DeliverResponse(const Json& response, const Session& session) const {
    const auto id = response.find("id");
    if (id == response.end()) return "a response needs an \"id\"";
    return pending_.Deliver(session.key(), *id, response);
}

Json Dispatcher::HandleOne(const Json& message, Session& session, const Notifier& notify) const {
    return Handle(message, Classify(message), session, notify);
}

Json Dispatcher::Handle(const Json& message, const Incoming& incoming, Session& session,
                        const Notifier& notify, const CallPlan* plan) const {
    switch (incoming.kind) {
        case Incoming::Kind::kInvalid:
            return MakeError(incoming.id, kInvalidRequest, "Invalid Request: " + incoming.problem);
        case Incoming::Kind::kResponse: {
            if (auto problem = DeliverResponse(message, session); !problem.empty()) {
                log::Warning("client_response_refused",
                             {{"session", session.id()}, {"problem", problem}});
            }
            return nullptr;
        }
        case Incoming::Kind::kNotification: return HandleNotification(incoming, session);
        case Incoming::Kind::kRequest: break;
    }
    try {
        return HandleRequest(incoming, session, notify, plan);
    } catch (const std::exception& e) {
        log::Error("request_failed", {{"method", incoming.method}, {"error", e.what()}});
        return MakeError(incoming.id, kInternalError, std::string("Internal error: ") + e.what());
    }
}

Json Dispatcher::HandleNotification(const Incoming& notification, Session& session) const {
    if (notification.method == "notifications/cancelled" && notification.params.is_object()) {
        const auto id = notification.params.find("requestId");
        if (id != notification.params.end() && (id->is_string() || id->is_number_integer())) {
            const bool found = in_flight_.Cancel(session.key(), *id);
            log::Info("request_cancelled",
                      {{"session", session.id()},
                       {"request_id", *id},
                       {"in_progress", found},
                       {"reason", StringParam(notification.params, "reason")}});
        }
    }
    // notifications/initialized and any other notification need nothing.
    return nullptr;
}

Json Dispatcher::HandleRequest(const Incoming& request, Session& session, const Notifier& notify,
                               const CallPlan* plan) const {
    const std::string& method = request.method;
    if (method == "initialize") return Initialize(request, session);
    if (method == "ping") return MakeResult(request.id, Json::object());
    if (!session.initialized()) {
        return MakeError(request.id, kInvalidRequest,
                         "Server not initialized: send \"initialize\" before \"" + method + "\"");
    }
    if (method == "tools/list") return ListTools(request);
    if (method == "tools/call") return CallTool(request, session, notify, plan);
    if (method == "logging/setLevel") return SetLogLevel(request, session);
    if (HasResources()) {
        if (method == "resources/list") return ListResources(request, session);
        if (method == "resources/templates/list") return ListResourceTemplates(request);
        if (method == "resources/read") return ReadResource(request, session);
        if (method == "resources/subscribe") return Subscribe(request, session, true);
        if (method == "resources/unsubscribe") return Subscribe(request, session, false);
    }
    if (HasPrompts()) {
        if (method == "prompts/list") return ListPrompts(request);
        if (method == "prompts/get") return GetPrompt(request, session);
    }
    if ((HasResources() || HasPrompts()) && method == "completion/complete") {
        return Complete(request, session);
    }
    return MakeError(request.id, kMethodNotFound, "Method not found: " + method);
}

Json Dispatcher::Capabilities() const {
    Json capabilities = {{"tools", {{"listChanged", false}}}, {"logging", Json::object()}};
    if (HasResources()) {
        capabilities["resources"] = {{"subscribe", features_.subscriptions != nullptr},
                                     {"listChanged", false}};
    }
    if (HasPrompts()) capabilities["prompts"] = {{"listChanged", false}};
    if (HasResources() || HasPrompts()) capabilities["completions"] = Json::object();
    return capabilities;
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
    Json client_capabilities = params.value("capabilities", Json::object());
    log::Info("session_initialized", {{"session", session.id()},
                                      {"protocol_version", version},
                                      {"requested_version", requested},
                                      {"client", client_info.is_object() ? client_info : Json()}});
    session.SetInitialized(version, std::move(client_info), std::move(client_capabilities));

    Json server_info = {{"name", info_.name}, {"version", info_.version}};
    if (!info_.title.empty()) server_info["title"] = info_.title;
    Json result = {{"protocolVersion", version},
                   {"capabilities", Capabilities()},
                   {"serverInfo", std::move(server_info)}};
    if (!info_.instructions.empty()) result["instructions"] = info_.instructions;
    return MakeResult(request.id, std::move(result));
}

Json Dispatcher::SetLogLevel(const Incoming& request, Session& session) const {
    const std::string name = StringParam(request.params, "level");
    const auto level = ParseLogLevel(name);
    if (!level) {
        return MakeError(request.id, kInvalidParams,
                         "Invalid params: \"level\" must be one of debug, info, notice, warning, "
                         "error, critical, alert, emergency");
    }
    session.SetLogLevel(level);
    return MakeResult(request.id, Json::object());
}

}  // namespace mnemo::mcp
