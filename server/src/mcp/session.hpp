// SPDX-License-Identifier: MIT
// Session: what one MCP connection negotiated and chose (protocol version, client, project).
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "mcp/log_level.hpp"

namespace mnemo::mcp {

/// The state of one MCP session. Over stdio there is one per process; over HTTP one per
/// Mcp-Session-Id. Request handlers read it; never a process global.
///
/// Thread safety: all members are guarded; safe to use from concurrent request handlers.
class Session {
public:
    /// `key` identifies the session in this process (pending client requests, cancellations,
    /// subscriptions); it defaults to `id`. Over HTTP, `id` is a short hash for logs and `key`
    /// the full hash of the Mcp-Session-Id.
    explicit Session(std::string id, std::string owner = {}, std::string key = {})
        : id_(std::move(id)), owner_(std::move(owner)), key_(key.empty() ? id_ : std::move(key)) {}

    /// A short random id for logs (stdio) or a short hash of the transport session id (HTTP).
    [[nodiscard]] const std::string& id() const { return id_; }
    [[nodiscard]] const std::string& key() const { return key_; }

    /// The user this session belongs to ("" = the local owner: stdio, or HTTP without auth).
    [[nodiscard]] const std::string& owner() const { return owner_; }

    [[nodiscard]] bool initialized() const {
        std::lock_guard lock(mutex_);
        return !protocol_version_.empty();
    }
    [[nodiscard]] std::string protocol_version() const {
        std::lock_guard lock(mutex_);
        return protocol_version_;
    }
    [[nodiscard]] nlohmann::json client_info() const {
        std::lock_guard lock(mutex_);
        return client_info_;
    }
    /// The client's declared capabilities (initialize's `capabilities`, an object).
    [[nodiscard]] nlohmann::json client_capabilities() const {
        std::lock_guard lock(mutex_);
        return client_capabilities_;
    }
    void SetInitialized(std::string protocol_version, nlohmann::json client_info,
                        nlohmann::json client_capabilities = nlohmann::json::object()) {
        std::lock_guard lock(mutex_);
        protocol_version_ = std::move(protocol_version);
        client_info_ = std::move(client_info);
        client_capabilities_ = client_capabilities.is_object() ? std::move(client_capabilities)
                                                               : nlohmann::json::object();
    }
    /// True when the client declared `capability` (e.g. "sampling", "elicitation").
    [[nodiscard]] bool ClientCan(const char* capability) const {
        std::lock_guard lock(mutex_);
        const auto found = client_capabilities_.find(capability);
        return found != client_capabilities_.end() && found->is_object();
    }

    /// The lowest level of notifications/message the client asked for (logging/setLevel);
    /// nullopt (the default) sends none.
    [[nodiscard]] std::optional<LogLevel> log_level() const {
        std::lock_guard lock(mutex_);
        return log_level_;
    }
    void SetLogLevel(std::optional<LogLevel> level) {
        std::lock_guard lock(mutex_);
        log_level_ = level;
    }

    /// The project chosen with select_project; "" when none.
    [[nodiscard]] std::string selected_project() const {
        std::lock_guard lock(mutex_);
        return selected_project_;
    }
    void SelectProject(std::string project) {
        std::lock_guard lock(mutex_);
        selected_project_ = std::move(project);
    }

private:
    const std::string id_;
    const std::string owner_;
    const std::string key_;
    mutable std::mutex mutex_;
    std::string protocol_version_;
    nlohmann::json client_info_;
    nlohmann::json client_capabilities_ = nlohmann::json::object();
    std::optional<LogLevel> log_level_;
    std::string selected_project_;
};

}  // namespace mnemo::mcp
