// SPDX-License-Identifier: MIT
// libFuzzer target: JSON-RPC framing (ParseMessage, Classify) and the MCP dispatcher on raw
// message text, with two database-free tools registered; Serialize must write every message
// exactly as nlohmann's dump does, and the fast reader must read what nlohmann reads.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "mcp/dispatcher.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/tool_registry.hpp"
#include "util/json_read.hpp"
#include "util/log.hpp"

namespace {

using mnemo::mcp::Json;

const mnemo::mcp::ToolRegistry& Tools() {
    static const mnemo::mcp::ToolRegistry* registry = [] {
        auto* tools = new mnemo::mcp::ToolRegistry();
        mnemo::mcp::ToolDefinition echo;
        echo.name = "echo";
        echo.title = "Echo";
        echo.description = "Returns its text.";
        echo.input_schema = {{"type", "object"},
                             {"properties",
                              {{"text", {{"type", "string"}, {"maxLength", 64}}},
                               {"tags",
                                {{"type", "array"},
                                 {"items", {{"type", "string"}, {"pattern", "^[a-z]+$"}}},
                                 {"maxItems", 4}}}}},
                             {"required", {"text"}},
                             {"additionalProperties", false}};
        echo.handler = [](const mnemo::mcp::ToolCall& call) {
            return mnemo::mcp::ToolResult::Ok({{"text", call.arguments["text"]}});
        };
        tools->Add(std::move(echo));

        mnemo::mcp::ToolDefinition add;
        add.name = "add";
        add.title = "Add";
        add.description = "Adds two integers.";
        add.input_schema = {{"type", "object"},
                            {"properties",
                             {{"a", {{"type", "integer"}, {"minimum", -1000}}},
                              {"b", {{"type", "integer"}, {"maximum", 1000}}}}},
                            {"required", {"a", "b"}}};
        add.annotations = {{"readOnlyHint", true}};
        add.handler = [](const mnemo::mcp::ToolCall& call) {
            return mnemo::mcp::ToolResult::Ok(
                {{"sum", call.arguments["a"].get<std::int64_t>() +
                             call.arguments["b"].get<std::int64_t>()}});
        };
        tools->Add(std::move(add));
        return tools;
    }();
    return *registry;
}

/// Serialises `message` and aborts (a crash the fuzzer reports) when the bytes differ from
/// nlohmann's dump, which mcp/json_writer.hpp promises to match.
void SerializeChecked(const Json& message) {
    const std::string written = mnemo::mcp::Serialize(message);
    const std::string expected = message.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (written != expected) {
        std::fprintf(stderr, "Serialize differs from nlohmann's dump:\n%s\n%s\n", written.c_str(),
                     expected.c_str());
        std::abort();
    }
}

/// Aborts when util::TryReadJson reads `text` and nlohmann's parser refuses it or reads another
/// value (util/json_read.hpp promises the same value).
void ReadChecked(std::string_view text) {
    Json read;
    if (!mnemo::util::TryReadJson(text, read)) return;
    const Json expected = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (expected.is_discarded() || read != expected || read.dump() != expected.dump()) {
        std::fprintf(stderr, "TryReadJson differs from nlohmann's parse:\n%s\n%s\n",
                     read.dump().c_str(), expected.dump().c_str());
        std::abort();
    }
}

mnemo::mcp::ServerInfo Info() {
    // One log line per call would dominate the run time; errors still show.
    mnemo::log::SetMinLevel(mnemo::log::Level::kError);
    mnemo::mcp::ServerInfo info;
    info.version = "fuzz";
    return info;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const mnemo::mcp::Dispatcher dispatcher(Info(), Tools());
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // The raw bytes as one string too: parsed messages hold only valid UTF-8, these need not.
    SerializeChecked(Json(std::string(text)));
    ReadChecked(text);
    Json message;
    Json error;
    if (!mnemo::mcp::ParseMessage(text, message, error)) {
        SerializeChecked(error);
        return 0;
    }
    SerializeChecked(message);
    (void)mnemo::mcp::Classify(message);
    // Half the inputs reach an initialized session, so tools/call is exercised too.
    mnemo::mcp::Session session("fuzz");
    if ((data[0] & 1) != 0) session.SetInitialized("2025-11-25", Json::object());
    (void)dispatcher.Plan(message, session);
    const Json reply = dispatcher.Handle(message, session);
    SerializeChecked(reply);
    return 0;
}
