// SPDX-License-Identifier: MIT
// HttpConnection: one client TCP connection — reads requests, writes answers and SSE streams.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>

#include "transport/http_exchange.hpp"
#include "util/http_route.hpp"

namespace mnemo::transport {

/// What the server learns about each answered request (for logs and metrics).
struct RequestRecord {
    std::string method;
    std::string target;
    unsigned status = 0;
    double elapsed_ms = 0;
    std::string session;  // the Mcp-Session-Id header sent or received, "" when none
    std::string correlation_id;
    bool stream = false;
};

/// Server-side hooks a connection reports to. Thread-safe.
class ConnectionHooks {
public:
    virtual ~ConnectionHooks() = default;
    virtual void RequestStarted() = 0;
    virtual void RequestFinished(const RequestRecord& record) = 0;
    /// True once the server stopped accepting: answer what is in flight, then close.
    [[nodiscard]] virtual bool draining() const = 0;
    /// Between two requests of the connection seated at I/O loop `seat`: returns true when it
    /// moved the connection to another loop, taking the socket out of `stream` and the bytes
    /// already read past the last request from `pending`; the connection object then ends.
    virtual bool Reseat(std::size_t /*seat*/, boost::beast::tcp_stream& /*stream*/,
                        boost::beast::flat_buffer& /*pending*/) {
        return false;
    }
    /// The connection seated at `seat` closed its socket or moved it to another loop (once per
    /// connection; at the latest when the object ends, which a stream's Exchange may delay).
    virtual void Unseat(std::size_t /*seat*/) {}
    /// The body limit of a request from its request line (a route's own, or {} for the
    /// connection's max_body_bytes).
    [[nodiscard]] virtual util::BodyLimit BodyLimitFor(std::string_view /*method*/,
                                                       std::string_view /*path*/) const {
        return {};
    }
};

struct ConnectionLimits {
    std::size_t max_body_bytes = 4 << 20;
    std::size_t max_header_bytes = 16 << 10;
    /// To read one whole request (also the keep-alive idle limit), and to write each piece.
    std::chrono::milliseconds io_timeout{30'000};
    std::chrono::milliseconds stream_keepalive{20'000};
    /// How long a lingering close reads what the client still sends after an early error.
    std::chrono::milliseconds linger_timeout{1'000};
};

/// Serves requests one at a time (HTTP/1.1 keep-alive, no pipelining). Everything runs on the
/// connection's strand; the Exchange handed to the handler may be used from any thread.
/// The header block is read first and checked for strict framing (FramingProblem); its request
/// line sets the body limit (ConnectionHooks::BodyLimitFor); then Beast parses it and reads the
/// body. Oversized bodies get 413 (from Content-Length alone, before any of the body is read),
/// oversized headers 431, malformed or ambiguously framed requests 400; each of those early answers
/// is followed by a lingering close: the server half-closes, reads and discards what the client
/// still sends (at most twice `max_body_bytes`, at most `linger_timeout`), then closes — so a
/// client that sends its whole request before reading still gets the status instead of a reset (RFC
/// 9112 §9.6).
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
public:
    /// `seat`: the I/O loop the socket's executor runs on (for ConnectionHooks::Reseat);
    /// `pending`: bytes already read from the socket (a connection moved between loops).
    HttpConnection(boost::asio::ip::tcp::socket socket, RequestHandler& handler,
                   ConnectionHooks& hooks, ConnectionLimits limits, std::size_t seat = 0,
                   boost::beast::flat_buffer pending = {});
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    void Start();
    /// From any thread: an idle connection closes now, a stream ends, a request in flight
    /// is answered and then the connection closes.
    void Drain();

private:
    class RequestExchange;
    enum class State { kReading, kHandling, kStreaming, kLingering, kClosed };

    void DoRead();
    /// Reads until the buffer holds a whole header block, checks its framing, then reads the
    /// request with Beast.
    void ReadHead();
    void OnHeadBytes(boost::beast::error_code ec, std::size_t bytes);
    /// Answers an early error and closes the connection after a lingering drain.
    void RefuseEarly(HttpResponse response);
    /// After an early error's answer is written: half-close, drain within bounds, close.
    void Linger();
    void OnLingerRead(boost::beast::error_code ec, std::size_t bytes);
    void OnRead(boost::beast::error_code ec, std::size_t bytes);
    /// Answers 400 "Bad HTTP request: <reason>" and closes the connection after it.
    void RefuseRequest(const std::string& reason);
    void BeginRequest(HttpRequest request);
    void ReplyNow(HttpResponse response, bool close);

    // On the strand, for the current request `generation`.
    void Reply(std::uint64_t generation, HttpResponse response);
    void StartStream(std::uint64_t generation, HttpResponse head, bool keepalive);
    void StreamEvent(std::uint64_t generation, std::string data);
    void EndStream(std::uint64_t generation);
    void ScheduleKeepalive();

    void Queue(std::string bytes);
    void DoWrite();
    void OnWrite(boost::beast::error_code ec, std::size_t bytes);
    /// While a stream is written, a read stays pending so that a client that goes away is
    /// noticed at once (a stream's writes would notice only at its next keep-alive).
    void WatchStream();
    void OnWatchRead(boost::beast::error_code ec, std::size_t bytes);
    void FinishRequest(unsigned status);
    void Close();
    void Unseat();

    boost::beast::tcp_stream stream_;
    const std::string client_address_;  // the peer's IP address, "" when unknown
    boost::beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    RequestHandler& handler_;
    ConnectionHooks& hooks_;
    const ConnectionLimits limits_;
    const std::size_t seat_;
    boost::asio::steady_timer keepalive_timer_;

    State state_ = State::kReading;
    std::uint64_t generation_ = 0;
    bool keep_alive_ = false;
    bool close_after_write_ = false;
    bool linger_after_write_ = false;  // an early error: drain before closing
    std::size_t linger_left_ = 0;      // bytes a lingering close still reads at most
    std::size_t body_limit_ = 0;       // the current request's (limits_ or its route's)
    std::string body_limit_setting_;   // the variable that sets it
    bool request_open_ = false;        // counted by hooks_.RequestStarted, not yet finished
    bool answered_ = false;            // the current answer is complete (queued)
    std::atomic<std::uint64_t> live_generation_{0};  // the request still being answered
    std::deque<std::string> writes_;
    bool writing_ = false;
    bool watching_ = false;  // WatchStream's read is pending
    bool seated_ = true;     // Unseat not called yet
    RequestRecord record_;
    std::chrono::steady_clock::time_point started_;
};

}  // namespace mnemo::transport
