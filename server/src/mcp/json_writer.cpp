// SPDX-License-Identifier: MIT
// Compact JSON serialisation: a walk of the nlohmann DOM with a bulk-copying string escaper.
#include "mcp/json_writer.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "util/utf8.hpp"

namespace mnemo::mcp {
namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

/// A word whose bytes are 0x80 where the byte of `word` needs attention (below 0x20, '"', '\\',
/// or 0x80 and above) and 0 where it can be copied as it is. The lowest flagged byte is always a
/// true one (a borrow only ever flags bytes above a true match), which is all the caller uses.
std::uint64_t Flagged(std::uint64_t word) {
    const std::uint64_t control = (word - kOnes * 0x20) & ~word;
    const std::uint64_t quote = word ^ (kOnes * '"');
    const std::uint64_t backslash = word ^ (kOnes * '\\');
    const std::uint64_t is_quote = (quote - kOnes) & ~quote;
    const std::uint64_t is_backslash = (backslash - kOnes) & ~backslash;
    return (control | is_quote | is_backslash | word) & kHighBits;
}

/// Appends the escape of an ASCII byte that JSON (as nlohmann writes it) escapes.
void AppendEscape(unsigned char byte, std::string& out) {
    switch (byte) {
        case '"': out.append("\\\""); return;
        case '\\': out.append("\\\\"); return;
        case '\b': out.append("\\b"); return;
        case '\t': out.append("\\t"); return;
        case '\n': out.append("\\n"); return;
        case '\f': out.append("\\f"); return;
        case '\r': out.append("\\r"); return;
        default: break;
    }
    static constexpr std::string_view kHex = "0123456789abcdef";  // nlohmann's "\\u%04x"
    const std::array<char, 6> escape = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xF]};
    out.append(escape.data(), escape.size());
}

/// Appends the escaped contents of `text` (without quotes). Returns false, having appended an
/// unspecified prefix, when `text` is not well-formed UTF-8.
bool AppendEscaped(std::string_view text, std::string& out) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = p + text.size();
    const auto* run = p;  // the start of the bytes not yet appended
    while (p < end) {
        if constexpr (std::endian::native == std::endian::little) {
            if (end - p >= 8) {
                std::uint64_t word = 0;
                std::memcpy(&word, p, sizeof word);
                const std::uint64_t flagged = Flagged(word);
                if (flagged == 0) {
                    p += 8;
                    continue;
                }
                p += std::countr_zero(flagged) / 8;
            }
        }
        const unsigned char byte = *p;
        if (byte >= 0x80) {
            const std::size_t length = util::Utf8SequenceLength(p, end);
            if (length == 0) return false;
            p += length;
        } else if (byte < 0x20 || byte == '"' || byte == '\\') {
            out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
            AppendEscape(byte, out);
            run = ++p;
        } else {
            ++p;
        }
    }
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(end - run));
    return true;
}

void AppendString(const std::string& text, std::string& out) {
    const std::size_t start = out.size();
    out.push_back('"');
    if (AppendEscaped(text, out)) {
        out.push_back('"');
        return;
    }
    // Invalid UTF-8 is rare (the parser refuses it; only bytes from elsewhere carry it): let
    // nlohmann replace it, so the replacement characters fall exactly where its decoder puts them.
    out.resize(start);
    out.append(Json(text).dump(-1, ' ', false, Json::error_handler_t::replace));
}

template <class Integer>
void AppendInteger(Integer value, std::string& out) {
    std::array<char, 24> digits{};
    const auto written = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    out.append(digits.data(), static_cast<std::size_t>(written.ptr - digits.data()));
}

void AppendFloat(double value, std::string& out) {
    if (!std::isfinite(value)) {
        out.append("null");  // as nlohmann writes NaN and infinities
        return;
    }
    // nlohmann's own shortest round-trip formatting (what its dump calls for a double).
    std::array<char, 64> digits{};
    const char* last =
        nlohmann::detail::to_chars(digits.data(), digits.data() + digits.size(), value);
    out.append(digits.data(), static_cast<std::size_t>(last - digits.data()));
}

void Append(const Json& value, std::string& out) {
    switch (value.type()) {
        case Json::value_t::object: {
            const auto& object = value.get_ref<const Json::object_t&>();
            out.push_back('{');
            bool first = true;
            for (const auto& [key, member] : object) {
                if (!first) out.push_back(',');
                first = false;
                AppendString(key, out);
                out.push_back(':');
                Append(member, out);
            }
            out.push_back('}');
            return;
        }
        case Json::value_t::array: {
            const auto& array = value.get_ref<const Json::array_t&>();
            out.push_back('[');
            bool first = true;
            for (const Json& element : array) {
                if (!first) out.push_back(',');
                first = false;
                Append(element, out);
            }
            out.push_back(']');
            return;
        }
        case Json::value_t::string:
            AppendString(value.get_ref<const Json::string_t&>(), out);
            return;
        case Json::value_t::boolean: out.append(value.get<bool>() ? "true" : "false"); return;
        case Json::value_t::number_integer:
            AppendInteger(value.get<Json::number_integer_t>(), out);
            return;
        case Json::value_t::number_unsigned:
            AppendInteger(value.get<Json::number_unsigned_t>(), out);
            return;
        case Json::value_t::number_float:
            AppendFloat(value.get<Json::number_float_t>(), out);
            return;
        case Json::value_t::null: out.append("null"); return;
        case Json::value_t::binary:
        case Json::value_t::discarded:
            // Never in an MCP message; nlohmann's own form keeps the output identical anyway.
            out.append(value.dump(-1, ' ', false, Json::error_handler_t::replace));
            return;
    }
}

}  // namespace

void AppendJson(const nlohmann::json& value, std::string& out) { Append(value, out); }

std::string WriteJson(const nlohmann::json& value) {
    std::string out;
    Append(value, out);
    return out;
}

}  // namespace mnemo::mcp
