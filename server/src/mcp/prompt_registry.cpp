// SPDX-License-Identifier: MIT
// PromptRegistry.
#include "mcp/prompt_registry.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace mnemo::mcp {

void PromptRegistry::Add(PromptDefinition prompt) {
    if (prompt.name.empty() || prompt.description.empty() || !prompt.handler ||
        index_.contains(prompt.name)) {
        std::fprintf(stderr, "mnemo: invalid or duplicate prompt definition '%s'\n",
                     prompt.name.c_str());
        std::abort();
    }
    index_.emplace(prompt.name, prompts_.size());
    prompts_.push_back(std::move(prompt));
}

const PromptDefinition* PromptRegistry::Find(const std::string& name) const {
    const auto found = index_.find(name);
    return found == index_.end() ? nullptr : &prompts_[found->second];
}

nlohmann::json PromptRegistry::ListJson() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& prompt : prompts_) {
        nlohmann::json entry = {{"name", prompt.name}, {"description", prompt.description}};
        if (!prompt.title.empty()) entry["title"] = prompt.title;
        nlohmann::json arguments = nlohmann::json::array();
        for (const auto& argument : prompt.arguments) {
            arguments.push_back({{"name", argument.name},
                                 {"description", argument.description},
                                 {"required", argument.required}});
        }
        if (!arguments.empty()) entry["arguments"] = std::move(arguments);
        list.push_back(std::move(entry));
    }
    return list;
}

std::string PromptRegistry::CheckArguments(const PromptDefinition& prompt,
                                           const nlohmann::json& arguments) {
    if (!arguments.is_null() && !arguments.is_object()) return "\"arguments\" must be an object";
    if (arguments.is_object()) {
        for (const auto& [name, value] : arguments.items()) {
            // Named capture: clang 14 cannot capture a structured binding.
            const bool known = std::any_of(
                prompt.arguments.begin(), prompt.arguments.end(),
                [&key = name](const PromptArgument& argument) { return argument.name == key; });
            if (!known) return "unknown argument \"" + name + "\" for prompt " + prompt.name;
            if (!value.is_string()) return "argument \"" + name + "\" must be a string";
        }
    }
    for (const auto& argument : prompt.arguments) {
        if (argument.required && (!arguments.is_object() || !arguments.contains(argument.name))) {
            return "missing required argument \"" + argument.name + "\" for prompt " + prompt.name;
        }
    }
    return {};
}

}  // namespace mnemo::mcp
