// SPDX-License-Identifier: MIT
// Shared helpers for pqpool tests: a capturing logger and a pool over the fake server.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fake_connector.hpp"
#include "pqpool/pool.hpp"
#include "time_slack.hpp"

namespace pqpool::testing {

/// Collects log lines; thread-safe.
class LogCapture {
public:
    Logger logger() {
        return [this](LogLevel /*level*/, std::string_view line) {
            std::lock_guard lock(mu_);
            lines_.emplace_back(line);
        };
    }
    /// How many captured lines contain `needle`.
    int Count(std::string_view needle) const {
        std::lock_guard lock(mu_);
        int n = 0;
        for (const auto& line : lines_) n += line.find(needle) != std::string::npos ? 1 : 0;
        return n;
    }
    std::string All() const {
        std::lock_guard lock(mu_);
        std::string all;
        for (const auto& line : lines_) all += line + "\n";
        return all;
    }

private:
    mutable std::mutex mu_;
    std::vector<std::string> lines_;
};

inline double MillisSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// Waits (polling) until `condition` holds or `limit` passes; returns whether it held.
template <class Condition>
bool Eventually(Condition condition, Millis limit = Millis(5'000)) {
    const auto until = Clock::now() + limit;
    while (Clock::now() < until) {
        if (condition()) return true;
        std::this_thread::sleep_for(Millis(1));
    }
    return condition();
}

class PoolTest : public ::testing::Test {
protected:
    PoolOptions Options() {
        PoolOptions options;
        options.name = "test";
        options.max_size = 4;
        options.logger = log.logger();
        return options;
    }
    std::shared_ptr<Pool> Make(PoolOptions options) {
        auto pool = Pool::Create(std::move(options), std::make_unique<FakeConnector>(server));
        EXPECT_TRUE(pool.ok()) << (pool.ok() ? "" : pool.error().message());
        return std::move(pool).value();
    }

    LogCapture log;
    std::shared_ptr<FakeServer> server = std::make_shared<FakeServer>();
};

}  // namespace pqpool::testing
