// SPDX-License-Identifier: MIT
// QueryCursor: the opaque next-page token of query_files, bound to the filters it came from.
#include "files/query_cursor.hpp"

#include <cmath>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "files/path_rules.hpp"
#include "files/sha256.hpp"

namespace mnemo::files {
namespace {

using Json = nlohmann::json;

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/// Decimal text only: digits, at most one '.', an optional leading '-', an optional exponent.
bool IsDecimal(const std::string& text) {
    if (text.empty() || text.size() > 40) return false;
    if (text.find_first_not_of("0123456789.-+eE") != std::string::npos) return false;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && std::isfinite(value);
}

}  // namespace

std::string FilterFingerprint(const std::string& query, const std::string& type,
                              const std::string& path_prefix, const std::string& changed_since) {
    // Lengths first, so no choice of values can collide by shifting a separator.
    const std::string joined = std::to_string(query.size()) + ":" + query + "|" +
                               std::to_string(type.size()) + ":" + type + "|" +
                               std::to_string(path_prefix.size()) + ":" + path_prefix + "|" +
                               std::to_string(changed_since.size()) + ":" + changed_since;
    return Sha256Hex(joined).substr(0, 16);
}

std::string EncodeCursor(const QueryCursor& cursor, const std::string& fingerprint) {
    const std::string text =
        Json{{"v", 1}, {"s", cursor.score}, {"p", cursor.path}, {"f", fingerprint}}.dump();
    static constexpr char kHex[] = "0123456789abcdef";
    std::string token;
    token.reserve(2 * text.size());
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        token.push_back(kHex[byte >> 4]);
        token.push_back(kHex[byte & 0xF]);
    }
    return token;
}

std::optional<QueryCursor> DecodeCursor(const std::string& token, const std::string& fingerprint) {
    if (token.empty() || token.size() % 2 != 0) return std::nullopt;
    std::string text;
    text.reserve(token.size() / 2);
    for (std::size_t i = 0; i < token.size(); i += 2) {
        const int high = HexValue(token[i]);
        const int low = HexValue(token[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        text.push_back(static_cast<char>(high * 16 + low));
    }
    const Json parsed = Json::parse(text, nullptr, false);
    if (!parsed.is_object() || parsed.value("v", 0) != 1) return std::nullopt;
    const auto score = parsed.find("s");
    const auto path = parsed.find("p");
    const auto bound = parsed.find("f");
    if (score == parsed.end() || path == parsed.end() || bound == parsed.end() ||
        !score->is_string() || !path->is_string() || !bound->is_string()) {
        return std::nullopt;
    }
    QueryCursor cursor{score->get<std::string>(), path->get<std::string>()};
    if (bound->get<std::string>() != fingerprint || !IsDecimal(cursor.score) ||
        !IsValidUtf8(cursor.path) || cursor.path.find('\0') != std::string::npos) {
        return std::nullopt;
    }
    return cursor;
}

}  // namespace mnemo::files
