// SPDX-License-Identifier: MIT
// IoLoops: one io_context per I/O thread; seats connections and lends threads.
#include "transport/io_loops.hpp"

#include <algorithm>
#include <optional>

namespace mnemo::transport {

namespace net = boost::asio;

struct IoLoops::Loop {
    // Concurrency hint 1: one thread runs it, so the scheduler wakes no other thread.
    Loop() : context(std::in_place, 1), work(context->get_executor()) {}

    // Reset in ~IoLoops, while the rest of IoLoops lives: the handlers it destroys may end
    // connections, whose seats Release counts.
    std::optional<net::io_context> context;
    net::executor_work_guard<net::io_context::executor_type> work;
    std::size_t connections = 0;
    bool lent = false;
};

thread_local IoLoops::Loop* IoLoops::current_loop_ = nullptr;

IoLoops::IoLoops(std::size_t threads) {
    for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) {
        loops_.push_back(std::make_unique<Loop>());
    }
}

IoLoops::~IoLoops() {
    Stop();
    for (auto& loop : loops_) loop->context.reset();
}

IoLoops::Seat IoLoops::Assign() {
    std::lock_guard lock(mutex_);
    std::size_t best = 0;
    for (std::size_t i = 1; i < loops_.size(); ++i) {
        const Loop& candidate = *loops_[i];
        const Loop& chosen = *loops_[best];
        if (candidate.lent != chosen.lent ? chosen.lent
                                          : candidate.connections < chosen.connections) {
            best = i;
        }
    }
    ++loops_[best]->connections;
    return {best, *loops_[best]->context};
}

void IoLoops::Release(std::size_t index) {
    std::lock_guard lock(mutex_);
    --loops_[index]->connections;
}

bool IoLoops::ShouldReseat(std::size_t index) {
    std::lock_guard lock(mutex_);
    if (loops_[index]->connections < 2) return false;
    return std::any_of(loops_.begin(), loops_.end(), [](const std::unique_ptr<Loop>& loop) {
        return loop->connections == 0 && !loop->lent;
    });
}

std::size_t IoLoops::connections() {
    std::lock_guard lock(mutex_);
    std::size_t total = 0;
    for (const auto& loop : loops_) total += loop->connections;
    return total;
}

void IoLoops::Start() {
    for (auto& loop : loops_) {
        threads_.emplace_back([raw = loop.get()] {
            current_loop_ = raw;
            raw->context->run();
        });
    }
}

void IoLoops::Stop() {
    for (auto& loop : loops_) {
        loop->work.reset();
        loop->context->stop();
    }
    for (auto& thread : threads_) thread.join();
    threads_.clear();
}

bool IoLoops::TryLend() {
    Loop* loop = current_loop_;
    if (loop == nullptr) return false;
    std::lock_guard lock(mutex_);
    // One loop always stays unlent, so new connections have somewhere to go.
    if (loop->lent || loop->connections != 1 || lent_ + 1 >= loops_.size()) return false;
    loop->lent = true;
    ++lent_;
    return true;
}

void IoLoops::Return() {
    std::lock_guard lock(mutex_);
    current_loop_->lent = false;
    --lent_;
}

}  // namespace mnemo::transport
