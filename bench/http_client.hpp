// SPDX-License-Identifier: MIT
// mnemo_http_bench's client: one blocking keep-alive HTTP/1.1 connection per MCP session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "child_process.hpp"

namespace mnemo::bench {

/// One response: the status code, the Mcp-Session-Id header (empty when absent) and the body.
struct HttpReply {
    int status = 0;
    std::string session_id;
    std::string body;
};

/// A TCP connection to 127.0.0.1:port that sends whole requests and reads whole responses
/// (Beast's parser; Content-Length or chunked bodies), blocking, each exchange under a
/// deadline. Reconnects lazily when the server closed the connection after a response
/// (Connection: close); a connection that breaks during an exchange fails the run.
///
/// Thread safety: one thread at a time.
class HttpConnection {
public:
    explicit HttpConnection(std::uint16_t port) : port_(port) {}
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;
    ~HttpConnection() { Close(); }

    /// Sends `request` (complete: request line, headers, body) and reads the response into
    /// `reply` (reused between calls). Fails (BenchFailure) on a socket error, a malformed
    /// response, by `deadline`, or on Ctrl-C.
    void Exchange(std::string_view request, BenchClock::time_point deadline, HttpReply& reply);

    /// Opens the connection now (Exchange opens it when needed).
    void Open();
    /// Closes the socket; the next Exchange connects anew.
    void Close() noexcept;

    [[nodiscard]] std::uint16_t port() const { return port_; }

private:
    void Receive(BenchClock::time_point deadline, bool& eof);

    std::uint16_t port_;
    int fd_ = -1;
    std::string in_;  // Received bytes not yet parsed.
};

/// An MCP session over Streamable HTTP: POST /mcp with the headers a well-behaved client
/// sends (Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Authorization when a
/// bearer token is given). Request bodies of the measured calls are pre-built by the caller;
/// only the id is filled in.
///
/// Thread safety: one thread at a time.
class McpHttpSession {
public:
    /// `bearer`: empty when the server runs with MNEMO_AUTH=none.
    McpHttpSession(std::uint16_t port, std::string bearer);

    /// initialize (protocol 2025-11-25) and notifications/initialized (expects 202).
    void Initialize();

    /// A tools/call whose body is `{"jsonrpc":"2.0","id":<id>` + `suffix`; `suffix` carries the
    /// method and params and closes the object. Checks the status (200), the id and
    /// "isError":false without parsing the body (the client's JSON work is not mnemo's).
    /// Returns the body, valid until the next call.
    std::string_view CallPrepared(std::string_view tool, std::string_view suffix);

    /// A tools/call built and parsed here (set-up and checks); returns structuredContent.
    nlohmann::json CallTool(const std::string& tool, const nlohmann::json& arguments);

    /// DELETE /mcp: ends the session on the server (expects 200).
    void Delete();

    /// Replaces the connection by a new one (before a measured run, so that no measured call
    /// pays for connecting or meets a keep-alive connection the server has timed out).
    void Reconnect() {
        connection_.Close();
        connection_.Open();
    }

    [[nodiscard]] const std::string& session_id() const { return session_id_; }

    /// A tools/call suffix for CallPrepared: `,"method":"tools/call","params":{...}}`.
    [[nodiscard]] static std::string ToolSuffix(const std::string& tool,
                                                const nlohmann::json& arguments);

private:
    void Post(std::string_view body);

    HttpConnection connection_;
    std::string bearer_;
    std::string session_id_;
    std::string headers_;  // Everything but Content-Length, refreshed once the session exists.
    std::string request_;  // Request buffer, reused.
    std::string body_;     // Body buffer, reused.
    std::string expected_;
    HttpReply reply_;
    std::int64_t last_id_ = 0;
};

}  // namespace mnemo::bench
