// SPDX-License-Identifier: MIT
// IoLoops: the HTTP server's I/O threads, one event loop each, and which of them may be lent.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "transport/thread_lender.hpp"

namespace mnemo::transport {

/// `threads` I/O threads, each running its own io_context: a connection lives on one loop, so
/// a request read, run and answered there costs no wake-up of another thread (one shared loop
/// made its threads hand the reactor to each other: about 6.7 context switches per request,
/// where 2 are needed).
///
/// Lending: an I/O thread may run a request's database work itself only while its loop
/// serves that connection alone and at least one other loop is not lent; a new connection
/// goes to a loop that is not lent, the one with the fewest connections. So a lent thread never
/// keeps another client waiting: however long a statement runs, no other connection and no
/// new one depends on that thread.
///
/// Reseating: connections come and go, so two can end up sharing a loop while another loop
/// serves none (then neither is ever lent). Between two requests a connection asks
/// ShouldReseat and, when it is true, moves to the idle loop (HttpServer). Moves go only to a
/// loop that serves no connection, so they cannot go back and forth.
///
/// Thread safety: Assign, Release, ShouldReseat, TryLend and Return may run concurrently.
class IoLoops final : public ThreadLender {
public:
    explicit IoLoops(std::size_t threads);
    ~IoLoops() override;
    IoLoops(const IoLoops&) = delete;
    IoLoops& operator=(const IoLoops&) = delete;

    /// The loop a new connection goes to, counted as served there until Release(index).
    struct Seat {
        std::size_t index;
        boost::asio::io_context& loop;
    };
    [[nodiscard]] Seat Assign();
    /// The connection seated at loop `index` ended.
    void Release(std::size_t index);

    /// Starts the threads; each runs its loop until Stop.
    void Start();
    /// Stops every loop and joins the threads; what is still queued there is dropped when the
    /// IoLoops is destroyed.
    void Stop();

    /// Whether a connection seated at loop `index` should move: its loop serves another
    /// connection too, and some loop serves none and is not lent (Assign would choose it).
    [[nodiscard]] bool ShouldReseat(std::size_t index);

    /// Connections seated and not yet released, over all loops.
    [[nodiscard]] std::size_t connections();

    // ThreadLender: on a thread of these loops only (anywhere else TryLend is false).
    [[nodiscard]] bool TryLend() override;
    void Return() override;

private:
    struct Loop;
    static thread_local Loop* current_loop_;  // the loop the calling thread runs, or null

    std::vector<std::unique_ptr<Loop>> loops_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;      // guards the counts below and each Loop's connections and lent
    std::size_t lent_ = 0;  // loops whose thread runs a request now
};

}  // namespace mnemo::transport
