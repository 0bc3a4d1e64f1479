// SPDX-License-Identifier: MIT
// JSON-RPC 2.0 framing.
#include "mcp/jsonrpc.hpp"

#include "mcp/json_writer.hpp"
#include "util/json_read.hpp"

namespace mnemo::mcp {
namespace {

bool IsValidId(const Json& id) { return id.is_string() || id.is_number_integer(); }

Incoming Invalid(Json id, std::string problem) {
    Incoming incoming;
    incoming.kind = Incoming::Kind::kInvalid;
    incoming.id = std::move(id);
    incoming.problem = std::move(problem);
    return incoming;
}

}  // namespace

Incoming Classify(const Json& message) {
    if (!message.is_object()) return Invalid(nullptr, "a JSON-RPC message must be an object");
    const auto id_field = message.find("id");
    const bool has_id = id_field != message.end();
    Json id = has_id && IsValidId(*id_field) ? *id_field : Json();

    const auto version = message.find("jsonrpc");
    if (version == message.end() || *version != "2.0") {
        return Invalid(id, "\"jsonrpc\" must be \"2.0\"");
    }
    if (has_id && !IsValidId(*id_field)) {
        return Invalid(nullptr, "\"id\" must be a string or an integer");
    }

    const auto method = message.find("method");
    if (method == message.end()) {
        if (has_id && (message.contains("result") || message.contains("error"))) {
            Incoming response;
            response.kind = Incoming::Kind::kResponse;
            response.id = id;
            return response;
        }
        return Invalid(id, "a request needs a \"method\"");
    }
    if (!method->is_string()) return Invalid(id, "\"method\" must be a string");

    Incoming incoming;
    incoming.kind = has_id ? Incoming::Kind::kRequest : Incoming::Kind::kNotification;
    incoming.id = id;
    incoming.method = method->get<std::string>();
    if (const auto params = message.find("params"); params != message.end()) {
        if (!params->is_object()) return Invalid(id, "\"params\" must be an object");
        incoming.params = *params;
    }
    return incoming;
}

Json MakeResult(const Json& id, Json result) {
    return Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json MakeError(const Json& id, int code, std::string_view message, const Json& data) {
    Json error = {{"code", code}, {"message", message}};
    if (!data.is_null()) error["data"] = data;
    return Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

bool ParseMessage(std::string_view text, Json& message, Json& error) {
    if (util::TryReadJson(text, message)) return true;  // nests 64 deep at most
    message = Json();
    // Deeply nested input would make later recursive walks (validation, dumping) overflow
    // the stack; no MCP message needs more than a few levels.
    constexpr int kMaxDepth = 64;
    bool too_deep = false;
    const Json::parser_callback_t limit_depth = [&](int depth, Json::parse_event_t, Json&) {
        if (depth > kMaxDepth) too_deep = true;
        return !too_deep;
    };
    try {
        message = Json::parse(text, limit_depth);
    } catch (const Json::exception& e) {
        error = MakeError(nullptr, kParseError, std::string("Parse error: ") + e.what());
        return false;
    }
    if (too_deep) {
        error = MakeError(nullptr, kParseError,
                          "Parse error: nesting deeper than " + std::to_string(kMaxDepth));
        return false;
    }
    return true;
}

std::string Serialize(const Json& message) { return WriteJson(message); }

}  // namespace mnemo::mcp
