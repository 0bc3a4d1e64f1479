// SPDX-License-Identifier: MIT
// The two ways a failure leaves the server over MCP: a tool result and a JSON-RPC error.
#pragma once

#include <string>

#include "mcp/feature_result.hpp"
#include "mcp/tool_registry.hpp"
#include "util/error.hpp"

namespace mnemo::mcp {

/// A failed tool call as its result (isError, the message as the text block; the dispatcher
/// logs it once as tool_execute_error with `error_type`):
/// kPoolTimeout → pool_timeout ("Connection pool timeout: …" as is), kOverloaded →
/// pool_overloaded, kUnavailable → database_unavailable ("Database unavailable: …"),
/// kSql → sql ("Database error (SQLSTATE s): …"), kProjectMissing → project_missing (with how
/// to create or pick one), kNotFound → not_found, kRefused → refused, kNoProject → no_project,
/// kInvalidArgument → invalid, anything else → internal. `project` is the one it acted on.
[[nodiscard]] ToolResult ToolErrorResult(const Error& error, std::string project = {});

/// A failed resources/read, prompts/get or completion as a JSON-RPC error: kNotFound and
/// kProjectMissing → kResourceNotFound ("Resource not found: …"), anything else →
/// -32603 with the error's message.
[[nodiscard]] FeatureResult RpcErrorFor(const Error& error);

}  // namespace mnemo::mcp
