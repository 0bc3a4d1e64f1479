// SPDX-License-Identifier: MIT
// Tool support: project resolution and running a call in its project.
#include "tools/tool_support.hpp"

#include "tools/project_discovery.hpp"
#include "util/log.hpp"

namespace mnemo::tools {

Json ProjectProperty() {
    return {{"type", "string"},
            {"maxLength", 64},
            {"pattern", "^[a-z0-9][a-z0-9_-]{0,63}$"},
            {"description",
             "Project name. Default: the project this session selected, else (over HTTP) the "
             "client's first root's directory name, else the server's default project, else "
             "your only project."}};
}

Json ObjectSchema(Json properties, std::vector<std::string> required) {
    Json schema = {
        {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
    if (!required.empty()) schema["required"] = required;
    return schema;
}

ResolvedProject ResolveProject(const Json& arguments, const mcp::Session& session,
                               const Config& config) {
    std::string name = OptionalString(arguments, "project").value_or("");
    bool is_default = false;
    if (name.empty()) name = session.selected_project();
    // Over HTTP the server's default is not the client's directory: a client that shares its
    // roots names the project first (DiscoverProject asks while the call runs).
    const bool roots_first = config.transport == Transport::kHttp && session.ClientCan("roots");
    if (name.empty() && !roots_first) {
        name = config.default_project;
        is_default = true;
    }
    const bool asks_roots = name.empty() && roots_first;
    return {memory::ProjectRef(session.owner(), std::move(name)), is_default, asks_roots};
}

ResolvedProject CallProject(const ToolCall& call, const Config& config) {
    if (call.planned_project == nullptr)
        return ResolveProject(call.arguments, call.session, config);
    return {memory::ProjectRef(call.session.owner(), call.planned_project->name),
            call.planned_project->is_default, false};
}

mcp::ToolPlanFn ProjectToolPlan(const ToolServices& services) {
    return [&config = services.config](const Json& arguments, const mcp::Session& session) {
        const ResolvedProject resolved = ResolveProject(arguments, session, config);
        mcp::ToolPlan plan;
        if (!resolved.project.name.empty()) plan.lease_tenant = resolved.project.Tenant();
        plan.project = mcp::PlannedProject{resolved.project.name, resolved.is_default};
        plan.may_wait_on_client = resolved.asks_roots;
        return plan;
    };
}

mcp::ToolPlanFn RegistryToolPlan() {
    return [](const Json&, const mcp::Session& session) {
        return mcp::ToolPlan::OfTenant(memory::OwnerRegistryTenant(session.owner()));
    };
}

ToolResult WithProject(const ToolCall& call, ToolServices& services,
                       const std::function<Result<Json>(const memory::ProjectRef&)>& body) {
    const ResolvedProject resolved = CallProject(call, services.config);
    memory::ProjectRef project = resolved.project;
    bool is_default = resolved.is_default;
    if (project.name.empty()) {
        auto discovered = DiscoverProject(call, services);
        if (!discovered.ok()) {
            return mcp::ToolErrorResult(discovered.error(), "");
        }
        project = memory::ProjectRef(call.session.owner(), discovered->name);
        is_default = true;
        // Remembered like select_project's choice (over HTTP, across restarts and replicas).
        call.session.SelectProject(discovered->name);
        call.Log(mcp::LogLevel::kInfo,
                 {{"project", discovered->name}, {"chosen_from", discovered->source}});
        log::Info("project_discovered", {{"project", discovered->name},
                                         {"source", discovered->source},
                                         {"session", call.session.id()}});
    }
    auto result = body(project);
    if (!result.ok() && is_default && result.error().code() == ErrorCode::kProjectMissing) {
        auto created = services.store.CreateProject(project, "default project");
        if (!created.ok()) return mcp::ToolErrorResult(created.error(), project.name);
        result = body(project);
    }
    if (!result.ok()) return mcp::ToolErrorResult(result.error(), project.name);
    return ToolResult::Ok(std::move(result).value(), project.name);
}

std::optional<std::string> OptionalString(const Json& arguments, const char* name) {
    const auto found = arguments.find(name);
    if (found == arguments.end() || !found->is_string()) return std::nullopt;
    return found->get<std::string>();
}

std::optional<int> OptionalInt(const Json& arguments, const char* name) {
    const auto found = arguments.find(name);
    if (found == arguments.end() || !found->is_number()) return std::nullopt;
    return static_cast<int>(found->get<double>());
}

std::vector<std::string> StringList(const Json& arguments, const char* name) {
    std::vector<std::string> items;
    const auto found = arguments.find(name);
    if (found == arguments.end() || !found->is_array()) return items;
    for (const auto& item : *found) items.push_back(item.get<std::string>());
    return items;
}

void RegisterMemoryTools(mcp::ToolRegistry& registry, ToolServices& services) {
    RegisterProjectTools(registry, services);
    RegisterSessionTools(registry, services);
    RegisterContextTools(registry, services);
    RegisterInspectTools(registry, services);
    RegisterFileTools(registry, services);
}

}  // namespace mnemo::tools
