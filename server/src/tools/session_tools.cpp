// SPDX-License-Identifier: MIT
// Session continuity tools: wake_up, sleep, get_last_handover.
#include "tools/tool_support.hpp"

namespace mnemo::tools {
namespace {

Json ItemsProperty(const char* description) {
    return {{"type", "array"},
            {"items", {{"type", "string"}, {"minLength", 1}, {"maxLength", 2000}}},
            {"maxItems", 100},
            {"description", description}};
}

ToolResult WakeUp(const ToolCall& call, ToolServices& services) {
    return WithProject(call, services, [&](const memory::ProjectRef& project) {
        return services.store.WakeUp(project);
    });
}

ToolResult Sleep(const ToolCall& call, ToolServices& services) {
    memory::HandoverRequest request;
    request.summary = call.arguments["summary"].get<std::string>();
    request.completed = StringList(call.arguments, "completed");
    request.pending = StringList(call.arguments, "pending");
    request.notes = OptionalString(call.arguments, "notes").value_or("");
    request.session_id = call.session.id();
    return WithProject(call, services, [&](const memory::ProjectRef& project) {
        auto stored = services.store.Sleep(project, request);
        if (stored.ok()) {
            (*stored)["project"] = project.name;
            (*stored)["message"] = "Handover stored; the next wake_up shows it.";
        }
        return stored;
    });
}

ToolResult LastHandover(const ToolCall& call, ToolServices& services) {
    return WithProject(call, services, [&](const memory::ProjectRef& project) {
        return services.store.LastHandover(project);
    });
}

}  // namespace

void RegisterSessionTools(mcp::ToolRegistry& registry, ToolServices& services) {
    auto bind = [&services](ToolResult (*handler)(const ToolCall&, ToolServices&)) {
        return [&services, handler](const ToolCall& call) { return handler(call, services); };
    };
    const Json project_only = ObjectSchema({{"project", ProjectProperty()}});
    registry.Add({.name = "wake_up",
                  .title = "Start a session",
                  .description =
                      "Call at the start of every conversation. Returns the project's last "
                      "handover (summary, pending items, age), every always_check context in "
                      "full, important contexts as previews, counts by priority, recent "
                      "changes, and the files changed since the last handover (file index). A "
                      "handover with automatic: true was written by a Claude Code hook from the "
                      "conversation's transcript, not by sleep.",
                  .input_schema = project_only,
                  .annotations = {{"readOnlyHint", true}},
                  .handler = bind(WakeUp),
                  .plan = ProjectToolPlan(services)});
    registry.Add(
        {.name = "sleep",
         .title = "End a session with a handover",
         .description = "Call before a conversation ends: stores a handover (what was done, "
                        "what is pending, notes) that the next wake_up shows.",
         .input_schema =
             ObjectSchema({{"summary",
                            {{"type", "string"},
                             {"minLength", 1},
                             {"maxLength", 20000},
                             {"description", "Where the work stands."}}},
                           {"completed", ItemsProperty("Items finished in this session.")},
                           {"pending", ItemsProperty("Items the next session should pick up.")},
                           {"notes",
                            {{"type", "string"},
                             {"maxLength", 20000},
                             {"description", "Anything else worth knowing."}}},
                           {"project", ProjectProperty()}},
                          {"summary"}),
         .handler = bind(Sleep),
         .plan = ProjectToolPlan(services)});
    registry.Add({.name = "get_last_handover",
                  .title = "Read the last handover",
                  .description = "The project's most recent handover (written by sleep, or "
                                 "automatic: true when a Claude Code hook wrote it from a "
                                 "transcript), with its age; available: false when there is none.",
                  .input_schema = project_only,
                  .annotations = {{"readOnlyHint", true}},
                  .handler = bind(LastHandover),
                  .plan = ProjectToolPlan(services)});
}

}  // namespace mnemo::tools
