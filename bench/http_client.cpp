// SPDX-License-Identifier: MIT
// HttpConnection and McpHttpSession: blocking sockets, Beast's response parser.
#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <system_error>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace mnemo::bench {
namespace {

namespace http = boost::beast::http;
using Json = nlohmann::json;

// How long one exchange may take before the run is declared stuck.
constexpr auto kCallBudget = std::chrono::seconds(60);

std::string Errno(const std::string& what) {
    return what + ": " + std::error_code(errno, std::generic_category()).message();
}

std::string Truncated(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return std::string(text);
    return std::string(text.substr(0, limit)) + "...";
}

}  // namespace

void HttpConnection::Open() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) Fail(Errno("socket"));
    const int one = 1;
    (void)::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const std::string message = Errno("connecting to 127.0.0.1:" + std::to_string(port_));
        Close();
        Fail(message);
    }
    in_.clear();
}

void HttpConnection::Close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    in_.clear();
}

void HttpConnection::Receive(BenchClock::time_point deadline, bool& eof) {
    std::array<char, std::size_t{64} * 1024> chunk{};
    for (;;) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - BenchClock::now());
        pollfd pfd{fd_, POLLIN, 0};
        const int ready =
            ::poll(&pfd, 1, static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, INT_MAX)));
        if (ready < 0 && errno == EINTR) {
            if (Interrupted()) Fail("interrupted");
            continue;
        }
        if (ready < 0) Fail(Errno("poll"));
        if (ready == 0)
            Fail("mnemo did not answer in time (127.0.0.1:" + std::to_string(port_) + ")");
        const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) Fail(Errno("reading from mnemo"));
        eof = n == 0;
        in_.append(chunk.data(), static_cast<std::size_t>(n));
        return;
    }
}

void HttpConnection::Exchange(std::string_view request, BenchClock::time_point deadline,
                              HttpReply& reply) {
    if (fd_ < 0) Open();
    while (!request.empty()) {
        const ssize_t n = ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            if (Interrupted()) Fail("interrupted");
            continue;
        }
        if (n <= 0) Fail(Errno("writing to mnemo"));
        request.remove_prefix(static_cast<std::size_t>(n));
    }

    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(std::uint64_t{256} << 20);
    bool need_more = in_.empty();
    while (!parser.is_done()) {
        if (need_more) {
            bool eof = false;
            Receive(deadline, eof);
            if (eof) {
                boost::beast::error_code ec;
                if (parser.is_header_done()) parser.put_eof(ec);
                if (!parser.is_done()) {
                    Close();
                    Fail("mnemo closed the connection in the middle of a response" +
                         (ec ? " (" + ec.message() + ")" : std::string()));
                }
                break;
            }
        }
        boost::beast::error_code ec;
        const std::size_t used = parser.put(boost::asio::const_buffer(in_.data(), in_.size()), ec);
        in_.erase(0, used);
        need_more = ec == http::error::need_more || (used == 0 && !parser.is_done());
        if (ec && ec != http::error::need_more) {
            Close();
            Fail("malformed HTTP response from mnemo: " + ec.message());
        }
    }
    auto& message = parser.get();
    reply.status = static_cast<int>(message.result_int());
    reply.session_id.assign(message["Mcp-Session-Id"]);
    reply.body = std::move(message.body());
    if (!message.keep_alive()) Close();
}

McpHttpSession::McpHttpSession(std::uint16_t port, std::string bearer)
    : connection_(port), bearer_(std::move(bearer)) {
    headers_ = "Host: 127.0.0.1:" + std::to_string(port) +
               "\r\nContent-Type: application/json\r\n"
               "Accept: application/json, text/event-stream\r\n";
    if (!bearer_.empty()) headers_ += "Authorization: Bearer " + bearer_ + "\r\n";
}

void McpHttpSession::Post(std::string_view body) {
    request_.assign("POST /mcp HTTP/1.1\r\n");
    request_ += headers_;
    request_ += "Content-Length: ";
    request_ += std::to_string(body.size());
    request_ += "\r\n\r\n";
    request_ += body;
    connection_.Exchange(request_, BenchClock::now() + kCallBudget, reply_);
}

void McpHttpSession::Initialize() {
    const Json initialize = {{"jsonrpc", "2.0"},
                             {"id", ++last_id_},
                             {"method", "initialize"},
                             {"params",
                              {{"protocolVersion", "2025-11-25"},
                               {"capabilities", Json::object()},
                               {"clientInfo", {{"name", "mnemo_http_bench"}, {"version", "1"}}}}}};
    Post(initialize.dump());
    if (reply_.status != 200 || reply_.session_id.empty() ||
        reply_.body.find(R"("result")") == std::string::npos) {
        Fail("initialize over HTTP failed (status " + std::to_string(reply_.status) +
             "): " + Truncated(reply_.body, 2000));
    }
    session_id_ = reply_.session_id;
    headers_ += "MCP-Protocol-Version: 2025-11-25\r\nMcp-Session-Id: " + session_id_ + "\r\n";
    Post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    if (reply_.status != 202) {
        Fail("notifications/initialized: status " + std::to_string(reply_.status) +
             " (not 202): " + Truncated(reply_.body, 2000));
    }
}

std::string McpHttpSession::ToolSuffix(const std::string& tool, const Json& arguments) {
    const Json params = {{"name", tool}, {"arguments", arguments}};
    return R"(,"method":"tools/call","params":)" + params.dump() + "}";
}

std::string_view McpHttpSession::CallPrepared(std::string_view tool, std::string_view suffix) {
    const std::string id = std::to_string(++last_id_);
    body_.assign(R"({"jsonrpc":"2.0","id":)");
    body_ += id;
    body_ += suffix;
    Post(body_);
    // mnemo dumps its replies with sorted keys: {"id":N,"jsonrpc":"2.0","result":...}.
    expected_.assign(R"({"id":)");
    expected_ += id;
    expected_ += ',';
    if (reply_.status != 200 || !reply_.body.starts_with(expected_) ||
        reply_.body.find(R"("isError":false)") == std::string::npos) {
        Fail(std::string(tool) + " over HTTP failed (status " + std::to_string(reply_.status) +
             "): " + Truncated(reply_.body, 2000));
    }
    return reply_.body;
}

Json McpHttpSession::CallTool(const std::string& tool, const Json& arguments) {
    const std::string_view body = CallPrepared(tool, ToolSuffix(tool, arguments));
    const Json parsed = Json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("result")) {
        Fail(tool + " over HTTP: unexpected reply: " + Truncated(body, 2000));
    }
    return parsed["result"].value("structuredContent", Json::object());
}

void McpHttpSession::Delete() {
    request_.assign("DELETE /mcp HTTP/1.1\r\n");
    request_ += headers_;
    request_ += "Content-Length: 0\r\n\r\n";
    connection_.Exchange(request_, BenchClock::now() + kCallBudget, reply_);
    if (reply_.status != 200) {
        Fail("DELETE /mcp: status " + std::to_string(reply_.status) + ": " +
             Truncated(reply_.body, 2000));
    }
}

}  // namespace mnemo::bench
