// SPDX-License-Identifier: MIT
// URI template expansion and matching.
#include "mcp/uri_template.hpp"

namespace mnemo::mcp {
namespace {

bool IsUnreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// RFC 3986 reserved characters that reserved expansion ({+name}) leaves as they are; '?',
/// '#', '[' and ']' are encoded anyway (they would end or confuse a URI's path), and '%'
/// always is, so that decoding gives back exactly what was expanded.
bool IsKeptByReservedExpansion(unsigned char c) {
    return IsUnreserved(c) ||
           std::string_view("/:@!$&'()*+,;=").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string Encode(std::string_view value, bool reserved) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (reserved ? IsKeptByReservedExpansion(byte) : IsUnreserved(byte)) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 0xF]);
        }
    }
    return out;
}

}  // namespace

std::string PercentEncode(std::string_view value) { return Encode(value, /*reserved=*/false); }

std::optional<std::string> PercentDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        const int high = HexValue(text[i + 1]);
        const int low = HexValue(text[i + 2]);
        if (high < 0 || low < 0 || (high == 0 && low == 0)) return std::nullopt;
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return out;
}

std::string ExpandUriTemplate(std::string_view uri_template, const UriVariables& values) {
    std::string out;
    std::size_t pos = 0;
    while (pos < uri_template.size()) {
        const auto open = uri_template.find('{', pos);
        const auto close = open == std::string_view::npos ? open : uri_template.find('}', open);
        if (close == std::string_view::npos) {
            out.append(uri_template.substr(pos));
            break;
        }
        out.append(uri_template.substr(pos, open - pos));
        auto name = uri_template.substr(open + 1, close - open - 1);
        const bool reserved = name.starts_with('+');
        if (reserved) name.remove_prefix(1);
        if (const auto found = values.find(name); found != values.end()) {
            out += Encode(found->second, reserved);
        }
        pos = close + 1;
    }
    return out;
}

std::optional<UriVariables> MatchUriTemplate(std::string_view uri_template, std::string_view uri) {
    UriVariables values;
    std::size_t t = 0;  // position in the template
    std::size_t u = 0;  // position in the URI
    while (t < uri_template.size()) {
        if (uri_template[t] != '{') {
            if (u >= uri.size() || uri[u] != uri_template[t]) return std::nullopt;
            ++t;
            ++u;
            continue;
        }
        const auto close = uri_template.find('}', t);
        if (close == std::string_view::npos) return std::nullopt;
        std::string_view name = uri_template.substr(t + 1, close - t - 1);
        const bool reserved = name.starts_with('+');
        if (reserved) name.remove_prefix(1);
        t = close + 1;
        std::size_t end = u;
        if (reserved) {
            // The value may hold '/': it runs to the last place where the template's next
            // literal text occurs (or to the end), so "a/versions/b/versions/3" keeps the
            // topic "a/versions/b".
            const auto next = uri_template.find('{', t);
            const auto literal = uri_template.substr(
                t, next == std::string_view::npos ? std::string_view::npos : next - t);
            const auto stop = uri.find_first_of("?#", u);
            const auto rest = uri.substr(0, stop);
            end = literal.empty() ? rest.size() : rest.rfind(literal);
            if (end == std::string_view::npos || end < u) return std::nullopt;
        } else {
            // The value runs to the next literal character of the template (or the end).
            const char stop = t < uri_template.size() ? uri_template[t] : '\0';
            while (end < uri.size() && uri[end] != stop && uri[end] != '/' && uri[end] != '?' &&
                   uri[end] != '#') {
                ++end;
            }
        }
        if (end == u) return std::nullopt;
        auto decoded = PercentDecode(uri.substr(u, end - u));
        if (!decoded) return std::nullopt;
        values[std::string(name)] = std::move(*decoded);
        u = end;
    }
    if (u != uri.size()) return std::nullopt;
    return values;
}

}  // namespace mnemo::mcp
