// SPDX-License-Identifier: MIT
// ResourceRegistry: the resource families a server offers (resources/*, completions of
// their templates).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/feature_result.hpp"
#include "mcp/session.hpp"

namespace mnemo::mcp {

/// One family of resources (e.g. a project's contexts). Implementations are registered before
/// serving and then called concurrently from any thread.
class ResourceProvider {
public:
    virtual ~ResourceProvider() = default;

    /// A page of resources/list: value {resources: [...], nextCursor?: "..."}. `cursor` is
    /// "" for the first page or a nextCursor this provider returned; an invalid one → -32602.
    [[nodiscard]] virtual FeatureResult List(const Session& session,
                                             const std::string& cursor) const = 0;

    /// Entries of resources/templates/list ({uriTemplate, name, description?, mimeType?}).
    [[nodiscard]] virtual nlohmann::json Templates() const = 0;

    /// True when `uri` has this provider's form (whether the resource exists is Read's).
    [[nodiscard]] virtual bool Owns(std::string_view uri) const = 0;

    /// resources/read: value {contents: [...]}; kResourceNotFound when it does not exist.
    [[nodiscard]] virtual FeatureResult Read(const std::string& uri,
                                             const Session& session) const = 0;

    /// Values for `argument` of one of this provider's templates, starting with `value`;
    /// `context` holds the template's other arguments already chosen. value: [strings].
    [[nodiscard]] virtual FeatureResult Complete(const std::string& uri_template,
                                                 const std::string& argument,
                                                 const std::string& value,
                                                 const nlohmann::json& context,
                                                 const Session& session) const;

    /// The pool tenant Read(uri) will lease first, so HTTP can acquire it asynchronously;
    /// "" when none or unknown.
    [[nodiscard]] virtual std::string LeaseTenant(const std::string& uri,
                                                  const Session& session) const;
};

/// Providers in registration order. Registration happens before serving; then read-only and
/// safe from any thread.
class ResourceRegistry {
public:
    void Add(std::unique_ptr<ResourceProvider> provider);

    [[nodiscard]] bool empty() const { return providers_.empty(); }

    /// resources/list across providers; the cursor says which provider and where in it.
    [[nodiscard]] FeatureResult List(const Session& session, const std::string& cursor) const;

    /// Every provider's templates.
    [[nodiscard]] nlohmann::json Templates() const;

    /// The provider owning `uri`, or null.
    [[nodiscard]] const ResourceProvider* Find(std::string_view uri) const;

    /// The provider that declares `uri_template`, or null.
    [[nodiscard]] const ResourceProvider* FindTemplate(std::string_view uri_template) const;

private:
    std::vector<std::unique_ptr<ResourceProvider>> providers_;
};

}  // namespace mnemo::mcp
