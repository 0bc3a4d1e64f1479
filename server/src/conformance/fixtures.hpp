// SPDX-License-Identifier: MIT
// The MCP conformance suite's fixtures: the exact tools, resources and prompts its scenarios
// call. Served only with `mnemo serve --conformance-fixtures`; test code, kept out of tools/.
#pragma once

#include "mcp/prompt_registry.hpp"
#include "mcp/resource_registry.hpp"
#include "mcp/tool_registry.hpp"

namespace mnemo::conformance {

/// Adds the fixtures (test_* tools, test:// resources, test_* prompts) to the registries.
void RegisterFixtures(mcp::ToolRegistry& tools, mcp::ResourceRegistry& resources,
                      mcp::PromptRegistry& prompts);

}  // namespace mnemo::conformance
