// SPDX-License-Identifier: MIT
// Correlation of server-to-client requests with their answers, and of requests in progress
// with their cancellations.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "mcp/call_channel.hpp"

namespace mnemo::mcp {

/// Requests mnemo sent to clients (sampling/createMessage, elicitation/create) that wait for
/// an answer. Answers arrive on other messages of the same session (over HTTP, a separate
/// POST) and are matched by request id; only the session that was asked may answer.
///
/// Thread safety: all members may be called concurrently.
class PendingClientRequests {
public:
    PendingClientRequests();

    /// Registers a request that `session_key` will be sent; returns its id, unique in this
    /// process and, being partly random, across restarts and replicas.
    [[nodiscard]] std::string Open(const std::string& session_key);

    /// Waits until the answer to `id` arrives, `deadline` passes or `cancelled` (may be null)
    /// becomes true, and forgets `id` in every case (nothing is left behind by a client that
    /// never answers).
    [[nodiscard]] ClientAnswer Wait(const std::string& id,
                                    std::chrono::steady_clock::time_point deadline,
                                    const std::atomic<bool>* cancelled);

    /// Hands a JSON-RPC response from `session_key` to the request waiting for it. Returns ""
    /// when it did, else why it was refused (an unknown id, one already answered or given
    /// up, or another session's).
    [[nodiscard]] std::string Deliver(const std::string& session_key, const nlohmann::json& id,
                                      const nlohmann::json& response);

    /// Requests waiting now (tests check nothing leaks).
    [[nodiscard]] std::size_t waiting() const;

private:
    struct Entry {
        std::string session_key;
        bool answered = false;
        ClientAnswer answer;
    };

    mutable std::mutex mutex_;
    std::condition_variable answered_;
    std::map<std::string, Entry, std::less<>> entries_;
    std::string prefix_;
    std::uint64_t next_ = 1;
};

/// Requests being handled, so that notifications/cancelled{requestId} from the same session
/// can flag them.
///
/// Thread safety: all members may be called concurrently.
class InFlightRequests {
public:
    /// Registers request `id` of `session_key` while it lives; its flag turns true on Cancel.
    class Registration {
    public:
        Registration(InFlightRequests& owner, std::string key);
        ~Registration();
        Registration(const Registration&) = delete;
        Registration& operator=(const Registration&) = delete;

        [[nodiscard]] const std::atomic<bool>& cancelled() const { return *flag_; }

    private:
        InFlightRequests& owner_;
        std::string key_;
        std::shared_ptr<std::atomic<bool>> flag_;
    };

    [[nodiscard]] static std::string Key(const std::string& session_key, const nlohmann::json& id);

    /// Flags request `id` of `session_key`; false when no such request is in progress.
    bool Cancel(const std::string& session_key, const nlohmann::json& id);

private:
    std::mutex mutex_;
    std::multimap<std::string, std::shared_ptr<std::atomic<bool>>> requests_;
};

}  // namespace mnemo::mcp
