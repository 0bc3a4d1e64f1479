// SPDX-License-Identifier: MIT
// SessionHints: what this process last saw of tokens and sessions, to plan before it checks.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "transport/backend.hpp"

namespace mnemo::backend {

/// Hints, never answers: a request is planned (which tenant's lease to take) from what this
/// process last saw of its token and session, and the database then checks, in the request's
/// own first round trip, that the hint still holds (AccessStore::ArmCheck). A wrong hint costs
/// a retry, never a wrong answer. A token's user and scope never change, so they stay until
/// the hint is dropped (the token failed its check); a session's project and log level may
/// change on any replica, and the check compares them.
///
/// Bounded: when a map holds `capacity` entries it is emptied (each request then pays one
/// lookup to fill it again).
///
/// Thread safety: every call may run concurrently.
class SessionHints {
public:
    explicit SessionHints(std::size_t capacity = 10000) : capacity_(capacity) {}

    /// Keys are SHA-256 hex of the token and of the session id.
    [[nodiscard]] std::optional<transport::Principal> Token(const std::string& token_key) const;
    [[nodiscard]] std::optional<transport::SessionRecord> Session(
        const std::string& session_key) const;

    void RememberToken(const std::string& token_key, const transport::Principal& principal);
    void RememberSession(const std::string& session_key, const transport::SessionRecord& record);
    void ForgetToken(const std::string& token_key);
    void ForgetSession(const std::string& session_key);

private:
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, transport::Principal> tokens_;
    std::unordered_map<std::string, transport::SessionRecord> sessions_;
};

}  // namespace mnemo::backend
