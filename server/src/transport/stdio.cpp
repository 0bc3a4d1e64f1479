// SPDX-License-Identifier: MIT
// The stdio transport: a reader thread, a few workers for tool calls, one locked writer.
#include "transport/stdio.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "util/log.hpp"

namespace mnemo::transport {
namespace {

using mcp::Json;

class Writer {
public:
    explicit Writer(int fd) : fd_(fd) {}

    /// Writes `text` and a newline. False once the peer is gone.
    bool WriteLine(std::string text) {
        text.push_back('\n');
        std::lock_guard lock(mutex_);
        if (failed_) return false;
        std::size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                failed_ = true;
                return false;
            }
            done += static_cast<std::size_t>(n);
        }
        return true;
    }
    [[nodiscard]] bool failed() {
        std::lock_guard lock(mutex_);
        return failed_;
    }

private:
    int fd_;
    std::mutex mutex_;
    bool failed_ = false;
};

/// Runs queued messages on worker threads.
class WorkQueue {
public:
    WorkQueue(std::size_t threads, const mcp::Dispatcher& dispatcher, mcp::Session& session,
              Writer& writer) {
        for (std::size_t i = 0; i < threads; ++i) {
            threads_.emplace_back([this, &dispatcher, &session, &writer] {
                const mcp::Notifier notify = [&writer](const Json& notification) {
                    writer.WriteLine(mcp::Serialize(notification));
                };
                while (auto message = Next()) {
                    // Planned like an HTTP call, so a tool resolves its project once, in the
                    // plan, over both transports (stdio leases nothing ahead).
                    const mcp::Incoming incoming = mcp::Classify(*message);
                    const mcp::CallPlan plan = incoming.method == "tools/call"
                                                   ? dispatcher.Plan(incoming, session)
                                                   : mcp::CallPlan{};
                    const Json reply =
                        dispatcher.Handle(*message, incoming, session, notify, &plan);
                    if (!reply.is_null()) writer.WriteLine(mcp::Serialize(reply));
                }
            });
        }
    }
    ~WorkQueue() { Finish(); }

    void Push(Json message) {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(std::move(message));
        }
        ready_.notify_one();
    }

    /// Lets queued work finish, then joins the threads.
    void Finish() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
        for (auto& thread : threads_) {
            if (thread.joinable()) thread.join();
        }
    }

private:
    std::optional<Json> Next() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return closed_ || !queue_.empty(); });
        if (queue_.empty()) return std::nullopt;
        Json message = std::move(queue_.front());
        queue_.pop_front();
        return message;
    }

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Json> queue_;
    bool closed_ = false;
    std::vector<std::thread> threads_;
};

/// Requests that may wait for the database or the client; the rest is answered at once.
bool RunsOnWorker(const Json& message) {
    if (!message.is_object() || !message.contains("id")) return false;
    const auto method = message.find("method");
    if (method == message.end() || !method->is_string()) return false;
    const auto& name = method->get_ref<const std::string&>();
    return name == "tools/call" || name == "resources/list" || name == "resources/read" ||
           name == "prompts/get" || name == "completion/complete";
}

/// Handles one complete line: database work goes to the workers; everything else
/// (initialize, ping, lists, notifications, the client's responses, errors) is handled at
/// once, in order.
void HandleLine(std::string_view line, const mcp::Dispatcher& dispatcher, mcp::Session& session,
                Writer& writer, WorkQueue& work) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    Json message;
    Json error;
    if (!mcp::ParseMessage(line, message, error)) {
        writer.WriteLine(mcp::Serialize(error));
        return;
    }
    if (RunsOnWorker(message)) {
        work.Push(std::move(message));
        return;
    }
    const Json reply = dispatcher.Handle(message, session);
    if (!reply.is_null()) writer.WriteLine(mcp::Serialize(reply));
}

}  // namespace

int RunStdio(const mcp::Dispatcher& dispatcher, mcp::Session& session,
             const StdioOptions& options) {
    Writer writer(options.output_fd);
    WorkQueue work(options.workers == 0 ? 1 : options.workers, dispatcher, session, writer);
    if (options.subscriptions != nullptr) {
        options.subscriptions->SetDelivery([&writer](const std::string&, const Json& notification) {
            writer.WriteLine(mcp::Serialize(notification));
        });
    }
    std::string pending;
    bool oversized = false;  // discarding the rest of a too-long line
    char buffer[64 * 1024];
    while (!writer.failed()) {
        const ssize_t n = ::read(options.input_fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::string_view chunk(buffer, static_cast<std::size_t>(n));
        while (!chunk.empty()) {
            const auto newline = chunk.find('\n');
            const auto piece = chunk.substr(0, newline);
            if (!oversized) pending.append(piece);
            if (pending.size() > options.max_line_bytes) {
                if (!oversized) {
                    writer.WriteLine(mcp::Serialize(
                        mcp::MakeError(nullptr, mcp::kParseError,
                                       "Parse error: message longer than " +
                                           std::to_string(options.max_line_bytes) + " bytes")));
                }
                oversized = true;
                pending.clear();
            }
            if (newline == std::string_view::npos) break;
            if (!oversized) HandleLine(pending, dispatcher, session, writer, work);
            pending.clear();
            oversized = false;
            chunk.remove_prefix(newline + 1);
        }
    }
    if (!oversized && !pending.empty()) HandleLine(pending, dispatcher, session, writer, work);
    work.Finish();
    if (options.subscriptions != nullptr) options.subscriptions->SetDelivery({});
    log::Info("stdio_closed", {{"session", session.id()}});
    return writer.failed() ? 1 : 0;
}

}  // namespace mnemo::transport
