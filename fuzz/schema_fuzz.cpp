// SPDX-License-Identifier: MIT
// libFuzzer target: tool argument validation (ValidateArguments) against the real tools'
// input schemas (fuzz/tool_schemas.json, a snapshot of tools/list). The first input byte
// picks the tool; the rest is the arguments' JSON text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string_view>
#include <vector>

#include "mcp/schema.hpp"

namespace {

using Json = nlohmann::json;

std::vector<Json> LoadSchemas() {
    std::ifstream in(MNEMO_FUZZ_TOOL_SCHEMAS);
    if (!in) {
        std::cerr << "schema_fuzz: cannot read " << MNEMO_FUZZ_TOOL_SCHEMAS << "\n";
        std::abort();
    }
    const Json snapshot = Json::parse(in);
    std::vector<Json> schemas;
    for (const Json& tool : snapshot.at("tools")) schemas.push_back(tool.at("inputSchema"));
    if (schemas.empty()) std::abort();
    return schemas;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<Json> schemas = LoadSchemas();
    if (size == 0) return 0;
    const Json& schema = schemas[data[0] % schemas.size()];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    // Arguments reach validation after ParseMessage, whose depth limit bounds the nesting;
    // the same limit keeps this target's recursion realistic.
    Json arguments;
    bool too_deep = false;
    const Json::parser_callback_t limit = [&](int depth, Json::parse_event_t, Json&) {
        if (depth > 64) too_deep = true;
        return !too_deep;
    };
    try {
        arguments = Json::parse(text, limit);
    } catch (const Json::exception&) {
        return 0;
    }
    if (too_deep) return 0;
    const std::string problem = mnemo::mcp::ValidateArguments(schema, arguments);
    // A value that passed must satisfy its root contract: an object with the required keys.
    if (problem.empty()) {
        if (!arguments.is_object()) std::abort();
        for (const Json& name : schema.value("required", Json::array())) {
            if (!arguments.contains(name.get<std::string>())) std::abort();
        }
    }
    return 0;
}
