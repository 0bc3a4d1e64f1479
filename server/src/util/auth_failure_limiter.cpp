// SPDX-License-Identifier: MIT
// AuthFailureLimiter: fixed windows of failed token attempts per client.
#include "util/auth_failure_limiter.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace mnemo::util {

std::chrono::seconds AuthFailureLimiter::RetryAfter(std::string_view client,
                                                    Clock::time_point now) {
    if (options_.max_failures == 0) return std::chrono::seconds(0);
    const std::string key = ClientKey(client, options_.ipv6_prefix);
    std::lock_guard lock(mutex_);
    const auto found = clients_.find(key);
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
    std::string key = ClientKey(client, options_.ipv6_prefix);
    std::lock_guard lock(mutex_);
    auto found = clients_.find(key);
    if (found == clients_.end()) {
        if (clients_.size() >= options_.max_clients) MakeRoomLocked(now);
        found = clients_.emplace(std::move(key), Entry{now, 0}).first;
    } else if (now >= found->second.window_start + options_.window) {
        found->second = Entry{now, 0};
    }
    ++found->second.failures;
}

std::size_t AuthFailureLimiter::tracked() const {
    std::lock_guard lock(mutex_);
    return clients_.size();
}

std::string AuthFailureLimiter::ClientKey(std::string_view address, unsigned ipv6_prefix) {
    if (address.find(':') == std::string_view::npos || address.size() >= INET6_ADDRSTRLEN) {
        return std::string(address);  // IPv4 (or not an address): counted as is
    }
    std::array<unsigned char, 16> bytes{};
    const std::string text(address);
    if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return text;
    constexpr std::array<unsigned char, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped.begin(), kMapped.end(), bytes.begin())) {
        return std::to_string(bytes[12]) + "." + std::to_string(bytes[13]) + "." +
               std::to_string(bytes[14]) + "." + std::to_string(bytes[15]);
    }
    const unsigned prefix = std::clamp(ipv6_prefix, 1U, 128U);
    for (unsigned bit = prefix; bit < 128; ++bit) {
        bytes[bit / 8] &= static_cast<unsigned char>(~(0x80U >> (bit % 8)));
    }
    std::array<char, INET6_ADDRSTRLEN> out{};
    if (inet_ntop(AF_INET6, bytes.data(), out.data(), out.size()) == nullptr) return text;
    return std::string(out.data()) + "/" + std::to_string(prefix);
}

void AuthFailureLimiter::MakeRoomLocked(Clock::time_point now) {
    std::erase_if(clients_, [&](const auto& item) {
        return now >= item.second.window_start + options_.window;
    });
    if (clients_.size() < options_.max_clients) return;
    // Keep what matters: a blocked client's entry outlives any number of fresh entries, and
    // a client with more failures outlives one with fewer (it is closer to being blocked).
    const auto victim =
        std::min_element(clients_.begin(), clients_.end(), [this](const auto& a, const auto& b) {
            const bool a_blocked = Blocked(a.second);
            const bool b_blocked = Blocked(b.second);
            if (a_blocked != b_blocked) return !a_blocked;
            if (!a_blocked && a.second.failures != b.second.failures) {
                return a.second.failures < b.second.failures;
            }
            return a.second.window_start < b.second.window_start;
        });
    clients_.erase(victim);
}

}  // namespace mnemo::util
