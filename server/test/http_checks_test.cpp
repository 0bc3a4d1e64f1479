// SPDX-License-Identifier: MIT
// HTTP checks: Origin and Host allow-lists, Accept, Content-Type, bearer tokens, correlation ids.
#include "transport/http_checks.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "memory/tenant_keys.hpp"

namespace mnemo::transport {
namespace {

HttpConfig Listening(const std::string& host, std::vector<std::string> allowed_origins = {}) {
    HttpConfig http;
    http.host = host;
    http.allowed_origins = std::move(allowed_origins);
    return http;
}

bool IsLowerHex(const std::string& text) {
    return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(HttpChecksTest, LoopbackIsDecidedByTheListenHost) {
    EXPECT_TRUE(Listening("127.0.0.1").loopback());
    EXPECT_TRUE(Listening("127.1.2.3").loopback());
    EXPECT_TRUE(Listening("::1").loopback());
    EXPECT_TRUE(Listening("localhost").loopback());
    EXPECT_FALSE(Listening("0.0.0.0").loopback());
    EXPECT_FALSE(Listening("::").loopback());
    EXPECT_FALSE(Listening("192.168.1.10").loopback());
    EXPECT_FALSE(Listening("mnemo.example.com").loopback());
}

TEST(HttpChecksTest, OnLoopbackLocalOriginsOnAnyPortAreAllowed) {
    const HttpConfig http = Listening("127.0.0.1");
    EXPECT_TRUE(OriginAllowed("http://localhost", http));
    EXPECT_TRUE(OriginAllowed("http://localhost:3000", http));
    EXPECT_TRUE(OriginAllowed("https://127.0.0.1:8443", http));
    EXPECT_TRUE(OriginAllowed("http://[::1]:5173", http));
    EXPECT_TRUE(OriginAllowed("http://[::1]", http));
    EXPECT_TRUE(OriginAllowed("http://localhost:65535", http));
    // Scheme and host are case-insensitive.
    EXPECT_TRUE(OriginAllowed("HTTP://LocalHost:3000", http));
    EXPECT_TRUE(OriginAllowed("HTTPS://LOCALHOST", http));
}

TEST(HttpChecksTest, OnLoopbackLookalikeAndForeignOriginsAreRefused) {
    const HttpConfig http = Listening("127.0.0.1");
    EXPECT_FALSE(OriginAllowed("", http));
    EXPECT_FALSE(OriginAllowed("null", http));
    EXPECT_FALSE(OriginAllowed("http://", http));
    EXPECT_FALSE(OriginAllowed("https://evil.example", http));
    EXPECT_FALSE(OriginAllowed("http://localhost.evil.example", http));
    EXPECT_FALSE(OriginAllowed("http://127.0.0.1.evil.example", http));
    EXPECT_FALSE(OriginAllowed("http://localhostx:3000", http));
    EXPECT_FALSE(OriginAllowed("http://localhost:", http));
    EXPECT_FALSE(OriginAllowed("http://localhost:80a", http));
    EXPECT_FALSE(OriginAllowed("http://localhost:1234567", http));
    EXPECT_FALSE(OriginAllowed("http://localhost:3000@evil.example", http));
    EXPECT_FALSE(OriginAllowed("ftp://localhost", http));
    EXPECT_FALSE(OriginAllowed("localhost:3000", http));
}

TEST(HttpChecksTest, OffLoopbackOnlyListedOriginsAreAllowed) {
    const HttpConfig http = Listening("0.0.0.0", {"https://app.example.com"});
    EXPECT_TRUE(OriginAllowed("https://app.example.com", http));
    EXPECT_TRUE(OriginAllowed("HTTPS://APP.EXAMPLE.COM", http));
    EXPECT_FALSE(OriginAllowed("https://app.example.com:8443", http));
    EXPECT_FALSE(OriginAllowed("http://app.example.com", http));
    EXPECT_FALSE(OriginAllowed("https://other.example.com", http));
    // Local origins are not special when mnemo is reachable from elsewhere.
    EXPECT_FALSE(OriginAllowed("http://localhost:3000", http));
    EXPECT_FALSE(OriginAllowed("http://127.0.0.1", http));
    EXPECT_FALSE(OriginAllowed("http://localhost:3000", Listening("0.0.0.0")));
}

TEST(HttpChecksTest, OnLoopbackListedOriginsAreAllowedBesidesLocalOnes) {
    const HttpConfig http = Listening("::1", {"https://app.example.com"});
    EXPECT_TRUE(OriginAllowed("https://app.example.com", http));
    EXPECT_TRUE(OriginAllowed("http://localhost:3000", http));
    EXPECT_FALSE(OriginAllowed("https://other.example.com", http));
}

TEST(HttpChecksTest, OnLoopbackHostMustNameALoopbackAuthority) {
    for (const char* listen : {"127.0.0.1", "::1", "localhost"}) {
        const HttpConfig http = Listening(listen);
        EXPECT_TRUE(HostAllowed("localhost", http)) << listen;
        EXPECT_TRUE(HostAllowed("localhost:8080", http)) << listen;
        EXPECT_TRUE(HostAllowed("LOCALHOST:8080", http)) << listen;
        EXPECT_TRUE(HostAllowed("127.0.0.1", http)) << listen;
        EXPECT_TRUE(HostAllowed("127.0.0.1:8080", http)) << listen;
        EXPECT_TRUE(HostAllowed("[::1]", http)) << listen;
        EXPECT_TRUE(HostAllowed("[::1]:8080", http)) << listen;

        // DNS rebinding: a foreign name that resolves to 127.0.0.1 is refused.
        EXPECT_FALSE(HostAllowed("evil.example", http)) << listen;
        EXPECT_FALSE(HostAllowed("evil.example:8080", http)) << listen;
        EXPECT_FALSE(HostAllowed("localhost.evil.example", http)) << listen;
        EXPECT_FALSE(HostAllowed("127.0.0.1.nip.io", http)) << listen;
        EXPECT_FALSE(HostAllowed("", http)) << listen;
        EXPECT_FALSE(HostAllowed("localhost:", http)) << listen;
        EXPECT_FALSE(HostAllowed("localhost:80x", http)) << listen;
        EXPECT_FALSE(HostAllowed("localhost:1234567", http)) << listen;
        EXPECT_FALSE(HostAllowed("::1", http)) << listen;  // IPv6 hosts need brackets
    }
}

TEST(HttpChecksTest, OffLoopbackAnyHostIsAllowed) {
    const HttpConfig http = Listening("0.0.0.0");
    EXPECT_TRUE(HostAllowed("mnemo.example.com", http));
    EXPECT_TRUE(HostAllowed("evil.example:8080", http));
    EXPECT_TRUE(HostAllowed("localhost", http));
    EXPECT_TRUE(HostAllowed("", http));
}

TEST(HttpChecksTest, AcceptMatchesExactTypesWildcardsAndIgnoresParameters) {
    const std::string_view mcp_accept = "application/json, text/event-stream";
    EXPECT_TRUE(Accepts(mcp_accept, "application/json"));
    EXPECT_TRUE(Accepts(mcp_accept, "text/event-stream"));
    EXPECT_FALSE(Accepts(mcp_accept, "text/html"));

    EXPECT_TRUE(Accepts("*/*", "application/json"));
    EXPECT_TRUE(Accepts("*/*", "text/event-stream"));
    EXPECT_TRUE(Accepts("text/html, */*;q=0.8", "application/json"));
    EXPECT_TRUE(Accepts("application/*", "application/json"));
    EXPECT_TRUE(Accepts("Application/*", "application/json"));
    EXPECT_FALSE(Accepts("application/*", "text/event-stream"));
    EXPECT_FALSE(Accepts("text/*", "application/json"));

    EXPECT_TRUE(Accepts("Application/JSON", "application/json"));
    EXPECT_TRUE(Accepts("TEXT/EVENT-STREAM", "text/event-stream"));
    EXPECT_TRUE(Accepts("application/json;q=0.9", "application/json"));
    EXPECT_TRUE(Accepts("  text/html ,  text/event-stream ; q=1  ", "text/event-stream"));
    EXPECT_TRUE(Accepts("text/html,application/json", "application/json"));
}

TEST(HttpChecksTest, AcceptRefusesMissingAndLookalikeTypes) {
    EXPECT_FALSE(Accepts("", "application/json"));
    EXPECT_FALSE(Accepts(",,", "application/json"));
    EXPECT_FALSE(Accepts("text/html", "application/json"));
    EXPECT_FALSE(Accepts("application/jsonx", "application/json"));
    EXPECT_FALSE(Accepts("application/json-seq", "application/json"));
    EXPECT_FALSE(Accepts("xapplication/json", "application/json"));
    EXPECT_FALSE(Accepts("application", "application/json"));
    EXPECT_FALSE(Accepts("*/json", "application/json"));
    EXPECT_FALSE(Accepts("application/json*", "application/json"));
}

TEST(HttpChecksTest, AcceptTreatsQualityZeroAsRefused) {
    EXPECT_FALSE(Accepts("application/json;q=0", "application/json"));
    EXPECT_FALSE(Accepts("application/json; charset=utf-8; q=0.000", "application/json"));
    EXPECT_TRUE(Accepts("application/json;q=0.5", "application/json"));
    EXPECT_TRUE(Accepts("application/json;q=0, */*;q=0.1", "application/json"));
    EXPECT_FALSE(Accepts("text/event-stream, */*;q=0", "application/json"));
}

TEST(HttpChecksTest, JsonContentTypeAllowsParametersAndCase) {
    EXPECT_TRUE(IsJsonContentType("application/json"));
    EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
    EXPECT_TRUE(IsJsonContentType("application/json;charset=UTF-8"));
    EXPECT_TRUE(IsJsonContentType("Application/JSON"));
    EXPECT_TRUE(IsJsonContentType("  application/json  "));

    EXPECT_FALSE(IsJsonContentType(""));
    EXPECT_FALSE(IsJsonContentType("text/json"));
    EXPECT_FALSE(IsJsonContentType("text/plain"));
    EXPECT_FALSE(IsJsonContentType("application/jsonp"));
    EXPECT_FALSE(IsJsonContentType("application/json-patch+json"));
    EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
    EXPECT_FALSE(IsJsonContentType("multipart/form-data; boundary=application/json"));
}

TEST(HttpChecksTest, BearerTokenIsTakenFromAWellFormedHeader) {
    EXPECT_EQ(BearerToken("Bearer mnemo_abc123"), "mnemo_abc123");
    EXPECT_EQ(BearerToken("bearer mnemo_abc123"), "mnemo_abc123");
    EXPECT_EQ(BearerToken("BEARER mnemo_abc123"), "mnemo_abc123");
    EXPECT_EQ(BearerToken("  Bearer   mnemo_abc123  "), "mnemo_abc123");
    EXPECT_EQ(BearerToken("Bearer a.b-c_d~e+f/g="), "a.b-c_d~e+f/g=");
    EXPECT_EQ(BearerToken("Bearer " + std::string(512, 't')), std::string(512, 't'));
}

TEST(HttpChecksTest, MalformedAuthorizationHeadersGiveNoToken) {
    EXPECT_EQ(BearerToken(""), std::nullopt);
    EXPECT_EQ(BearerToken("Bearer"), std::nullopt);
    EXPECT_EQ(BearerToken("Bearer "), std::nullopt);
    EXPECT_EQ(BearerToken("Bearer    "), std::nullopt);
    EXPECT_EQ(BearerToken("Bearermnemo_abc"), std::nullopt);
    EXPECT_EQ(BearerToken("Bearer\tmnemo_abc"), std::nullopt);
    EXPECT_EQ(BearerToken("Basic dXNlcjpwYXNz"), std::nullopt);
    EXPECT_EQ(BearerToken("Token mnemo_abc"), std::nullopt);
    EXPECT_EQ(BearerToken("mnemo_abc"), std::nullopt);
    EXPECT_EQ(BearerToken("Bearer two tokens"), std::nullopt);
    EXPECT_EQ(BearerToken("Bearer abc\x01"), std::nullopt);
    EXPECT_EQ(BearerToken("Bearer abc\x7f"), std::nullopt);
    EXPECT_EQ(BearerToken("Bearer t\xc3\xb6ken"), std::nullopt);
    EXPECT_EQ(BearerToken("Bearer " + std::string(513, 't')), std::nullopt);
}

TEST(HttpChecksTest, CorrelationIdKeepsAUsableClientValue) {
    EXPECT_EQ(CorrelationId("req-42"), "req-42");
    EXPECT_EQ(CorrelationId("a"), "a");
    EXPECT_EQ(CorrelationId("!~{}[]"), "!~{}[]");
    const std::string longest(128, 'c');
    EXPECT_EQ(CorrelationId(longest), longest);
}

TEST(HttpChecksTest, CorrelationIdReplacesUnusableValuesWithFreshOnes) {
    const std::string too_long(129, 'c');
    std::set<std::string> fresh;
    for (const std::string& given :
         {std::string(), too_long, std::string("has space"), std::string("line\nbreak"),
          std::string("tab\tbed"), std::string("del\x7f"), std::string("caf\xc3\xa9")}) {
        const std::string id = CorrelationId(given);
        EXPECT_NE(id, given);
        EXPECT_EQ(id.size(), 16u) << id;
        EXPECT_TRUE(IsLowerHex(id)) << id;
        fresh.insert(id);
    }
    EXPECT_EQ(fresh.size(), 7u);  // each one new
}

TEST(HttpChecksTest, SessionLogIdIsAStableHashPrefixNotTheId) {
    EXPECT_EQ(SessionLogId(""), "");
    const std::string id = "0123456789abcdef0123456789abcdef";
    const std::string log_id = SessionLogId(id);
    EXPECT_EQ(log_id, memory::Sha256Hex(id).substr(0, 12));
    EXPECT_EQ(log_id.size(), 12u);
    EXPECT_TRUE(IsLowerHex(log_id));
    EXPECT_EQ(id.find(log_id), std::string::npos);
    EXPECT_EQ(SessionLogId(id), log_id);
    EXPECT_NE(SessionLogId(id + "0"), log_id);
    // A known vector: SHA-256("abc") = ba7816bf8f01cfea...
    EXPECT_EQ(SessionLogId("abc"), "ba7816bf8f01");
    // From the session's key (the hash the endpoint keeps), the same name.
    EXPECT_EQ(SessionLogIdOfKey(memory::Sha256Hex(id)), log_id);
    EXPECT_EQ(SessionLogIdOfKey(""), "");
}

TEST(HttpChecksTest, JsonRpcErrorBodyIsAValidErrorWithNullId) {
    const auto body = nlohmann::json::parse(JsonRpcErrorBody(-32600, "Bad Request: \"x\"\n"));
    EXPECT_EQ(body, nlohmann::json::parse(
                        R"({"jsonrpc":"2.0","id":null,
                            "error":{"code":-32600,"message":"Bad Request: \"x\"\n"}})"));
    EXPECT_EQ(nlohmann::json::parse(JsonRpcErrorBody(-32001, ""))["error"]["code"], -32001);
}

TEST(HttpChecksTest, JsonRpcErrorBodySurvivesInvalidUtf8) {
    std::string body;
    ASSERT_NO_THROW(body = JsonRpcErrorBody(-32603, "bad \xff byte"));
    const auto parsed = nlohmann::json::parse(body);
    EXPECT_EQ(parsed["error"]["message"], "bad \xef\xbf\xbd byte");  // U+FFFD
    EXPECT_TRUE(parsed["id"].is_null());
}

// --- Strict framing (issue 17) ----------------------------------------------------------------

std::optional<std::string> Framing(std::string_view headers) {
    return FramingProblem("POST /mcp HTTP/1.1\r\n" + std::string(headers) + "\r\n");
}

TEST(HttpChecksTest, FramingAcceptsOrdinaryRequests) {
    EXPECT_EQ(Framing("Host: a\r\nContent-Length: 5\r\n"), std::nullopt);
    EXPECT_EQ(Framing("Host: a\r\nTransfer-Encoding: chunked\r\n"), std::nullopt);
    EXPECT_EQ(Framing("Host: a\r\nTransfer-Encoding: gzip, Chunked\r\n"), std::nullopt);
    EXPECT_EQ(Framing("Host: a\r\nOrigin: http://localhost\r\n"), std::nullopt);
    EXPECT_EQ(FramingProblem("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), std::nullopt);
}

TEST(HttpChecksTest, RequestLineGivesMethodAndPathWithoutQuery) {
    const RequestLine line = ParseRequestLine("\r\nPOST /ui/api/import?dry_run=1 HTTP/1.1\r\n");
    EXPECT_EQ(line.method, "POST");
    EXPECT_EQ(line.path, "/ui/api/import");
    EXPECT_EQ(ParseRequestLine("GET /mcp HTTP/1.1\r\nHost: a\r\n\r\n").path, "/mcp");
    EXPECT_EQ(ParseRequestLine("GARBAGE\r\n\r\n").method, "");
    EXPECT_EQ(ParseRequestLine("GET /only\r\n\r\n").path, "");
}

TEST(HttpChecksTest, FramingRefusesTransferEncodingNotEndingInChunked) {
    for (const char* coding : {"xchunked", "chunked, identity", "identity", "chunked;q=1", ""}) {
        auto problem = Framing(std::string("Host: a\r\nTransfer-Encoding: ") + coding + "\r\n");
        ASSERT_TRUE(problem.has_value()) << coding;
        EXPECT_NE(problem->find("last coding is not chunked"), std::string::npos) << *problem;
    }
    EXPECT_TRUE(Framing("Transfer-Encoding: identity\r\nContent-Length: 5\r\n").has_value());
    EXPECT_TRUE(Framing("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n").has_value());
    EXPECT_TRUE(
        Framing("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n").has_value());
}

TEST(HttpChecksTest, FramingRefusesObsFoldRepeatsAndBadLengths) {
    EXPECT_EQ(Framing("Host: a\r\nContent-Length:\r\n 5\r\n"),
              "obs-fold (a header line starting with whitespace)");
    EXPECT_TRUE(Framing("Host: a\r\nX-Note: a\r\n\tb\r\n").has_value());
    EXPECT_EQ(Framing("Host: a\r\nhost: b\r\n"), "more than one Host header");
    EXPECT_EQ(Framing("Host: a\r\nOrigin: x\r\nORIGIN: y\r\n"), "more than one Origin header");
    EXPECT_TRUE(Framing("Content-Length: 5\r\nContent-Length: 5\r\n").has_value());
    EXPECT_TRUE(Framing("Content-Length: +5\r\n").has_value());
    EXPECT_TRUE(Framing("Content-Length: 5, 5\r\n").has_value());
}

}  // namespace
}  // namespace mnemo::transport
