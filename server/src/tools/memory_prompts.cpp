// SPDX-License-Identifier: MIT
// Prompts: session_start (the wake_up briefing) and handover (a template for sleep).
#include <sstream>

#include "mcp/jsonrpc.hpp"
#include "tools/briefing.hpp"
#include "tools/memory_features.hpp"

namespace mnemo::tools {
namespace {

using mcp::FeatureResult;

nlohmann::json UserMessage(std::string text) {
    return {{"role", "user"}, {"content", {{"type", "text"}, {"text", std::move(text)}}}};
}

void AppendList(std::ostringstream& out, const nlohmann::json& items) {
    if (!items.is_array()) return;
    for (const auto& item : items) {
        if (item.is_string()) out << "- " << item.get<std::string>() << "\n";
    }
}

/// Ok (no value) when a prompt can use `name`, else the -32602 error saying why.
FeatureResult ProjectProblem(const std::string& name) {
    if (name.empty()) {
        return FeatureResult::Error(mcp::kInvalidParams,
                                    "Invalid params: no project selected; pass \"project\"");
    }
    if (!IsValidProjectName(name)) {
        return FeatureResult::Error(mcp::kInvalidParams,
                                    "Invalid params: invalid project name '" + name + "'");
    }
    return FeatureResult::Ok(nullptr);
}

FeatureResult SessionStart(ToolServices& services, const nlohmann::json& arguments,
                           const mcp::Session& session) {
    const auto resolved = ResolveProject(arguments, session, services.config);
    if (auto problem = ProjectProblem(resolved.project.name); !problem.ok()) return problem;
    auto briefing = services.store.WakeUp(resolved.project);
    if (!briefing.ok()) {
        if (briefing.error().code() != ErrorCode::kProjectMissing) {
            return mcp::RpcErrorFor(briefing.error());
        }
        briefing = nlohmann::json::object();  // a project without memory yet
    }
    return FeatureResult::Ok(
        {{"description", "Session start briefing for project " + resolved.project.name},
         {"messages",
          nlohmann::json::array({UserMessage(RenderBriefing(resolved.project.name, *briefing))})}});
}

FeatureResult Handover(ToolServices& services, const nlohmann::json& arguments,
                       const mcp::Session& session) {
    const auto resolved = ResolveProject(arguments, session, services.config);
    if (auto problem = ProjectProblem(resolved.project.name); !problem.ok()) return problem;
    std::ostringstream out;
    out << "Write the handover for project '" << resolved.project.name
        << "' so the next session can continue without asking: call the sleep tool with\n"
           "- summary: what this session did and where things stand (2-5 sentences)\n"
           "- completed: the items finished in this session\n"
           "- pending: what is left, most important first, each actionable on its own\n"
           "- notes: anything the next session must know (traps, open questions)\n";
    if (const auto focus = OptionalString(arguments, "focus"); focus && !focus->empty()) {
        out << "\nFocus the handover on: " << *focus << "\n";
    }
    auto last = services.store.LastHandover(resolved.project);
    if (last.ok() && last->value("available", false)) {
        out << "\nThe previous handover, to carry over what is still pending:\nSummary: "
            << last->value("summary", "") << "\nPending:\n";
        AppendList(out, last->value("pending", nlohmann::json::array()));
    } else if (!last.ok() && last.error().code() != ErrorCode::kProjectMissing) {
        return mcp::RpcErrorFor(last.error());
    }
    return FeatureResult::Ok(
        {{"description", "Handover template for project " + resolved.project.name},
         {"messages", nlohmann::json::array({UserMessage(out.str())})}});
}

}  // namespace

void RegisterMemoryPrompts(mcp::PromptRegistry& registry, ToolServices& services) {
    const mcp::PromptArgument project{"project", "Project name (default: the session's project)",
                                      false};
    auto complete = [&services](const std::string& argument, const std::string& value,
                                const nlohmann::json&, const mcp::Session& session) {
        if (argument != "project") return FeatureResult::Ok(nlohmann::json::array());
        return CompleteProjectNames(services, session, value);
    };
    auto lease_tenant = [&services](const nlohmann::json& arguments, const mcp::Session& session) {
        const auto resolved = ResolveProject(arguments, session, services.config);
        return resolved.project.name.empty() ? std::string() : resolved.project.Tenant();
    };
    registry.Add({.name = "session_start",
                  .title = "Start a session with the project's memory",
                  .description =
                      "The wake_up briefing as a prompt: the last handover, the rules to follow "
                      "and the important contexts of a project.",
                  .arguments = {project},
                  .handler =
                      [&services](const nlohmann::json& arguments, const mcp::Session& session) {
                          return SessionStart(services, arguments, session);
                      },
                  .complete = complete,
                  .lease_tenant = lease_tenant});
    registry.Add({.name = "handover",
                  .title = "Write the session handover",
                  .description = "Asks the assistant to call sleep with a complete handover "
                                 "(summary, completed, pending, notes), carrying over what the "
                                 "previous handover left pending.",
                  .arguments = {project, {"focus", "What the handover should stress", false}},
                  .handler =
                      [&services](const nlohmann::json& arguments, const mcp::Session& session) {
                          return Handover(services, arguments, session);
                      },
                  .complete = complete,
                  .lease_tenant = lease_tenant});
}

}  // namespace mnemo::tools
