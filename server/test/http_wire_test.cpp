// SPDX-License-Identifier: MIT
// http_wire writes what Beast's own serializer writes, byte for byte.
#include "transport/http_wire.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace mnemo::transport {
namespace {

std::string BeastWrites(const HttpResponse& response) {
    std::ostringstream out;
    out << response;
    return out.str();
}

HttpResponse Prepared(http::status status, unsigned version, std::string body, bool keep_alive) {
    HttpResponse response{status, version};
    response.set(http::field::content_type, "application/json");
    response.set("Mcp-Session-Id", "abc123");
    response.set("X-Correlation-ID", "c-1");
    response.body() = std::move(body);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    return response;
}

TEST(HttpWireTest, AWholeResponseIsWhatBeastWrites) {
    const std::string json = R"({"jsonrpc":"2.0","id":1,"result":{"content":[]}})";
    for (const unsigned version : {10U, 11U}) {
        for (const bool keep_alive : {true, false}) {
            for (const auto& [status, body] : std::vector<std::pair<http::status, std::string>>{
                     {http::status::ok, json},
                     {http::status::accepted, ""},
                     {http::status::no_content, ""},
                     {http::status::not_found, "no such session\n"},
                     {http::status::too_many_requests, std::string(70000, 'x')}}) {
                const HttpResponse response = Prepared(status, version, body, keep_alive);
                EXPECT_EQ(SerializeResponse(response), BeastWrites(response))
                    << "status " << static_cast<int>(status) << ", HTTP " << version
                    << ", keep-alive " << keep_alive;
            }
        }
    }
}

TEST(HttpWireTest, AReasonSetByHandIsKept) {
    HttpResponse response = Prepared(http::status::bad_request, 11, "{}", true);
    response.reason("Bad Request: not JSON");
    EXPECT_EQ(SerializeResponse(response), BeastWrites(response));
}

TEST(HttpWireTest, AStreamHeadReplacesItsFramingWithChunked) {
    HttpResponse head{http::status::ok, 11};
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::content_length, "12");
    head.set("Mcp-Session-Id", "s");
    EXPECT_EQ(SerializeStreamHead(head),
              "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nMcp-Session-Id: s\r\n"
              "Transfer-Encoding: chunked\r\n\r\n");
}

TEST(HttpWireTest, AChunkCarriesItsSizeInHex) {
    EXPECT_EQ(Chunk("event: message\n\n"), "10\r\nevent: message\n\n\r\n");
    EXPECT_EQ(Chunk(std::string(255, 'a')), "ff\r\n" + std::string(255, 'a') + "\r\n");
    EXPECT_EQ(Chunk("x"), "1\r\nx\r\n");
}

}  // namespace
}  // namespace mnemo::transport
