// SPDX-License-Identifier: MIT
// FeatureResult: what resource and prompt providers answer — a result or a JSON-RPC error.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mnemo::mcp {

/// MCP's code for an unknown resource (resources/read, subscribe).
inline constexpr int kResourceNotFound = -32002;

struct FeatureResult {
    nlohmann::json value;  // the result, when error_code is 0
    int error_code = 0;    // a JSON-RPC error code otherwise
    std::string error_message;

    [[nodiscard]] bool ok() const { return error_code == 0; }
    static FeatureResult Ok(nlohmann::json value) { return {std::move(value), 0, {}}; }
    static FeatureResult Error(int code, std::string message) {
        return {nullptr, code, std::move(message)};
    }
};

}  // namespace mnemo::mcp
