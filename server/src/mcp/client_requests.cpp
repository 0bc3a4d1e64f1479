// SPDX-License-Identifier: MIT
// PendingClientRequests and InFlightRequests.
#include "mcp/client_requests.hpp"

#include <algorithm>
#include <cstdio>

#include <openssl/rand.h>

namespace mnemo::mcp {
namespace {

constexpr auto kCancelPoll = std::chrono::milliseconds(50);

std::string RandomPrefix() {
    unsigned char bytes[6] = {};
    (void)RAND_bytes(bytes, sizeof bytes);
    char text[2 * sizeof bytes + 1];
    for (std::size_t i = 0; i < sizeof bytes; ++i) std::snprintf(text + 2 * i, 3, "%02x", bytes[i]);
    return std::string("mnemo-") + text + "-";
}

ClientAnswer AnswerFrom(const nlohmann::json& response) {
    if (const auto result = response.find("result"); result != response.end()) {
        return {true, *result, {}};
    }
    std::string message = "the client answered with an error";
    if (const auto error = response.find("error"); error != response.end() && error->is_object()) {
        message += ": " + error->value("message", std::string("(no message)"));
    }
    return {false, nullptr, message};
}

}  // namespace

PendingClientRequests::PendingClientRequests() : prefix_(RandomPrefix()) {}

std::string PendingClientRequests::Open(const std::string& session_key) {
    std::lock_guard lock(mutex_);
    std::string id = prefix_ + std::to_string(next_++);
    entries_.emplace(id, Entry{session_key, false, {}});
    return id;
}

ClientAnswer PendingClientRequests::Wait(const std::string& id,
                                         std::chrono::steady_clock::time_point deadline,
                                         const std::atomic<bool>* cancelled) {
    std::unique_lock lock(mutex_);
    ClientAnswer outcome{false, nullptr, "the client did not answer in time"};
    while (true) {
        const auto found = entries_.find(id);
        if (found == entries_.end()) {
            outcome.error = "unknown client request";
            break;
        }
        if (found->second.answered) {
            outcome = std::move(found->second.answer);
            break;
        }
        if (cancelled != nullptr && cancelled->load()) {
            outcome.error = "the call was cancelled";
            break;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        // Cancellation flags are plain atomics: wake up now and then to look at them.
        answered_.wait_for(
            lock, std::min<std::chrono::steady_clock::duration>(deadline - now, kCancelPoll));
    }
    entries_.erase(id);
    return outcome;
}

std::string PendingClientRequests::Deliver(const std::string& session_key, const nlohmann::json& id,
                                           const nlohmann::json& response) {
    const std::string shown = id.dump();
    if (!id.is_string()) return "no request of this server has id " + shown;
    {
        std::lock_guard lock(mutex_);
        const auto found = entries_.find(id.get_ref<const std::string&>());
        if (found == entries_.end() || found->second.session_key != session_key) {
            return "no request of this session with id " + shown +
                   " is waiting (unknown, already answered or timed out)";
        }
        if (found->second.answered) return "request " + shown + " was already answered";
        found->second.answered = true;
        found->second.answer = AnswerFrom(response);
    }
    answered_.notify_all();
    return {};
}

std::size_t PendingClientRequests::waiting() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

std::string InFlightRequests::Key(const std::string& session_key, const nlohmann::json& id) {
    return session_key + '\n' + id.dump();
}

InFlightRequests::Registration::Registration(InFlightRequests& owner, std::string key)
    : owner_(owner), key_(std::move(key)), flag_(std::make_shared<std::atomic<bool>>(false)) {
    std::lock_guard lock(owner_.mutex_);
    owner_.requests_.emplace(key_, flag_);
}

InFlightRequests::Registration::~Registration() {
    std::lock_guard lock(owner_.mutex_);
    auto [first, last] = owner_.requests_.equal_range(key_);
    for (auto it = first; it != last; ++it) {
        if (it->second == flag_) {
            owner_.requests_.erase(it);
            break;
        }
    }
}

bool InFlightRequests::Cancel(const std::string& session_key, const nlohmann::json& id) {
    std::lock_guard lock(mutex_);
    auto [first, last] = requests_.equal_range(Key(session_key, id));
    for (auto it = first; it != last; ++it) it->second->store(true);
    return first != last;
}

}  // namespace mnemo::mcp
