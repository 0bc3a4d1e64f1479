// SPDX-License-Identifier: MIT
// mnemo::Error as a tool result and as a JSON-RPC error.
#include "mcp/error_reply.hpp"

#include "mcp/jsonrpc.hpp"

namespace mnemo::mcp {

ToolResult ToolErrorResult(const Error& error, std::string project) {
    const std::string& message = error.message();
    switch (error.code()) {
        case mnemo::ErrorCode::kPoolTimeout:
            return ToolResult::Error("pool_timeout", message, std::move(project));
        case mnemo::ErrorCode::kOverloaded:
            return ToolResult::Error("pool_overloaded", message, std::move(project));
        case mnemo::ErrorCode::kUnavailable:
            return ToolResult::Error("database_unavailable",
                                     message.starts_with("Database unavailable")
                                         ? message
                                         : "Database unavailable: " + message,
                                     std::move(project));
        case mnemo::ErrorCode::kSql:
            return ToolResult::Error(
                "sql", "Database error (SQLSTATE " + error.sqlstate() + "): " + message,
                std::move(project));
        case mnemo::ErrorCode::kProjectMissing:
            return ToolResult::Error(
                "project_missing",
                message + ": create it with create_project, or pick one from list_projects",
                std::move(project));
        case mnemo::ErrorCode::kNotFound:
            return ToolResult::Error("not_found", message, std::move(project));
        case mnemo::ErrorCode::kRefused:
            return ToolResult::Error("refused", message, std::move(project));
        case mnemo::ErrorCode::kNoProject:
            return ToolResult::Error("no_project", message, std::move(project));
        case mnemo::ErrorCode::kInvalidArgument:
            return ToolResult::Error("invalid", message, std::move(project));
        case mnemo::ErrorCode::kCancelled:
        case mnemo::ErrorCode::kInternal: break;
    }
    return ToolResult::Error("internal", message, std::move(project));
}

FeatureResult RpcErrorFor(const Error& error) {
    if (error.code() == mnemo::ErrorCode::kNotFound ||
        error.code() == mnemo::ErrorCode::kProjectMissing) {
        return FeatureResult::Error(kResourceNotFound, "Resource not found: " + error.message());
    }
    return FeatureResult::Error(kInternalError, error.message());
}

}  // namespace mnemo::mcp
