// SPDX-License-Identifier: MIT
// HTTP checks: pure functions over header values.
#include "transport/http_checks.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "util/digest.hpp"

namespace mnemo::transport {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

/// "localhost", "127.0.0.1" or "[::1]", optionally followed by ":digits".
bool IsLoopbackAuthority(std::string_view authority) {
    for (std::string_view name : {"localhost", "127.0.0.1", "[::1]"}) {
        if (authority.size() < name.size() ||
            !EqualsIgnoreCase(authority.substr(0, name.size()), name)) {
            continue;
        }
        std::string_view rest = authority.substr(name.size());
        if (rest.empty()) return true;
        if (rest.front() != ':' || rest.size() == 1 || rest.size() > 6) continue;
        rest.remove_prefix(1);
        if (std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return true;
        }
    }
    return false;
}

/// True when media-range parameters carry q=0 ("not acceptable", RFC 9110 12.4.2).
bool RefusedByQuality(std::string_view parameters) {
    while (!parameters.empty()) {
        parameters.remove_prefix(1);  // the ';'
        const auto next = parameters.find(';');
        const std::string_view parameter = Trim(parameters.substr(0, next));
        parameters = next == std::string_view::npos ? std::string_view() : parameters.substr(next);
        if (parameter.size() < 2 || (parameter[0] != 'q' && parameter[0] != 'Q') ||
            parameter[1] != '=') {
            continue;
        }
        const std::string_view value = parameter.substr(2);
        return !value.empty() && value.find_first_not_of("0.") == std::string_view::npos;
    }
    return false;
}

}  // namespace

bool OriginAllowed(std::string_view origin, const HttpConfig& http) {
    for (const auto& allowed : http.allowed_origins) {
        if (EqualsIgnoreCase(origin, allowed)) return true;
    }
    if (!http.loopback()) return false;
    for (std::string_view scheme : {"http://", "https://"}) {
        if (origin.size() > scheme.size() &&
            EqualsIgnoreCase(origin.substr(0, scheme.size()), scheme)) {
            return IsLoopbackAuthority(origin.substr(scheme.size()));
        }
    }
    return false;
}

bool HostAllowed(std::string_view host, const HttpConfig& http) {
    return !http.loopback() || IsLoopbackAuthority(host);
}

bool Accepts(std::string_view accept, std::string_view media_type) {
    const std::string_view type = media_type.substr(0, media_type.find('/'));
    while (!accept.empty()) {
        const auto comma = accept.find(',');
        std::string_view range = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
        const auto semicolon = range.find(';');
        if (semicolon != std::string_view::npos && RefusedByQuality(range.substr(semicolon))) {
            continue;
        }
        range = Trim(range.substr(0, semicolon));
        if (range == "*/*" || EqualsIgnoreCase(range, media_type)) return true;
        if (range.size() == type.size() + 2 &&
            EqualsIgnoreCase(range.substr(0, type.size()), type) &&
            range.substr(type.size()) == "/*") {
            return true;
        }
    }
    return false;
}

bool IsJsonContentType(std::string_view content_type) {
    return EqualsIgnoreCase(Trim(content_type.substr(0, content_type.find(';'))),
                            "application/json");
}

std::optional<std::string> BearerToken(std::string_view authorization) {
    authorization = Trim(authorization);
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() <= kScheme.size() ||
        !EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme)) {
        return std::nullopt;
    }
    const std::string_view token = Trim(authorization.substr(kScheme.size()));
    if (token.empty() || token.size() > 512 ||
        !std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7F; })) {
        return std::nullopt;
    }
    return std::string(token);
}

std::string CorrelationId(std::string_view given) {
    const bool usable =
        !given.empty() && given.size() <= 128 &&
        std::all_of(given.begin(), given.end(), [](char c) { return c > 0x20 && c < 0x7F; });
    if (usable) return std::string(given);
    // A random prefix per process and a counter: unique without drawing from OpenSSL's
    // generator on every request (it costs a system call and a cipher block each time).
    static const std::string prefix = util::RandomHex(4);
    static std::atomic<std::uint32_t> next{0};
    std::array<char, 9> counter{};
    std::snprintf(counter.data(), counter.size(), "%08x", next.fetch_add(1));
    return prefix + counter.data();
}

std::string SessionLogId(std::string_view session_id) {
    return session_id.empty() ? std::string() : SessionLogIdOfKey(util::Sha256Hex(session_id));
}

std::string SessionLogIdOfKey(std::string_view session_key) {
    return std::string(session_key.substr(0, 12));
}

std::optional<std::string> FramingProblem(std::string_view block) {
    while (block.substr(0, 2) == "\r\n") block.remove_prefix(2);  // RFC 9112 §2.2
    const auto request_line_end = block.find("\r\n");
    if (request_line_end == std::string_view::npos) return std::nullopt;  // the parser's job
    std::string_view rest = block.substr(request_line_end + 2);
    std::size_t hosts = 0;
    std::size_t origins = 0;
    std::size_t lengths = 0;
    std::size_t encodings = 0;
    std::string_view encoding;
    bool bad_length = false;
    while (!rest.empty()) {
        const auto end = rest.find("\r\n");
        const std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
        if (line.empty()) break;  // the end of the header block
        if (line.front() == ' ' || line.front() == '\t') {
            return "obs-fold (a header line starting with whitespace)";
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;  // the parser refuses it
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = Trim(line.substr(colon + 1));
        if (EqualsIgnoreCase(name, "host")) {
            ++hosts;
        } else if (EqualsIgnoreCase(name, "origin")) {
            ++origins;
        } else if (EqualsIgnoreCase(name, "content-length")) {
            ++lengths;
            bad_length = bad_length || value.empty() ||
                         !std::all_of(value.begin(), value.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
        } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
            ++encodings;
            encoding = value;
        }
    }
    if (bad_length) return "Content-Length is not a decimal number";
    if (hosts > 1) return "more than one Host header";
    if (origins > 1) return "more than one Origin header";
    if (lengths > 1 || encodings > 1) return "repeated Content-Length or Transfer-Encoding header";
    if (encodings == 1) {
        if (lengths == 1) return "Transfer-Encoding beside Content-Length";
        const auto comma = encoding.rfind(',');
        const std::string_view last =
            Trim(comma == std::string_view::npos ? encoding : encoding.substr(comma + 1));
        if (!EqualsIgnoreCase(last, "chunked")) {
            return "Transfer-Encoding whose last coding is not chunked";
        }
    }
    return std::nullopt;
}

std::string JsonRpcErrorBody(int code, std::string_view message) {
    return nlohmann::json{{"jsonrpc", "2.0"},
                          {"id", nullptr},
                          {"error", {{"code", code}, {"message", std::string(message)}}}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

RequestLine ParseRequestLine(std::string_view header_block) {
    while (header_block.starts_with("\r\n")) header_block.remove_prefix(2);
    const std::string_view line = header_block.substr(0, header_block.find("\r\n"));
    const auto first = line.find(' ');
    if (first == std::string_view::npos) return {};
    const auto second = line.find(' ', first + 1);
    if (second == std::string_view::npos) return {};
    const std::string_view target = line.substr(first + 1, second - first - 1);
    return {line.substr(0, first), target.substr(0, target.find('?'))};
}

}  // namespace mnemo::transport
