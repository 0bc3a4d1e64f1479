// SPDX-License-Identifier: MIT
// Dispatcher: resources, prompts and completions.
#include <algorithm>

#include "mcp/dispatcher.hpp"

namespace mnemo::mcp {
namespace {

constexpr std::size_t kMaxCompletionValues = 100;
constexpr std::size_t kMaxUriBytes = 2048;

Json ErrorFrom(const Json& id, const FeatureResult& result) {
    return MakeError(id, result.error_code, result.error_message);
}

/// The string `name` of `params`; sets `problem` when it is missing or not a string.
std::string RequiredString(const Json& params, const char* name, std::string& problem) {
    if (params.is_object()) {
        const auto found = params.find(name);
        if (found != params.end() && found->is_string()) return found->get<std::string>();
    }
    problem = std::string("Invalid params: \"") + name + "\" must be a string";
    return {};
}

/// The request's `cursor` ("" when absent); false when it is present but not a string.
bool CursorParam(const Json& params, std::string& cursor) {
    if (!params.is_object() || !params.contains("cursor") || params["cursor"].is_null()) {
        return true;
    }
    if (!params["cursor"].is_string()) return false;
    cursor = params["cursor"].get<std::string>();
    return true;
}

/// The resource URI of a resources/* request, checked; sets `problem` when unusable.
std::string UriParam(const Json& params, std::string& problem) {
    std::string uri = RequiredString(params, "uri", problem);
    if (!problem.empty()) return {};
    if (uri.empty() || uri.size() > kMaxUriBytes || uri.find(':') == std::string::npos) {
        problem = "Invalid params: \"uri\" must be an absolute URI of at most " +
                  std::to_string(kMaxUriBytes) + " bytes";
        return {};
    }
    return uri;
}

}  // namespace

bool Dispatcher::HasResources() const {
    return features_.resources != nullptr && !features_.resources->empty();
}

bool Dispatcher::HasPrompts() const {
    return features_.prompts != nullptr && !features_.prompts->empty();
}

std::string Dispatcher::FeatureLeaseTenant(const Incoming& incoming, const Session& session) const {
    const Json& params = incoming.params;
    if (incoming.method == "resources/read" && HasResources()) {
        std::string problem;
        const std::string uri = UriParam(params, problem);
        const ResourceProvider* provider =
            problem.empty() ? features_.resources->Find(uri) : nullptr;
        return provider != nullptr ? provider->LeaseTenant(uri, session) : std::string();
    }
    if (incoming.method == "prompts/get" && HasPrompts()) {
        std::string problem;
        const PromptDefinition* prompt =
            features_.prompts->Find(RequiredString(params, "name", problem));
        if (prompt == nullptr || !prompt->lease_tenant) return {};
        const Json arguments = params.value("arguments", Json::object());
        return arguments.is_object() ? prompt->lease_tenant(arguments, session) : std::string();
    }
    return {};
}

Json Dispatcher::ListResources(const Incoming& request, Session& session) const {
    std::string cursor;
    if (!CursorParam(request.params, cursor)) {
        return MakeError(request.id, kInvalidParams, "Invalid params: \"cursor\" must be a string");
    }
    auto page = features_.resources->List(session, cursor);
    if (!page.ok()) return ErrorFrom(request.id, page);
    return MakeResult(request.id, std::move(page.value));
}

Json Dispatcher::ListResourceTemplates(const Incoming& request) const {
    std::string cursor;
    if (!CursorParam(request.params, cursor) || !cursor.empty()) {
        return MakeError(request.id, kInvalidParams, "Invalid params: unknown cursor");
    }
    return MakeResult(request.id, Json{{"resourceTemplates", features_.resources->Templates()}});
}

Json Dispatcher::ReadResource(const Incoming& request, Session& session) const {
    std::string problem;
    const std::string uri = UriParam(request.params, problem);
    if (!problem.empty()) return MakeError(request.id, kInvalidParams, problem);
    const ResourceProvider* provider = features_.resources->Find(uri);
    if (provider == nullptr) {
        return MakeError(request.id, kResourceNotFound, "Resource not found: " + uri,
                         Json{{"uri", uri}});
    }
    auto read = provider->Read(uri, session);
    if (!read.ok()) return ErrorFrom(request.id, read);
    return MakeResult(request.id, std::move(read.value));
}

Json Dispatcher::Subscribe(const Incoming& request, Session& session, bool subscribe) const {
    if (features_.subscriptions == nullptr) {
        return MakeError(request.id, kMethodNotFound,
                         "Method not found: " + request.method + " (subscriptions are off)");
    }
    std::string problem;
    const std::string uri = UriParam(request.params, problem);
    if (!problem.empty()) return MakeError(request.id, kInvalidParams, problem);
    if (!subscribe) {
        features_.subscriptions->Unsubscribe(session.key(), session.owner(), uri);
        return MakeResult(request.id, Json::object());
    }
    if (features_.resources->Find(uri) == nullptr) {
        return MakeError(request.id, kResourceNotFound, "Resource not found: " + uri,
                         Json{{"uri", uri}});
    }
    if (!features_.subscriptions->Subscribe(session.key(), session.owner(), uri)) {
        return MakeError(request.id, kInvalidParams,
                         "Invalid params: this session already watches " +
                             std::to_string(Subscriptions::kMaxPerSession) +
                             " resources; unsubscribe from some first");
    }
    return MakeResult(request.id, Json::object());
}

Json Dispatcher::ListPrompts(const Incoming& request) const {
    std::string cursor;
    if (!CursorParam(request.params, cursor) || !cursor.empty()) {
        return MakeError(request.id, kInvalidParams, "Invalid params: unknown cursor");
    }
    return MakeResult(request.id, Json{{"prompts", features_.prompts->ListJson()}});
}

Json Dispatcher::GetPrompt(const Incoming& request, Session& session) const {
    std::string problem;
    const std::string name = RequiredString(request.params, "name", problem);
    if (!problem.empty()) return MakeError(request.id, kInvalidParams, problem);
    const PromptDefinition* prompt = features_.prompts->Find(name);
    if (prompt == nullptr) {
        return MakeError(request.id, kInvalidParams, "Invalid params: unknown prompt: " + name);
    }
    const Json arguments = request.params.value("arguments", Json());
    if (auto bad = PromptRegistry::CheckArguments(*prompt, arguments); !bad.empty()) {
        return MakeError(request.id, kInvalidParams, "Invalid params: " + bad);
    }
    auto rendered = prompt->handler(arguments.is_object() ? arguments : Json::object(), session);
    if (!rendered.ok()) return ErrorFrom(request.id, rendered);
    return MakeResult(request.id, std::move(rendered.value));
}

Json Dispatcher::Complete(const Incoming& request, Session& session) const {
    const Json& params = request.params;
    const Json ref = params.value("ref", Json());
    const Json argument = params.value("argument", Json());
    std::string problem;
    const std::string type = RequiredString(ref, "type", problem);
    const std::string name = RequiredString(argument, "name", problem);
    const std::string value = RequiredString(argument, "value", problem);
    if (!problem.empty()) {
        return MakeError(request.id, kInvalidParams,
                         "Invalid params: completion/complete needs ref{type, name|uri} and "
                         "argument{name, value} (strings)");
    }
    Json context = Json::object();
    if (const auto found = params.find("context"); found != params.end() && found->is_object()) {
        context = found->value("arguments", Json::object());
        if (!context.is_object()) context = Json::object();
    }
    FeatureResult values = FeatureResult::Ok(Json::array());
    if (type == "ref/prompt" && HasPrompts()) {
        const PromptDefinition* prompt =
            features_.prompts->Find(RequiredString(ref, "name", problem));
        if (prompt == nullptr) {
            return MakeError(request.id, kInvalidParams, "Invalid params: unknown prompt");
        }
        if (prompt->complete) values = prompt->complete(name, value, context, session);
    } else if (type == "ref/resource" && HasResources()) {
        const std::string uri_template = RequiredString(ref, "uri", problem);
        const ResourceProvider* provider = features_.resources->FindTemplate(uri_template);
        if (provider == nullptr) {
            return MakeError(request.id, kInvalidParams,
                             "Invalid params: unknown resource template: " + uri_template);
        }
        values = provider->Complete(uri_template, name, value, context, session);
    } else {
        return MakeError(request.id, kInvalidParams,
                         "Invalid params: ref.type must be ref/prompt or ref/resource");
    }
    if (!values.ok()) return ErrorFrom(request.id, values);
    Json& list = values.value;
    const std::size_t total = list.size();
    if (total > kMaxCompletionValues) list.erase(list.begin() + kMaxCompletionValues, list.end());
    return MakeResult(request.id, Json{{"completion",
                                        {{"values", std::move(list)},
                                         {"total", total},
                                         {"hasMore", total > kMaxCompletionValues}}}});
}

}  // namespace mnemo::mcp
