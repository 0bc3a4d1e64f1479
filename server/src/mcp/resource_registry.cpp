// SPDX-License-Identifier: MIT
// ResourceRegistry: paging across providers.
#include "mcp/resource_registry.hpp"

#include <charconv>

#include "mcp/jsonrpc.hpp"

namespace mnemo::mcp {

FeatureResult ResourceProvider::Complete(const std::string&, const std::string&, const std::string&,
                                         const nlohmann::json&, const Session&) const {
    return FeatureResult::Ok(nlohmann::json::array());
}

std::string ResourceProvider::LeaseTenant(const std::string&, const Session&) const { return {}; }

void ResourceRegistry::Add(std::unique_ptr<ResourceProvider> provider) {
    providers_.push_back(std::move(provider));
}

// A registry cursor is "<provider index>:<the provider's cursor>".
FeatureResult ResourceRegistry::List(const Session& session, const std::string& cursor) const {
    std::size_t index = 0;
    std::string inner;
    if (!cursor.empty()) {
        const auto colon = cursor.find(':');
        const auto [end, error] =
            std::from_chars(cursor.data(), cursor.data() + cursor.size(), index);
        if (colon == std::string::npos || error != std::errc() || end != cursor.data() + colon ||
            index >= providers_.size()) {
            return FeatureResult::Error(kInvalidParams, "Invalid params: unknown cursor");
        }
        inner = cursor.substr(colon + 1);
    }
    nlohmann::json resources = nlohmann::json::array();
    for (; index < providers_.size(); ++index, inner.clear()) {
        auto page = providers_[index]->List(session, inner);
        if (!page.ok()) return page;
        for (auto& resource : page.value["resources"]) resources.push_back(std::move(resource));
        const std::string next = page.value.value("nextCursor", std::string());
        if (!next.empty()) {
            return FeatureResult::Ok({{"resources", std::move(resources)},
                                      {"nextCursor", std::to_string(index) + ":" + next}});
        }
    }
    return FeatureResult::Ok({{"resources", std::move(resources)}});
}

nlohmann::json ResourceRegistry::Templates() const {
    nlohmann::json templates = nlohmann::json::array();
    for (const auto& provider : providers_) {
        for (auto& entry : provider->Templates()) templates.push_back(std::move(entry));
    }
    return templates;
}

const ResourceProvider* ResourceRegistry::Find(std::string_view uri) const {
    for (const auto& provider : providers_) {
        if (provider->Owns(uri)) return provider.get();
    }
    return nullptr;
}

const ResourceProvider* ResourceRegistry::FindTemplate(std::string_view uri_template) const {
    for (const auto& provider : providers_) {
        for (const auto& entry : provider->Templates()) {
            if (entry.value("uriTemplate", std::string()) == uri_template) return provider.get();
        }
    }
    return nullptr;
}

}  // namespace mnemo::mcp
