// SPDX-License-Identifier: MIT
// JSON-RPC 2.0 framing: classifying incoming messages and building responses.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mnemo::mcp {

using Json = nlohmann::json;

/// JSON-RPC and MCP error codes (always integers on the wire).
enum ErrorCode : int {
    kParseError = -32700,
    kInvalidRequest = -32600,
    kMethodNotFound = -32601,
    kInvalidParams = -32602,
    kInternalError = -32603,
};

/// One incoming message after structural validation.
struct Incoming {
    enum class Kind { kRequest, kNotification, kResponse, kInvalid };
    Kind kind = Kind::kInvalid;
    Json id;              // string or integer for requests and responses; null otherwise
    std::string method;   // requests and notifications
    Json params;          // an object (or null when absent)
    std::string problem;  // why the message is invalid (kInvalid)
};

/// Classifies a parsed message. Requests need `"jsonrpc":"2.0"`, a string method, an id that is
/// a string or an integer, and params that are an object when present. Anything else is
/// kInvalid with `problem` saying what is wrong, and `id` set when it could be read.
[[nodiscard]] Incoming Classify(const Json& message);

/// {"jsonrpc":"2.0","id":id,"result":result}
[[nodiscard]] Json MakeResult(const Json& id, Json result);

/// {"jsonrpc":"2.0","id":id,"error":{"code","message"[,"data"]}}; `id` null when unknown.
[[nodiscard]] Json MakeError(const Json& id, int code, std::string_view message,
                             const Json& data = nullptr);

/// Parses one framed message (a line). Returns the parse error response (-32700) in `error`
/// when `text` is not JSON; never throws.
[[nodiscard]] bool ParseMessage(std::string_view text, Json& message, Json& error);

/// Compact one-line serialisation; invalid UTF-8 in strings is replaced, never thrown on. The
/// bytes are exactly those of `message.dump(-1, ' ', false, Json::error_handler_t::replace)`,
/// written faster (mcp/json_writer.hpp).
[[nodiscard]] std::string Serialize(const Json& message);

}  // namespace mnemo::mcp
