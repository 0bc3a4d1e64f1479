// SPDX-License-Identifier: MIT
// Exchange: how a handler answers one HTTP request — a complete response or an SSE stream.
#pragma once

#include <memory>
#include <string>

#include <boost/beast/http.hpp>

namespace mnemo::transport {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

/// The answer channel of one request. Handlers may call it from any thread, at any time;
/// whatever arrives after the answer is complete (or the client left) is dropped.
class Exchange {
public:
    virtual ~Exchange() = default;

    /// Sends a complete response (Content-Length is set here).
    virtual void Reply(HttpResponse response) = 0;

    /// Sends `head` (its status and headers) and opens a text/event-stream body. With
    /// `keepalive`, an SSE comment goes out periodically so intermediaries keep it open.
    virtual void StartStream(HttpResponse head, bool keepalive) = 0;
    /// One SSE event "message" carrying `data` (a single-line JSON text).
    virtual void StreamEvent(std::string data) = 0;
    /// Ends the stream; the connection may then serve the next request.
    virtual void EndStream() = 0;

    /// False once the answer is complete or the client went away.
    [[nodiscard]] virtual bool open() const = 0;

    /// The client's IP address (e.g. "192.0.2.7", "::1"); "" when unknown.
    [[nodiscard]] virtual std::string client_address() const { return {}; }
};

/// Handles complete requests. Called on an I/O thread: must not block (no database, no pool
/// waits); post such work elsewhere and answer through the exchange.
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    virtual void Handle(HttpRequest request, std::shared_ptr<Exchange> exchange) = 0;
};

}  // namespace mnemo::transport
