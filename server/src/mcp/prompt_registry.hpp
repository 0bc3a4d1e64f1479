// SPDX-License-Identifier: MIT
// PromptRegistry: the prompts a server offers (prompts/list, prompts/get, completions of
// their arguments).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/feature_result.hpp"
#include "mcp/session.hpp"

namespace mnemo::mcp {

struct PromptArgument {
    std::string name;
    std::string description;
    bool required = false;
};

/// Renders a prompt: `arguments` is an object of strings holding every required argument.
/// value: {description?, messages: [{role, content}]}.
using PromptHandler =
    std::function<FeatureResult(const nlohmann::json& arguments, const Session& session)>;

/// Values for `argument` starting with `value`; `context` holds the arguments already chosen.
/// value: [strings].
using PromptCompleter =
    std::function<FeatureResult(const std::string& argument, const std::string& value,
                                const nlohmann::json& context, const Session& session)>;

/// The pool tenant rendering will lease first, or "" (lets HTTP acquire it asynchronously).
using PromptLeaseTenantFn =
    std::function<std::string(const nlohmann::json& arguments, const Session& session)>;

struct PromptDefinition {
    std::string name;
    std::string title;
    std::string description;
    std::vector<PromptArgument> arguments;
    PromptHandler handler;
    PromptCompleter complete;          // optional
    PromptLeaseTenantFn lease_tenant;  // optional
};

/// Prompts in registration order. Registration happens before serving; then read-only and
/// safe from any thread.
class PromptRegistry {
public:
    /// Adds a prompt. Aborts on a duplicate or empty name, no description or no handler.
    void Add(PromptDefinition prompt);

    [[nodiscard]] const PromptDefinition* Find(const std::string& name) const;
    [[nodiscard]] bool empty() const { return prompts_.empty(); }

    /// The prompts/list entries.
    [[nodiscard]] nlohmann::json ListJson() const;

    /// "" when `arguments` (an object, or null) fits `prompt`: every value a string, every
    /// required one present, no unknown names; else what is wrong.
    [[nodiscard]] static std::string CheckArguments(const PromptDefinition& prompt,
                                                    const nlohmann::json& arguments);

private:
    std::vector<PromptDefinition> prompts_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace mnemo::mcp
