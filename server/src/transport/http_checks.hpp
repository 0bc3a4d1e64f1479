// SPDX-License-Identifier: MIT
// HTTP checks for the MCP endpoint: Origin/Host allow-lists, Accept, bearer tokens, bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace mnemo::transport {

/// True when a browser `origin` may call mnemo: listed in MNEMO_ALLOWED_ORIGINS, or, when
/// mnemo listens on loopback, an http(s) origin on localhost, 127.0.0.1 or [::1] (any port).
[[nodiscard]] bool OriginAllowed(std::string_view origin, const HttpConfig& http);

/// DNS-rebinding protection: when listening on loopback, the Host header must name localhost,
/// 127.0.0.1 or [::1] (optionally with a port). Always true otherwise.
[[nodiscard]] bool HostAllowed(std::string_view host, const HttpConfig& http);

/// True when the Accept header admits `media_type` (exactly, as type/*, or */*).
[[nodiscard]] bool Accepts(std::string_view accept, std::string_view media_type);

/// True for "application/json" with optional parameters (charset).
[[nodiscard]] bool IsJsonContentType(std::string_view content_type);

/// The token of "Bearer <token>" (scheme case-insensitive); nullopt when absent or malformed.
[[nodiscard]] std::optional<std::string> BearerToken(std::string_view authorization);

/// A correlation id: the client's X-Correlation-ID when it is 1-128 visible ASCII characters,
/// else a fresh one: 16 lower-case hex digits, a random prefix of this process and a counter.
/// Thread-safe.
[[nodiscard]] std::string CorrelationId(std::string_view given);

/// A session's name in logs: a prefix of its id's hash (the id is never logged or stored).
[[nodiscard]] std::string SessionLogId(std::string_view session_id);
/// The same from the session's key (util::Sha256Hex of its id), where it is at hand.
[[nodiscard]] std::string SessionLogIdOfKey(std::string_view session_key);

/// Strict HTTP/1.1 framing over the raw header block of one request (the request line and the
/// header lines up to and including the empty line; leading empty lines are skipped). Returns
/// why the request must be refused with 400 and the connection closed, or nullopt. Refused
/// (RFC 9112 §5.2, §6.1, §6.3, §3.2 and RFC 9110 §7.2), since a proxy in front may frame or
/// route such a request differently than mnemo would:
/// - an obs-fold (a header line starting with a space or a tab), on any header;
/// - Transfer-Encoding whose last coding is not `chunked` (`xchunked`, `chunked, identity`,
///   `identity`), or repeated, or beside Content-Length;
/// - Content-Length repeated (even with equal values) or not a plain decimal number;
/// - more than one Host, more than one Origin.
[[nodiscard]] std::optional<std::string> FramingProblem(std::string_view header_block);

/// The method and the path (the target without its query) of a header block's request line
/// (leading empty lines skipped); empty views when the line is not METHOD SP TARGET SP ....
struct RequestLine {
    std::string_view method;
    std::string_view path;
};
[[nodiscard]] RequestLine ParseRequestLine(std::string_view header_block);

/// A JSON-RPC error object with id null (HTTP-level refusals).
[[nodiscard]] std::string JsonRpcErrorBody(int code, std::string_view message);

}  // namespace mnemo::transport
