// SPDX-License-Identifier: MIT
// AuthFailureLimiter: fixed windows of failed token attempts per client.
#include "transport/auth_failure_limiter.hpp"

#include <algorithm>

namespace mnemo::transport {

std::chrono::seconds AuthFailureLimiter::RetryAfter(std::string_view client,
                                                    Clock::time_point now) {
    if (options_.max_failures == 0) return std::chrono::seconds(0);
    std::lock_guard lock(mutex_);
    const auto found = clients_.find(std::string(client));
    if (found == clients_.end()) return std::chrono::seconds(0);
    const Clock::time_point ends = found->second.window_start + options_.window;
    if (now >= ends) {
        clients_.erase(found);
        return std::chrono::seconds(0);
    }
    if (found->second.failures < options_.max_failures) return std::chrono::seconds(0);
    const auto left = std::chrono::ceil<std::chrono::seconds>(ends - now);
    return std::max(left, std::chrono::seconds(1));
}

void AuthFailureLimiter::RecordFailure(std::string_view client, Clock::time_point now) {
    if (options_.max_failures == 0) return;
    std::lock_guard lock(mutex_);
    auto found = clients_.find(std::string(client));
    if (found == clients_.end()) {
        if (clients_.size() >= options_.max_clients) MakeRoomLocked(now);
        found = clients_.emplace(std::string(client), Entry{now, 0}).first;
    } else if (now >= found->second.window_start + options_.window) {
        found->second = Entry{now, 0};
    }
    ++found->second.failures;
}

std::size_t AuthFailureLimiter::tracked() const {
    std::lock_guard lock(mutex_);
    return clients_.size();
}

void AuthFailureLimiter::MakeRoomLocked(Clock::time_point now) {
    std::erase_if(clients_, [&](const auto& item) {
        return now >= item.second.window_start + options_.window;
    });
    if (clients_.size() < options_.max_clients) return;
    const auto oldest = std::min_element(
        clients_.begin(), clients_.end(),
        [](const auto& a, const auto& b) { return a.second.window_start < b.second.window_start; });
    clients_.erase(oldest);
}

}  // namespace mnemo::transport
