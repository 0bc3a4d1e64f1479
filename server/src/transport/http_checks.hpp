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
/// else a fresh random one.
[[nodiscard]] std::string CorrelationId(std::string_view given);

/// A session's name in logs: a prefix of its id's hash (the id is never logged or stored).
[[nodiscard]] std::string SessionLogId(std::string_view session_id);

/// A JSON-RPC error object with id null (HTTP-level refusals).
[[nodiscard]] std::string JsonRpcErrorBody(int code, std::string_view message);

}  // namespace mnemo::transport
