// SPDX-License-Identifier: MIT
// SessionHints: two bounded maps under one mutex.
#include "backend/session_hints.hpp"

namespace mnemo::backend {
namespace {

template <class Map>
std::optional<typename Map::mapped_type> Find(const Map& map, const std::string& key) {
    const auto found = map.find(key);
    if (found == map.end()) return std::nullopt;
    return found->second;
}

template <class Map>
void Remember(Map& map, std::size_t capacity, const std::string& key,
              const typename Map::mapped_type& value) {
    if (map.size() >= capacity && map.find(key) == map.end()) map.clear();
    map.insert_or_assign(key, value);
}

}  // namespace

std::optional<transport::Principal> SessionHints::Token(const std::string& token_key) const {
    std::lock_guard lock(mutex_);
    return Find(tokens_, token_key);
}

std::optional<transport::SessionRecord> SessionHints::Session(
    const std::string& session_key) const {
    std::lock_guard lock(mutex_);
    return Find(sessions_, session_key);
}

void SessionHints::RememberToken(const std::string& token_key,
                                 const transport::Principal& principal) {
    std::lock_guard lock(mutex_);
    Remember(tokens_, capacity_, token_key, principal);
}

void SessionHints::RememberSession(const std::string& session_key,
                                   const transport::SessionRecord& record) {
    std::lock_guard lock(mutex_);
    Remember(sessions_, capacity_, session_key, record);
}

void SessionHints::ForgetToken(const std::string& token_key) {
    std::lock_guard lock(mutex_);
    tokens_.erase(token_key);
}

void SessionHints::ForgetSession(const std::string& session_key) {
    std::lock_guard lock(mutex_);
    sessions_.erase(session_key);
}

}  // namespace mnemo::backend
