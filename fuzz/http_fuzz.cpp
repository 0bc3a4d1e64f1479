// SPDX-License-Identifier: MIT
// libFuzzer target: the HTTP request path on raw bytes — the strict framing check
// (FramingProblem) on each raw header block, then Beast's request_parser with the server's limits
// (keep-alive: several requests per input), then the header checks (Accepts, IsJsonContentType,
// BearerToken, OriginAllowed, HostAllowed, CorrelationId, ...) on every parsed request's headers.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "config/config.hpp"
#include "transport/http_checks.hpp"

namespace {

namespace http = boost::beast::http;
using mnemo::transport::Accepts;

void CheckHeaders(const http::request<http::string_body>& request,
                  const mnemo::HttpConfig& config) {
    using namespace mnemo::transport;
    (void)Accepts(request[http::field::accept], "application/json");
    (void)Accepts(request[http::field::accept], "text/event-stream");
    (void)IsJsonContentType(request[http::field::content_type]);
    if (auto token = BearerToken(request[http::field::authorization])) (void)token->size();
    (void)OriginAllowed(request[http::field::origin], config);
    (void)HostAllowed(request[http::field::host], config);
    (void)CorrelationId(request["X-Correlation-ID"]);
    (void)SessionLogId(request["Mcp-Session-Id"]);
    (void)JsonRpcErrorBody(-32600, request.target());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const mnemo::HttpConfig loopback = [] {
        mnemo::HttpConfig config;
        config.allowed_origins = {"https://app.example.com", "http://localhost:3000"};
        return config;
    }();
    static const mnemo::HttpConfig remote = [] {
        mnemo::HttpConfig config;
        config.host = "0.0.0.0";
        config.allowed_origins = {"https://app.example.com"};
        return config;
    }();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    // As HttpConnection::DoRead: a fresh parser per request on the same byte stream, each
    // request's raw header block first checked for strict framing (a refusal closes).
    for (int requests = 0; !input.empty() && requests < 8; ++requests) {
        std::size_t start = 0;
        while (input.substr(start, 2) == "\r\n") start += 2;
        const auto head_end = input.find("\r\n\r\n", start);
        if (head_end == std::string_view::npos) return 0;
        if (mnemo::transport::FramingProblem(input.substr(0, head_end + 4))) return 0;
        http::request_parser<http::string_body> parser;
        parser.body_limit(64 * 1024);
        parser.header_limit(16 * 1024);
        boost::beast::error_code ec;
        std::size_t used = 0;
        while (!parser.is_done() && used < input.size()) {
            const std::size_t n =
                parser.put(boost::asio::buffer(input.data() + used, input.size() - used), ec);
            used += n;
            if (ec == http::error::need_more) {
                ec = {};
                if (n == 0) break;
                continue;
            }
            if (ec || n == 0) break;
        }
        if (!ec && !parser.is_done()) parser.put_eof(ec);
        if (ec || !parser.is_done()) return 0;
        const auto request = parser.release();
        CheckHeaders(request, (size & 1) != 0 ? loopback : remote);
        input.remove_prefix(used);
    }
    // The checks also on the raw input as one header value.
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    (void)Accepts(raw, "application/json");
    (void)mnemo::transport::IsJsonContentType(raw);
    (void)mnemo::transport::BearerToken(raw);
    (void)mnemo::transport::OriginAllowed(raw, loopback);
    (void)mnemo::transport::HostAllowed(raw, remote);
    (void)mnemo::transport::CorrelationId(raw);
    (void)mnemo::transport::FramingProblem(raw);
    return 0;
}
