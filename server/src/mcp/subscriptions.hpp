// SPDX-License-Identifier: MIT
// Subscriptions: which sessions of this process watch which resources
// (resources/subscribe), and delivering notifications/resources/updated to them.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace mnemo::mcp {

/// Thread safety: all members may be called concurrently; SetDelivery before serving.
class Subscriptions {
public:
    /// Sends a notification to the session with `session_key` outside any request (stdio:
    /// stdout; HTTP: the session's GET stream, when one is open in this process).
    using Deliver =
        std::function<void(const std::string& session_key, const nlohmann::json& notification)>;

    /// Subscriptions beyond this per session are refused (Subscribe returns false).
    static constexpr std::size_t kMaxPerSession = 1000;

    void SetDelivery(Deliver deliver);

    /// Watches `uri` as seen by `owner` (the same URI names different projects for different
    /// users). False when the session already watches kMaxPerSession resources.
    bool Subscribe(const std::string& session_key, const std::string& owner,
                   const std::string& uri);
    void Unsubscribe(const std::string& session_key, const std::string& owner,
                     const std::string& uri);
    /// Drops every subscription of a session (it ended).
    void Forget(const std::string& session_key);

    /// Sends notifications/resources/updated{uri} to every session of `owner` watching `uri`.
    void Publish(const std::string& owner, const std::string& uri) const;

    [[nodiscard]] std::size_t count(const std::string& session_key) const;

private:
    mutable std::mutex mutex_;
    Deliver deliver_;
    // A watched key is owner + '\n' + uri.
    std::map<std::string, std::set<std::string>> by_uri_;      // watched key → session keys
    std::map<std::string, std::set<std::string>> by_session_;  // session key → watched keys
};

}  // namespace mnemo::mcp
