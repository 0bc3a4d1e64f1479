// SPDX-License-Identifier: MIT
// mnemo's memory as MCP resources and prompts (besides its tools).
#pragma once

#include <memory>
#include <string>

#include "mcp/prompt_registry.hpp"
#include "mcp/resource_registry.hpp"
#include "tools/tool_support.hpp"

namespace mnemo::tools {

/// URI templates of context resources: the latest live version, and one version.
inline constexpr const char* kContextUriTemplate = "mnemo://projects/{project}/contexts/{+topic}";
inline constexpr const char* kContextVersionUriTemplate =
    "mnemo://projects/{project}/contexts/{+topic}/versions/{version}";

/// The URI of the latest version of `topic` in `project`: the topic by reserved expansion, so
/// "architecture/db" stays "…/contexts/architecture/db" ("architecture%2Fdb" is read too).
[[nodiscard]] std::string ContextUri(const std::string& project, const std::string& topic);

/// Every locked context as a resource: resources/list pages through the session's project
/// (selected, else the default), any project of the session's owner can be read by URI, and
/// completions offer project names and topics. `services` must outlive it.
[[nodiscard]] std::unique_ptr<mcp::ResourceProvider> MakeContextResources(ToolServices& services);

/// The prompts session_start (the wake_up briefing) and handover (a template for sleep).
void RegisterMemoryPrompts(mcp::PromptRegistry& registry, ToolServices& services);

/// Project names of the session's owner starting with `prefix` (completions).
[[nodiscard]] mcp::FeatureResult CompleteProjectNames(ToolServices& services,
                                                      const mcp::Session& session,
                                                      const std::string& prefix);

}  // namespace mnemo::tools
