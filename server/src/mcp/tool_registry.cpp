// SPDX-License-Identifier: MIT
// ToolRegistry.
#include "mcp/tool_registry.hpp"

#include <cstdio>
#include <cstdlib>

namespace mnemo::mcp {
namespace {

bool IsValidToolName(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

void ToolRegistry::Add(ToolDefinition tool) {
    const bool valid = IsValidToolName(tool.name) && tool.input_schema.is_object() &&
                       tool.input_schema.value("type", "") == "object" && tool.handler &&
                       !tool.description.empty() && !index_.contains(tool.name);
    if (!valid) {
        std::fprintf(stderr, "mnemo: invalid or duplicate tool definition '%s'\n",
                     tool.name.c_str());
        std::abort();
    }
    index_.emplace(tool.name, tools_.size());
    tools_.push_back(std::move(tool));
}

const ToolDefinition* ToolRegistry::Find(const std::string& name) const {
    const auto found = index_.find(name);
    return found == index_.end() ? nullptr : &tools_[found->second];
}

nlohmann::json ToolRegistry::ListJson() const {
    auto list = nlohmann::json::array();
    for (const auto& tool : tools_) {
        nlohmann::json entry = {{"name", tool.name},
                                {"description", tool.description},
                                {"inputSchema", tool.input_schema}};
        if (!tool.title.empty()) entry["title"] = tool.title;
        if (!tool.annotations.empty()) entry["annotations"] = tool.annotations;
        list.push_back(std::move(entry));
    }
    return list;
}

}  // namespace mnemo::mcp
