// SPDX-License-Identifier: MIT
// Subscriptions.
#include "mcp/subscriptions.hpp"

#include <vector>

namespace mnemo::mcp {
namespace {

std::string WatchedKey(const std::string& owner, const std::string& uri) {
    return owner + '\n' + uri;
}

}  // namespace

void Subscriptions::SetDelivery(Deliver deliver) {
    std::lock_guard lock(mutex_);
    deliver_ = std::move(deliver);
}

bool Subscriptions::Subscribe(const std::string& session_key, const std::string& owner,
                              const std::string& watched_uri) {
    const std::string uri = WatchedKey(owner, watched_uri);
    std::lock_guard lock(mutex_);
    auto& uris = by_session_[session_key];
    if (!uris.contains(uri) && uris.size() >= kMaxPerSession) return false;
    uris.insert(uri);
    by_uri_[uri].insert(session_key);
    return true;
}

void Subscriptions::Unsubscribe(const std::string& session_key, const std::string& owner,
                                const std::string& watched_uri) {
    const std::string uri = WatchedKey(owner, watched_uri);
    std::lock_guard lock(mutex_);
    if (auto found = by_session_.find(session_key); found != by_session_.end()) {
        found->second.erase(uri);
        if (found->second.empty()) by_session_.erase(found);
    }
    if (auto found = by_uri_.find(uri); found != by_uri_.end()) {
        found->second.erase(session_key);
        if (found->second.empty()) by_uri_.erase(found);
    }
}

void Subscriptions::Forget(const std::string& session_key) {
    std::lock_guard lock(mutex_);
    const auto found = by_session_.find(session_key);
    if (found == by_session_.end()) return;
    for (const auto& uri : found->second) {
        if (auto watched = by_uri_.find(uri); watched != by_uri_.end()) {
            watched->second.erase(session_key);
            if (watched->second.empty()) by_uri_.erase(watched);
        }
    }
    by_session_.erase(found);
}

void Subscriptions::Publish(const std::string& owner, const std::string& uri) const {
    std::vector<std::string> sessions;
    Deliver deliver;
    {
        std::lock_guard lock(mutex_);
        const auto found = by_uri_.find(WatchedKey(owner, uri));
        if (found == by_uri_.end() || !deliver_) return;
        sessions.assign(found->second.begin(), found->second.end());
        deliver = deliver_;
    }
    // Delivery writes to the client: never under the lock.
    const nlohmann::json notification = {{"jsonrpc", "2.0"},
                                         {"method", "notifications/resources/updated"},
                                         {"params", {{"uri", uri}}}};
    for (const auto& session : sessions) deliver(session, notification);
}

std::size_t Subscriptions::count(const std::string& session_key) const {
    std::lock_guard lock(mutex_);
    const auto found = by_session_.find(session_key);
    return found == by_session_.end() ? 0 : found->second.size();
}

}  // namespace mnemo::mcp
