// SPDX-License-Identifier: MIT
// Project tools: list_projects, create_project, select_project, delete_project.
#include "tools/tool_support.hpp"

namespace mnemo::tools {
namespace {

Json NameProperty(const char* description) {
    Json property = ProjectProperty();
    property["description"] = description;
    return property;
}

ToolResult ListProjects(const ToolCall& call, ToolServices& services) {
    auto projects = services.store.ListProjects(call.session.owner());
    if (!projects.ok()) return mcp::ToolErrorResult(projects.error(), "");
    const std::string selected = call.session.selected_project();
    constexpr std::size_t kShown = 200;
    const bool more = projects->size() > kShown;
    if (more) projects->erase(kShown);
    return ToolResult::Ok({{"projects", *projects},
                           {"shown", projects->size()},
                           {"more", more},
                           {"selected", selected.empty() ? Json() : Json(selected)},
                           {"default", services.config.default_project.empty()
                                           ? Json()
                                           : Json(services.config.default_project)}});
}

ToolResult CreateProject(const ToolCall& call, ToolServices& services) {
    const std::string requested = call.arguments["name"].get<std::string>();
    auto normalized = NormalizeProjectName(requested);
    if (!normalized.ok()) {
        return ToolResult::Error("invalid_arguments",
                                 "Invalid arguments for create_project: argument 'name': " +
                                     normalized.error().message());
    }
    const std::string name = std::move(normalized).value();
    const std::string description = OptionalString(call.arguments, "description").value_or("");
    auto created = services.store.CreateProject({call.session.owner(), name}, description);
    if (!created.ok()) return mcp::ToolErrorResult(created.error(), name);
    Json result = *created;
    result["message"] = (*created)["created"].get<bool>()
                            ? "Created project '" + name + "'. Call select_project to use it."
                            : "Project '" + name + "' already exists; nothing was changed.";
    if (name != requested) {
        result["message"] = result["message"].get<std::string>() + " ('" + requested +
                            "' became '" + name + "': " + ProjectNameRule() + ".)";
    }
    return ToolResult::Ok(std::move(result), name);
}

ToolResult SelectProject(const ToolCall& call, ToolServices& services) {
    const std::string name = call.arguments["name"].get<std::string>();
    auto briefing = services.store.WakeUp({call.session.owner(), name});
    if (!briefing.ok()) return mcp::ToolErrorResult(briefing.error(), name);
    call.session.SelectProject(name);
    return ToolResult::Ok({{"selected", name}, {"briefing", *briefing}}, name);
}

ToolResult DeleteProject(const ToolCall& call, ToolServices& services) {
    const std::string name = call.arguments["name"].get<std::string>();
    const bool confirm = call.arguments.value("confirm", false);
    auto outcome = services.store.DeleteProject({call.session.owner(), name}, confirm);
    if (!outcome.ok()) return mcp::ToolErrorResult(outcome.error(), name);
    if (!confirm) {
        return ToolResult::Error("confirmation_required",
                                 "Nothing was deleted. Deleting project '" + name + "' removes " +
                                     (*outcome)["would_delete"].dump() +
                                     "; call again with confirm: true to do it.",
                                 name);
    }
    if (call.session.selected_project() == name) call.session.SelectProject("");
    return ToolResult::Ok(*outcome, name);
}

}  // namespace

void RegisterProjectTools(mcp::ToolRegistry& registry, ToolServices& services) {
    registry.Add({.name = "list_projects",
                  .title = "List projects",
                  .description = "List every project in this memory with its number of live "
                                 "contexts, topics and handovers, and when it was last active. "
                                 "Also says which project this session selected.",
                  .input_schema = ObjectSchema(Json::object()),
                  .annotations = {{"readOnlyHint", true}},
                  .handler = [&services](const ToolCall& c) { return ListProjects(c, services); },
                  .plan = RegistryToolPlan()});
    registry.Add(
        {.name = "create_project",
         .title = "Create a project",
         .description = "Create a project (a separate memory: its own contexts and handovers). "
                        "Names: 1-64 characters of a-z, 0-9, '_' and '-', starting with a "
                        "letter or digit; upper case is lowered and other characters become "
                        "'-' (the result names the project). An existing name is reported, "
                        "not changed.",
         .input_schema = ObjectSchema(
             {{"name",
               {{"type", "string"},
                {"minLength", 1},
                {"maxLength", 200},
                {"description",
                 "Project name, e.g. 'billing-service' ('Billing Service' becomes that)."}}},
              {"description",
               {{"type", "string"}, {"maxLength", 1000}, {"description", "What the project is."}}}},
             {"name"}),
         .annotations = {{"idempotentHint", true}},
         .handler = [&services](const ToolCall& c) { return CreateProject(c, services); },
         .plan = RegistryToolPlan()});
    registry.Add(
        {.name = "select_project",
         .title = "Select the session's project",
         .description = "Make a project the default for the rest of this session (tools "
                        "without a 'project' argument use it) and return its wake_up briefing.",
         .input_schema = ObjectSchema({{"name", NameProperty("Project to select.")}}, {"name"}),
         .annotations = {{"readOnlyHint", true}},
         .handler = [&services](const ToolCall& c) { return SelectProject(c, services); },
         .plan =
             [](const Json& arguments, const mcp::Session& session) {
                 // Planned before the schema is checked: a "name" of another type plans none.
                 const std::string name = OptionalString(arguments, "name").value_or("");
                 return mcp::ToolPlan::OfTenant(memory::ProjectRef(session.owner(), name).Tenant());
             }});
    registry.Add(
        {.name = "delete_project",
         .title = "Delete a project",
         .description = "Delete a project and everything in it. Without confirm: true nothing "
                        "happens and the answer says what would be deleted.",
         .input_schema = ObjectSchema(
             {{"name", NameProperty("Project to delete.")},
              {"confirm", {{"type", "boolean"}, {"description", "Must be true to delete."}}}},
             {"name"}),
         .annotations = {{"destructiveHint", true}},
         .handler = [&services](const ToolCall& c) { return DeleteProject(c, services); },
         .plan = RegistryToolPlan()});
}

}  // namespace mnemo::tools
