// SPDX-License-Identifier: MIT
// Pure HTTP pieces of the memory browser: queries, cookies, CSRF tokens, responses, headers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/http_route.hpp"

namespace mnemo::ui {

/// The browser session cookie: the token pasted on the login page (HttpOnly: scripts never
/// see it; SameSite=Strict: other sites' pages never send it; Path=/ui).
inline constexpr std::string_view kSessionCookie = "mnemo_ui";
/// The header every write carries: the CSRF token /ui/api/session returns.
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";
/// The Content-Security-Policy of every /ui response: only mnemo's own files, no inline
/// script or style, no frames, no plugins.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

/// The parameters of a request target's query ("a=1&b=x%20y"): percent-decoded, '+' as a
/// space; the first value of a repeated name. nullopt when an escape is malformed.
[[nodiscard]] std::optional<std::map<std::string, std::string>> ParseQuery(std::string_view target);

/// The value of cookie `name` in a Cookie header; "" when absent.
[[nodiscard]] std::string CookieValue(std::string_view header, std::string_view name);

/// The CSRF token of a browser session: a hash of the session's secret (the token, or the
/// process key without authentication) under its own domain. Pages of other origins cannot
/// read it, and cannot compute it without the secret.
[[nodiscard]] std::string CsrfToken(std::string_view secret);

/// Constant-time equality of two strings (CSRF tokens).
[[nodiscard]] bool SameSecret(std::string_view a, std::string_view b);

/// True when a write may come from this page: an Origin header, when present, names this
/// server (scheme://Host, or `public_url`), and Sec-Fetch-Site, when present, is
/// "same-origin".
[[nodiscard]] bool SameOriginWrite(const util::RouteRequest& request, std::string_view public_url);

/// True when a Content-Type header names `media_type` (lower-case), with optional parameters.
[[nodiscard]] bool HasMediaType(std::string_view content_type, std::string_view media_type);

/// True for "application/json" with optional parameters.
[[nodiscard]] bool IsJson(std::string_view content_type);

/// True when `text` is valid UTF-8.
[[nodiscard]] bool ValidUtf8(std::string_view text);

/// A response carrying the browser-hardening headers (CSP, nosniff, no framing, no referrer).
[[nodiscard]] util::RouteResponse Secured(int status, std::string content_type, std::string body);
/// A JSON response (not cached), invalid UTF-8 replaced.
[[nodiscard]] util::RouteResponse JsonReply(int status, const nlohmann::json& body);
/// {"error": message} with `status`.
[[nodiscard]] util::RouteResponse ErrorReply(int status, const std::string& message);

}  // namespace mnemo::ui
