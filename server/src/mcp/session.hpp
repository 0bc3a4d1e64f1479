// SPDX-License-Identifier: MIT
// Session: what one MCP connection negotiated and chose (protocol version, client, project).
#pragma once

#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace mnemo::mcp {

/// The state of one MCP session. Over stdio there is one per process; over HTTP one per
/// Mcp-Session-Id. Request handlers read it; never a process global.
///
/// Thread safety: all members are guarded; safe to use from concurrent request handlers.
class Session {
public:
    explicit Session(std::string id, std::string owner = {})
        : id_(std::move(id)), owner_(std::move(owner)) {}

    /// A short random id for logs (stdio) or the transport session id (HTTP).
    [[nodiscard]] const std::string& id() const { return id_; }

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
    void SetInitialized(std::string protocol_version, nlohmann::json client_info) {
        std::lock_guard lock(mutex_);
        protocol_version_ = std::move(protocol_version);
        client_info_ = std::move(client_info);
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
    mutable std::mutex mutex_;
    std::string protocol_version_;
    nlohmann::json client_info_;
    std::string selected_project_;
};

}  // namespace mnemo::mcp
