// SPDX-License-Identifier: MIT
// Context resources: mnemo://projects/{project}/contexts/{+topic}[/versions/{version}].
#include <charconv>

#include "mcp/jsonrpc.hpp"
#include "mcp/uri_template.hpp"
#include "tools/memory_features.hpp"
#include "tools/text_rules.hpp"

namespace mnemo::tools {
namespace {

using mcp::FeatureResult;

constexpr int kPageSize = 100;
constexpr const char* kMimeType = "text/markdown";
constexpr std::string_view kScheme = "mnemo://projects/";

/// A context URI taken apart; `problem` says why it is not one.
struct ContextAddress {
    std::string project;
    std::string topic;
    std::optional<int> version;
    std::string problem;
};

ContextAddress ParseContextUri(const std::string& uri) {
    ContextAddress address;
    auto values = mcp::MatchUriTemplate(kContextVersionUriTemplate, uri);
    if (values) {
        const std::string& text = (*values)["version"];
        int version = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
        if (error != std::errc() || end != text.data() + text.size() || version < 1) {
            address.problem = "the version must be a positive integer";
            return address;
        }
        address.version = version;
    } else {
        values = mcp::MatchUriTemplate(kContextUriTemplate, uri);
    }
    if (!values) {
        address.problem = std::string("not a context URI (") + kContextUriTemplate + " or " +
                          kContextVersionUriTemplate + ")";
        return address;
    }
    address.project = (*values)["project"];
    address.topic = (*values)["topic"];
    if (!IsValidProjectName(address.project)) {
        address.problem = "invalid project name '" + address.project + "'";
    } else if (auto problem = TopicProblem(address.topic); !problem.empty()) {
        address.problem = problem;
    }
    return address;
}

class ContextResources final : public mcp::ResourceProvider {
public:
    explicit ContextResources(ToolServices& services) : services_(services) {}

    FeatureResult List(const mcp::Session& session, const std::string& cursor) const override {
        std::string after;
        if (!cursor.empty()) {
            auto decoded = mcp::PercentDecode(cursor);
            if (!decoded || !TopicProblem(*decoded).empty()) {
                return FeatureResult::Error(mcp::kInvalidParams, "Invalid params: unknown cursor");
            }
            after = std::move(*decoded);
        }
        const auto resolved = ResolveProject(nlohmann::json::object(), session, services_.config);
        nlohmann::json resources = nlohmann::json::array();
        if (resolved.project.name.empty()) return FeatureResult::Ok({{"resources", resources}});
        auto topics = services_.store.ListTopics(resolved.project, "", kPageSize + 1, after);
        if (!topics.ok()) {
            if (topics.error().code() == ErrorCode::kProjectMissing) {
                return FeatureResult::Ok({{"resources", resources}});
            }
            return mcp::RpcErrorFor(topics.error());
        }
        const bool more = topics->size() > static_cast<std::size_t>(kPageSize);
        if (more) topics->erase(topics->begin() + kPageSize, topics->end());
        for (const auto& entry : *topics) {
            const std::string topic = entry.value("topic", "");
            resources.push_back(
                {{"uri", ContextUri(resolved.project.name, topic)},
                 {"name", topic},
                 {"title", resolved.project.name + ": " + topic},
                 {"description", entry.value("priority", "") + " context, version " +
                                     std::to_string(entry.value("latest_version", 0)) + " (" +
                                     std::to_string(entry.value("versions", 0)) +
                                     " live versions)"},
                 {"mimeType", kMimeType}});
        }
        nlohmann::json page = {{"resources", std::move(resources)}};
        if (more) page["nextCursor"] = mcp::PercentEncode(topics->back().value("topic", ""));
        return FeatureResult::Ok(std::move(page));
    }

    nlohmann::json Templates() const override {
        return nlohmann::json::array(
            {{{"uriTemplate", kContextUriTemplate},
              {"name", "context"},
              {"title", "Locked context (latest version)"},
              {"description",
               "The latest live version of a locked context. Topics are percent-encoded "
               "('architecture/db' → architecture%2Fdb)."},
              {"mimeType", kMimeType}},
             {{"uriTemplate", kContextVersionUriTemplate},
              {"name", "context_version"},
              {"title", "Locked context (one version)"},
              {"description", "One version of a locked context, also archived ones."},
              {"mimeType", kMimeType}}});
    }

    bool Owns(std::string_view uri) const override { return uri.starts_with(kScheme); }

    FeatureResult Read(const std::string& uri, const mcp::Session& session) const override {
        const ContextAddress address = ParseContextUri(uri);
        if (!address.problem.empty()) {
            return FeatureResult::Error(mcp::kInvalidParams,
                                        "Invalid params: " + address.problem + ": " + uri);
        }
        auto context = services_.store.RecallContext({session.owner(), address.project},
                                                     address.topic, address.version, false);
        if (!context.ok()) return mcp::RpcErrorFor(context.error());
        nlohmann::json content = {
            {"uri", uri}, {"mimeType", kMimeType}, {"text", context->value("content", "")}};
        content["_meta"] = {{"version", context->value("version", 0)},
                            {"priority", context->value("priority", "")},
                            {"tags", context->value("tags", nlohmann::json::array())},
                            {"created_at", context->value("created_at", "")}};
        return FeatureResult::Ok({{"contents", nlohmann::json::array({std::move(content)})}});
    }

    FeatureResult Complete(const std::string& /*uri_template*/, const std::string& argument,
                           const std::string& value, const nlohmann::json& context,
                           const mcp::Session& session) const override {
        if (argument == "project") return CompleteProjectNames(services_, session, value);
        if (argument != "topic") return FeatureResult::Ok(nlohmann::json::array());
        const auto resolved = ResolveProject(context, session, services_.config);
        if (resolved.project.name.empty() || !IsValidProjectName(resolved.project.name)) {
            return FeatureResult::Ok(nlohmann::json::array());
        }
        auto topics = services_.store.ListTopics(resolved.project, value, 101);
        if (!topics.ok()) {
            if (topics.error().code() == ErrorCode::kProjectMissing) {
                return FeatureResult::Ok(nlohmann::json::array());
            }
            return mcp::RpcErrorFor(topics.error());
        }
        nlohmann::json values = nlohmann::json::array();
        for (const auto& entry : *topics) values.push_back(entry.value("topic", ""));
        return FeatureResult::Ok(std::move(values));
    }

    std::string LeaseTenant(const std::string& uri, const mcp::Session& session) const override {
        const ContextAddress address = ParseContextUri(uri);
        if (!address.problem.empty()) return {};
        return memory::ProjectRef(session.owner(), address.project).Tenant();
    }

private:
    ToolServices& services_;
};

}  // namespace

std::string ContextUri(const std::string& project, const std::string& topic) {
    return mcp::ExpandUriTemplate(kContextUriTemplate, {{"project", project}, {"topic", topic}});
}

std::unique_ptr<mcp::ResourceProvider> MakeContextResources(ToolServices& services) {
    return std::make_unique<ContextResources>(services);
}

FeatureResult CompleteProjectNames(ToolServices& services, const mcp::Session& session,
                                   const std::string& prefix) {
    auto projects = services.store.ListProjects(session.owner());
    if (!projects.ok()) return mcp::RpcErrorFor(projects.error());
    nlohmann::json values = nlohmann::json::array();
    for (const auto& project : *projects) {
        std::string name = project.value("name", "");
        if (name.starts_with(prefix)) values.push_back(std::move(name));
    }
    return FeatureResult::Ok(std::move(values));
}

}  // namespace mnemo::tools
