// SPDX-License-Identifier: MIT
// HttpConnection: Beast reads, a write queue, SSE framing, timeouts and draining.
#include "transport/http_connection.hpp"

#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "transport/http_checks.hpp"
#include "transport/http_wire.hpp"

namespace mnemo::transport {

namespace net = boost::asio;
namespace beast = boost::beast;

/// The Exchange for one request of a connection: forwards to the connection's strand with
/// the request's generation, so a late answer can never land in a later request. It keeps
/// the connection alive while a handler still holds it (nothing else may be pending then).
class HttpConnection::RequestExchange : public Exchange {
public:
    RequestExchange(std::shared_ptr<HttpConnection> connection, std::uint64_t generation)
        : connection_(std::move(connection)), generation_(generation) {}

    void Reply(HttpResponse response) override {
        Post([generation = generation_, response = std::move(response)](HttpConnection& c) mutable {
            c.Reply(generation, std::move(response));
        });
    }
    void StartStream(HttpResponse head, bool keepalive) override {
        Post([generation = generation_, head = std::move(head),
              keepalive](HttpConnection& c) mutable {
            c.StartStream(generation, std::move(head), keepalive);
        });
    }
    void StreamEvent(std::string data) override {
        Post([generation = generation_, data = std::move(data)](HttpConnection& c) mutable {
            c.StreamEvent(generation, std::move(data));
        });
    }
    void EndStream() override {
        Post([generation = generation_](HttpConnection& c) { c.EndStream(generation); });
    }
    [[nodiscard]] std::string client_address() const override {
        return connection_->client_address_;
    }
    [[nodiscard]] bool open() const override {
        // Read without the strand: a stale answer errs towards "open", which only costs a
        // dropped write later.
        return connection_->live_generation_.load() == generation_;
    }

private:
    /// Runs `fn` on the connection's strand: right here when this thread is in it (a request
    /// that ran on its I/O thread writes its answer with no hand-off), else queued to it.
    template <typename Fn>
    void Post(Fn fn) {
        net::dispatch(
            connection_->stream_.get_executor(),
            [connection = connection_, fn = std::move(fn)]() mutable { fn(*connection); });
    }

    const std::shared_ptr<HttpConnection> connection_;
    const std::uint64_t generation_;
};

namespace {

std::string PeerAddress(const net::ip::tcp::socket& socket) {
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string() : endpoint.address().to_string();
}

}  // namespace

HttpConnection::HttpConnection(net::ip::tcp::socket socket, RequestHandler& handler,
                               ConnectionHooks& hooks, ConnectionLimits limits, std::size_t seat,
                               beast::flat_buffer pending)
    : stream_(std::move(socket)),
      client_address_(PeerAddress(stream_.socket())),
      buffer_(std::move(pending)),
      handler_(handler),
      hooks_(hooks),
      limits_(limits),
      seat_(seat),
      keepalive_timer_(stream_.get_executor()) {}

HttpConnection::~HttpConnection() { Unseat(); }

void HttpConnection::Unseat() {
    if (!std::exchange(seated_, false)) return;
    hooks_.Unseat(seat_);
}

void HttpConnection::Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
}

void HttpConnection::Drain() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        switch (self->state_) {
            case State::kReading: self->Close(); break;
            case State::kStreaming:
                self->close_after_write_ = true;
                self->EndStream(self->generation_);
                break;
            case State::kHandling: self->close_after_write_ = true; break;
            case State::kLingering:  // ends by itself within linger_timeout
            case State::kClosed: break;
        }
    });
}

void HttpConnection::DoRead() {
    if (hooks_.draining()) return Close();
    state_ = State::kReading;
    parser_.emplace();
    body_limit_ = limits_.max_body_bytes;
    body_limit_setting_ = "MNEMO_MAX_BODY_BYTES";
    parser_->body_limit(body_limit_);
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    // One timeout for the whole request: its header block and its body.
    stream_.expires_after(limits_.io_timeout);
    if (watching_) {
        // The read that watched the stream before is still pending (nothing else is: every
        // write is done): cancel it; its handler goes on with the head.
        beast::error_code ignored;
        stream_.socket().cancel(ignored);
        return;
    }
    ReadHead();
}

void HttpConnection::ReadHead() {
    const auto data = buffer_.cdata();
    const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    std::size_t start = 0;
    while (bytes.substr(start, 2) == "\r\n") start += 2;
    const auto end = bytes.find("\r\n\r\n", start);
    // A bare-LF line ending before the end of the block: Beast refuses it with 400 at once.
    const auto bare = bytes.find("\n\n", start);
    if (end != std::string_view::npos || bare != std::string_view::npos) {
        if (end != std::string_view::npos && (bare == std::string_view::npos || end < bare)) {
            const std::string_view head = bytes.substr(0, end + 4);
            if (auto problem = FramingProblem(head)) return RefuseRequest(*problem);
            const RequestLine line = ParseRequestLine(head);
            if (const util::BodyLimit own = hooks_.BodyLimitFor(line.method, line.path);
                own.bytes != 0) {
                body_limit_ = own.bytes;
                body_limit_setting_ = std::string(own.setting);
                parser_->body_limit(body_limit_);
            }
        }
        return http::async_read(
            stream_, buffer_, *parser_,
            beast::bind_front_handler(&HttpConnection::OnRead, shared_from_this()));
    }
    if (bytes.size() - start >= limits_.max_header_bytes) {
        started_ = std::chrono::steady_clock::now();
        record_ = RequestRecord{};
        HttpResponse response{http::status::request_header_fields_too_large, 11};
        response.set(http::field::content_type, "application/json");
        response.body() =
            JsonRpcErrorBody(-32600, "Request header fields too large: the limit is " +
                                         std::to_string(limits_.max_header_bytes) + " bytes");
        return RefuseEarly(std::move(response));
    }
    stream_.async_read_some(
        buffer_.prepare(8192),
        beast::bind_front_handler(&HttpConnection::OnHeadBytes, shared_from_this()));
}

void HttpConnection::OnHeadBytes(beast::error_code ec, std::size_t bytes) {
    if (state_ == State::kClosed) return;
    buffer_.commit(bytes);
    if (ec) return Close();  // end of stream, timeout, reset: nobody to answer
    ReadHead();
}

void HttpConnection::OnRead(beast::error_code ec, std::size_t /*bytes*/) {
    if (state_ == State::kClosed) return;
    if (ec == http::error::body_limit) {
        started_ = std::chrono::steady_clock::now();
        record_ = RequestRecord{};
        HttpResponse response{http::status::payload_too_large, 11};
        response.set(http::field::content_type, "application/json");
        response.body() = JsonRpcErrorBody(-32600, "Request body too large: the limit is " +
                                                       std::to_string(body_limit_) + " bytes (" +
                                                       body_limit_setting_ + ")");
        return RefuseEarly(std::move(response));
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::bad_descriptor) {
        return Close();
    }
    if (ec) return RefuseRequest(ec.message());
    HttpRequest request = parser_->release();
    // Beast merges repeated identical Content-Length values (RFC 9112 allows it); a proxy in
    // front may have framed the body by another rule, so refuse any repetition of the framing.
    // (FramingProblem already refused it from the raw header block; this is the second lock.)
    if (request.count(http::field::content_length) > 1 ||
        request.count(http::field::transfer_encoding) > 1) {
        return RefuseRequest("repeated Content-Length or Transfer-Encoding header");
    }
    BeginRequest(std::move(request));
}

void HttpConnection::RefuseRequest(const std::string& reason) {
    started_ = std::chrono::steady_clock::now();
    record_ = RequestRecord{};
    HttpResponse response{http::status::bad_request, 11};
    response.set(http::field::content_type, "application/json");
    response.body() = JsonRpcErrorBody(-32600, "Bad HTTP request: " + reason);
    RefuseEarly(std::move(response));
}

void HttpConnection::RefuseEarly(HttpResponse response) {
    linger_after_write_ = true;
    ReplyNow(std::move(response), true);
}

void HttpConnection::Linger() {
    state_ = State::kLingering;
    live_generation_.store(0);
    keepalive_timer_.cancel();
    beast::error_code ignored;
    // The FIN tells the client the answer is complete; reading on keeps the kernel from
    // answering its remaining bytes with a reset that would destroy the answer unread.
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    buffer_.consume(buffer_.size());
    // Twice the body limit: a request up to twice the limit (its body mostly unread after an
    // early 413) still gets its answer; beyond that, or after linger_timeout, close anyway.
    linger_left_ = 2 * std::max(body_limit_, limits_.max_body_bytes);
    stream_.expires_after(std::min(limits_.linger_timeout, limits_.io_timeout));
    stream_.async_read_some(
        buffer_.prepare(64 << 10),
        beast::bind_front_handler(&HttpConnection::OnLingerRead, shared_from_this()));
}

void HttpConnection::OnLingerRead(beast::error_code ec, std::size_t bytes) {
    if (state_ != State::kLingering) return;
    buffer_.consume(buffer_.size());  // never committed: discarded
    if (ec || bytes >= linger_left_) return Close();
    linger_left_ -= bytes;
    stream_.async_read_some(
        buffer_.prepare(std::min<std::size_t>(64 << 10, linger_left_)),
        beast::bind_front_handler(&HttpConnection::OnLingerRead, shared_from_this()));
}

void HttpConnection::BeginRequest(HttpRequest request) {
    state_ = State::kHandling;
    stream_.expires_never();
    keep_alive_ = request.keep_alive();
    started_ = std::chrono::steady_clock::now();
    record_ = RequestRecord{};
    record_.method = std::string(request.method_string());
    record_.target = std::string(request.target().substr(0, 256));
    record_.correlation_id = CorrelationId(request["X-Correlation-ID"]);
    record_.session = std::string(request["Mcp-Session-Id"].substr(0, 128));
    request.set("X-Correlation-ID", record_.correlation_id);
    request_open_ = true;
    hooks_.RequestStarted();
    ++generation_;
    live_generation_.store(generation_);
    // In the strand: a request the handler runs on this thread (McpEndpoint::Lend) answers
    // through Exchange, which starts the write here at once; later writes of a stream wait
    // until the handler returns. So such a request never waits on the client (the answer
    // needs this connection's writes): the backend runs those on workers.
    handler_.Handle(std::move(request),
                    std::make_shared<RequestExchange>(shared_from_this(), generation_));
}

void HttpConnection::ReplyNow(HttpResponse response, bool close) {
    state_ = State::kHandling;
    request_open_ = true;
    hooks_.RequestStarted();
    keep_alive_ = false;
    close_after_write_ = close;
    ++generation_;
    live_generation_.store(generation_);
    Reply(generation_, std::move(response));
}

void HttpConnection::Reply(std::uint64_t generation, HttpResponse response) {
    if (generation != generation_ || state_ != State::kHandling) return;
    if (!keep_alive_ || hooks_.draining()) close_after_write_ = true;
    response.keep_alive(!close_after_write_);
    response.set("X-Correlation-ID",
                 record_.correlation_id.empty() ? CorrelationId("") : record_.correlation_id);
    if (auto session = response["Mcp-Session-Id"]; !session.empty()) {
        record_.session = std::string(session);
    }
    response.prepare_payload();
    live_generation_.store(0);
    FinishRequest(response.result_int());
    Queue(SerializeResponse(response));
}

void HttpConnection::StartStream(std::uint64_t generation, HttpResponse head, bool keepalive) {
    if (generation != generation_ || state_ != State::kHandling) return;
    state_ = State::kStreaming;
    record_.stream = true;
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-cache");
    head.set("X-Accel-Buffering", "no");
    head.set("X-Correlation-ID", record_.correlation_id);
    if (auto session = head["Mcp-Session-Id"]; !session.empty()) {
        record_.session = std::string(session);
    }
    head.keep_alive(keep_alive_ && !hooks_.draining());
    record_.status = head.result_int();
    Queue(SerializeStreamHead(head));
    WatchStream();
    if (keepalive) ScheduleKeepalive();
}

void HttpConnection::ScheduleKeepalive() {
    keepalive_timer_.expires_after(limits_.stream_keepalive);
    keepalive_timer_.async_wait(
        [self = shared_from_this(), generation = generation_](beast::error_code ec) {
            if (ec || generation != self->generation_ || self->state_ != State::kStreaming) {
                return;
            }
            self->Queue(Chunk(": keepalive\n\n"));
            self->ScheduleKeepalive();
        });
}

void HttpConnection::StreamEvent(std::uint64_t generation, std::string data) {
    if (generation != generation_ || state_ != State::kStreaming) return;
    Queue(Chunk("event: message\ndata: " + data + "\n\n"));
}

void HttpConnection::EndStream(std::uint64_t generation) {
    if (generation != generation_ || state_ != State::kStreaming) return;
    keepalive_timer_.cancel();
    if (!keep_alive_ || hooks_.draining()) close_after_write_ = true;
    live_generation_.store(0);
    state_ = State::kHandling;
    FinishRequest(record_.status);
    Queue("0\r\n\r\n");
}

void HttpConnection::FinishRequest(unsigned status) {
    record_.status = status;
    record_.elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
            .count();
    if (request_open_) {
        request_open_ = false;
        hooks_.RequestFinished(record_);
    }
    answered_ = true;
}

void HttpConnection::Queue(std::string bytes) {
    if (state_ == State::kClosed || state_ == State::kLingering) return;
    writes_.push_back(std::move(bytes));
    if (!writing_) DoWrite();
}

void HttpConnection::DoWrite() {
    writing_ = true;
    stream_.expires_after(limits_.io_timeout);
    net::async_write(stream_, net::buffer(writes_.front()),
                     beast::bind_front_handler(&HttpConnection::OnWrite, shared_from_this()));
}

void HttpConnection::OnWrite(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    if (ec) return Close();
    writes_.pop_front();
    if (!writes_.empty()) return DoWrite();
    if (state_ == State::kStreaming) {
        stream_.expires_never();
        return;
    }
    if (!answered_) return;  // more of this answer is still to come
    answered_ = false;
    if (linger_after_write_) return Linger();
    if (close_after_write_) return Close();
    // Nothing of this connection is pending now: it may move to an idle loop.
    if (!watching_ && !hooks_.draining() && hooks_.Reseat(seat_, stream_, buffer_)) {
        state_ = State::kClosed;
        return Unseat();
    }
    DoRead();
}

void HttpConnection::WatchStream() {
    if (watching_) return;
    watching_ = true;
    // No timeout for this read: a stream lasts as long as it lasts. (A pending read keeps
    // the expiry it started with, and expires_never leaves a pending write's alone.)
    stream_.expires_never();
    stream_.async_read_some(
        buffer_.prepare(1024),
        beast::bind_front_handler(&HttpConnection::OnWatchRead, shared_from_this()));
}

void HttpConnection::OnWatchRead(beast::error_code ec, std::size_t bytes) {
    watching_ = false;
    buffer_.commit(bytes);  // the start of a next request, sent before this stream ended
    switch (state_) {
        case State::kClosed:
        case State::kLingering: return;
        case State::kReading:
            // The stream ended and DoRead cancelled this read: read the next request.
            if (ec && ec != net::error::operation_aborted) return Close();
            stream_.expires_after(limits_.io_timeout);
            return ReadHead();
        case State::kStreaming:
        case State::kHandling:
            // The client went away (end of stream, reset) while its answer was being sent.
            if (ec) return Close();
            return;  // it sent bytes: they wait in the buffer for the next request
    }
}

void HttpConnection::Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    live_generation_.store(0);
    keepalive_timer_.cancel();
    if (request_open_) {
        request_open_ = false;
        record_.status = 0;  // the client went away before the answer
        hooks_.RequestFinished(record_);
    }
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    stream_.close();
    Unseat();
}

}  // namespace mnemo::transport
