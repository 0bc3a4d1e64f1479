// SPDX-License-Identifier: MIT
// Pure HTTP pieces of the memory browser.
#include "ui/ui_http.hpp"

#include <cctype>
#include <cstdint>

#include <openssl/crypto.h>

#include "memory/tenant_keys.hpp"

namespace mnemo::ui {
namespace {

int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> Decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out.push_back(' ');
        } else if (text[i] == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int high = HexDigit(text[i + 1]);
            const int low = HexDigit(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace

std::optional<std::map<std::string, std::string>> ParseQuery(std::string_view target) {
    std::map<std::string, std::string> params;
    const auto mark = target.find('?');
    if (mark == std::string_view::npos) return params;
    std::string_view query = target.substr(mark + 1);
    while (!query.empty()) {
        const auto end = query.find('&');
        const std::string_view pair = query.substr(0, end);
        query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
        if (pair.empty()) continue;
        const auto equals = pair.find('=');
        auto name = Decode(pair.substr(0, equals));
        auto value =
            Decode(equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1));
        if (!name || !value) return std::nullopt;
        params.emplace(std::move(*name), std::move(*value));
    }
    return params;
}

std::string CookieValue(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const auto end = header.find(';');
        const std::string_view pair = Trim(header.substr(0, end));
        header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
        const auto equals = pair.find('=');
        if (equals != std::string_view::npos && Trim(pair.substr(0, equals)) == name) {
            return std::string(Trim(pair.substr(equals + 1)));
        }
    }
    return {};
}

std::string CsrfToken(std::string_view secret) {
    return memory::Sha256Hex("mnemo-ui-csrf\n" + std::string(secret));
}

bool SameSecret(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool SameOriginWrite(const util::RouteRequest& request, std::string_view public_url) {
    if (const std::string site = request.Header("sec-fetch-site");
        !site.empty() && site != "same-origin") {
        return false;
    }
    const std::string origin = request.Header("origin");
    if (origin.empty()) return true;
    std::string_view base = public_url;
    while (!base.empty() && base.back() == '/') base.remove_suffix(1);
    if (!base.empty() && origin == base) return true;
    const std::string host = request.Header("host");
    return !host.empty() && (origin == "http://" + host || origin == "https://" + host);
}

bool HasMediaType(std::string_view content_type, std::string_view media_type) {
    const std::string_view type = Trim(content_type.substr(0, content_type.find(';')));
    if (type.size() != media_type.size()) return false;
    for (std::size_t i = 0; i < type.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(type[i])) != media_type[i]) return false;
    }
    return true;
}

bool IsJson(std::string_view content_type) {
    return HasMediaType(content_type, "application/json");
}

bool ValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        std::uint32_t min = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            min = 0x10000;
        } else {
            return false;
        }
        if (i + extra >= text.size()) return false;
        std::uint32_t code = c & (0x3F >> extra);
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            code = (code << 6) | (next & 0x3F);
        }
        if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

util::RouteResponse Secured(int status, std::string content_type, std::string body) {
    util::RouteResponse response;
    response.status = status;
    response.headers = {{"Content-Type", std::move(content_type)},
                        {"Content-Security-Policy", std::string(kContentSecurityPolicy)},
                        {"X-Content-Type-Options", "nosniff"},
                        {"X-Frame-Options", "DENY"},
                        {"Referrer-Policy", "no-referrer"},
                        {"Cross-Origin-Opener-Policy", "same-origin"},
                        {"Cross-Origin-Resource-Policy", "same-origin"}};
    response.body = std::move(body);
    return response;
}

util::RouteResponse JsonReply(int status, const nlohmann::json& body) {
    auto response = Secured(status, "application/json; charset=utf-8",
                            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

util::RouteResponse ErrorReply(int status, const std::string& message) {
    return JsonReply(status, {{"error", message}});
}

}  // namespace mnemo::ui
