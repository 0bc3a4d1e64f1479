// SPDX-License-Identifier: MIT
// What every tool family shares: services, schema pieces, project resolution.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mcp/error_reply.hpp"
#include "mcp/subscriptions.hpp"
#include "mcp/tool_registry.hpp"
#include "memory/store.hpp"

namespace mnemo::tools {

using Json = nlohmann::json;
using mcp::ToolCall;
using mcp::ToolResult;

/// What tool handlers use. Outlives the registry's handlers.
struct ToolServices {
    memory::Store& store;
    const Config& config;
    /// The directory scan_project_files walks; empty = the git root above the working
    /// directory, else the working directory (files::DefaultScanRoot).
    std::filesystem::path files_root{};
    /// Told when a context changes (resources/subscribe); null when nobody can subscribe.
    mcp::Subscriptions* subscriptions = nullptr;
};

/// Registers every memory tool (projects, contexts, sessions, inspection, file index).
void RegisterMemoryTools(mcp::ToolRegistry& registry, ToolServices& services);

void RegisterProjectTools(mcp::ToolRegistry& registry, ToolServices& services);
void RegisterContextTools(mcp::ToolRegistry& registry, ToolServices& services);
void RegisterSessionTools(mcp::ToolRegistry& registry, ToolServices& services);
void RegisterInspectTools(mcp::ToolRegistry& registry, ToolServices& services);
void RegisterFileTools(mcp::ToolRegistry& registry, ToolServices& services);

/// Schema of the optional `project` argument every data tool takes.
[[nodiscard]] Json ProjectProperty();
/// An object schema from properties and required names (additionalProperties: false).
[[nodiscard]] Json ObjectSchema(Json properties, std::vector<std::string> required = {});

/// The project a call names (argument → session selection → configured default, except over
/// HTTP when the client shares roots, which DiscoverProject asks first), with whether it is
/// the default; "" when none.
struct ResolvedProject {
    memory::ProjectRef project;
    bool is_default = false;
    /// Nothing named one and the client shares roots over HTTP: DiscoverProject will ask the
    /// client (roots/list) while the call runs.
    bool asks_roots = false;
};
[[nodiscard]] ResolvedProject ResolveProject(const Json& arguments, const mcp::Session& session,
                                             const Config& config);

/// The project of `call`: the one its plan resolved (ToolCall::planned_project) when the
/// transport planned it, else ResolveProject now (stdio, tests). Each call resolves once.
[[nodiscard]] ResolvedProject CallProject(const ToolCall& call, const Config& config);

/// Planners for registration (ToolDefinition::plan). ProjectToolPlan: ResolveProject once,
/// its project's tenant and the project itself (which CallProject hands to the handler), and
/// whether finding it asks the client's roots. RegistryToolPlan: the session owner's registry
/// tenant.
[[nodiscard]] mcp::ToolPlanFn ProjectToolPlan(const ToolServices& services);
[[nodiscard]] mcp::ToolPlanFn RegistryToolPlan();

/// Takes the call's project (CallProject, else DiscoverProject, whose find becomes the
/// session's selection), runs `body` with it and turns its outcome into a tool result. A
/// default or discovered project is created on first use; a missing explicit project is an
/// error that lists the projects.
[[nodiscard]] ToolResult WithProject(
    const ToolCall& call, ToolServices& services,
    const std::function<Result<Json>(const memory::ProjectRef& project)>& body);

/// Optional typed argument readers (the schema already checked types).
[[nodiscard]] std::optional<std::string> OptionalString(const Json& arguments, const char* name);
[[nodiscard]] std::optional<int> OptionalInt(const Json& arguments, const char* name);
[[nodiscard]] std::vector<std::string> StringList(const Json& arguments, const char* name);

}  // namespace mnemo::tools
