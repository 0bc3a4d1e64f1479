// SPDX-License-Identifier: MIT
#include "util/json_read.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "util/utf8.hpp"

namespace mnemo::util {
namespace {

using Json = nlohmann::json;

constexpr int kMaxDepth = 64;

/// Bytes a string may hold as they are: printable ASCII but the quote and the backslash.
constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> plain{};
    for (std::size_t c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
    return plain;
}();

class Reader {
public:
    explicit Reader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

    bool Document(Json& out) {
        SkipSpace();
        if (!Value(out, 0)) return false;
        SkipSpace();
        return p_ == end_;
    }

private:
    void SkipSpace() {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }

    bool Literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::string_view(p_, word.size()) != word) {
            return false;
        }
        p_ += word.size();
        return true;
    }

    bool Value(Json& out, int depth) {
        if (p_ == end_) return false;
        switch (*p_) {
            case '{': return Object(out, depth + 1);
            case '[': return Array(out, depth + 1);
            case '"': {
                std::string text;
                if (!String(text)) return false;
                out = std::move(text);
                return true;
            }
            case 't': out = true; return Literal("true");
            case 'f': out = false; return Literal("false");
            case 'n': out = nullptr; return Literal("null");
            default: return Number(out);
        }
    }

    bool Object(Json& out, int depth) {
        out = Json::object();
        auto& members = *out.get_ptr<Json::object_t*>();
        std::string key;
        return List('}', depth, [&] {
            if (p_ == end_ || *p_ != '"') return false;
            key.clear();
            if (!String(key)) return false;
            SkipSpace();
            if (p_ == end_ || *p_ != ':') return false;
            ++p_;
            SkipSpace();
            // The last of duplicate keys wins, as in nlohmann's parser.
            return Value(members[std::move(key)], depth);
        });
    }

    bool Array(Json& out, int depth) {
        out = Json::array();
        auto& items = *out.get_ptr<Json::array_t*>();
        return List(']', depth, [&] { return Value(items.emplace_back(), depth); });
    }

    /// At an opening bracket: `element` for each comma-separated element up to `close`.
    template <typename Element>
    bool List(char close, int depth, const Element& element) {
        if (depth > kMaxDepth) return false;
        ++p_;
        SkipSpace();
        if (p_ != end_ && *p_ == close) {
            ++p_;
            return true;
        }
        while (true) {
            if (!element()) return false;
            SkipSpace();
            if (p_ == end_) return false;
            if (*p_ == close) {
                ++p_;
                return true;
            }
            if (*p_ != ',') return false;
            ++p_;
            SkipSpace();
        }
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, as JSON defines it.
    bool Number(Json& out) {
        const char* start = p_;
        const bool negative = p_ != end_ && *p_ == '-';
        if (negative) ++p_;
        const char* digits = p_;
        if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
        if (*p_ == '0') {
            ++p_;
        } else {
            while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
        }
        bool integer = true;
        if (p_ != end_ && *p_ == '.') {
            integer = false;
            ++p_;
            if (!Digits()) return false;
        }
        if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
            integer = false;
            ++p_;
            if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (!Digits()) return false;
        }
        if (integer) {
            // nlohmann: strtoull, or strtoll when negative; a value out of their range is
            // read as a double (below).
            std::uint64_t value = 0;
            bool fits = p_ - digits <= 20;
            for (const char* d = digits; fits && d != p_; ++d) {
                fits = !__builtin_mul_overflow(value, 10U, &value) &&
                       !__builtin_add_overflow(value, static_cast<unsigned>(*d - '0'), &value);
            }
            constexpr std::uint64_t kMostNegative = std::uint64_t{1} << 63;
            if (fits && !negative) {
                out = value;
                return true;
            }
            if (fits && value <= kMostNegative) {
                out = value == kMostNegative ? std::numeric_limits<std::int64_t>::min()
                                             : -static_cast<std::int64_t>(value);
                return true;
            }
        }
        // from_chars rounds correctly, as glibc's strtod (nlohmann's) does; out of range
        // (nlohmann: an error for infinity) goes to nlohmann.
        double value = 0;
        const auto [end, ec] = std::from_chars(start, p_, value);
        if (ec != std::errc() || end != p_ || !std::isfinite(value)) return false;
        out = value;
        return true;
    }

    bool Digits() {
        const char* first = p_;
        while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
        return p_ != first;
    }

    /// At the opening quote; appends the decoded string to `out` and steps past the closing one.
    bool String(std::string& out) {
        ++p_;
        while (true) {
            const char* run = p_;
            while (p_ != end_ && kPlain[static_cast<unsigned char>(*p_)]) ++p_;
            out.append(run, p_);
            if (p_ == end_) return false;
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"') {
                ++p_;
                return true;
            }
            if (c == '\\') {
                if (!Escape(out)) return false;
            } else if (c >= 0x80) {
                if (!Utf8Sequence(out)) return false;
            } else {
                return false;  // an unescaped control character
            }
        }
    }

    bool Escape(std::string& out) {
        if (end_ - p_ < 2) return false;
        const char kind = p_[1];
        p_ += 2;
        switch (kind) {
            case '"': out.push_back('"'); return true;
            case '\\': out.push_back('\\'); return true;
            case '/': out.push_back('/'); return true;
            case 'b': out.push_back('\b'); return true;
            case 'f': out.push_back('\f'); return true;
            case 'n': out.push_back('\n'); return true;
            case 'r': out.push_back('\r'); return true;
            case 't': out.push_back('\t'); return true;
            case 'u': break;
            default: return false;
        }
        std::uint32_t code = 0;
        if (!Hex4(code)) return false;
        if (code >= 0xDC00 && code <= 0xDFFF) return false;  // a lone low surrogate
        if (code >= 0xD800 && code <= 0xDBFF) {
            std::uint32_t low = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        AppendUtf8(out, code);
        return true;
    }

    bool Hex4(std::uint32_t& code) {
        if (end_ - p_ < 4) return false;
        for (int i = 0; i < 4; ++i) {
            const char h = *p_++;
            code <<= 4;
            if (h >= '0' && h <= '9') {
                code |= static_cast<std::uint32_t>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
                code |= static_cast<std::uint32_t>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
                code |= static_cast<std::uint32_t>(h - 'A' + 10);
            } else {
                return false;
            }
        }
        return true;
    }

    static void AppendUtf8(std::string& out, std::uint32_t code) {
        if (code < 0x80) {
            out.push_back(static_cast<char>(code));
        } else if (code < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (code >> 6)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else if (code < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (code >> 12)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (code >> 18)));
            out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        }
    }

    /// One well-formed UTF-8 sequence, as nlohmann checks it.
    bool Utf8Sequence(std::string& out) {
        const std::size_t length = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p_),
                                                      reinterpret_cast<const unsigned char*>(end_));
        if (length == 0) return false;
        out.append(p_, length);
        p_ += length;
        return true;
    }

    const char* p_;
    const char* end_;
};

}  // namespace

bool TryReadJson(std::string_view text, Json& out) { return Reader(text).Document(out); }

Json ParseJson(std::string_view text) {
    Json value;
    if (TryReadJson(text, value)) return value;
    return Json::parse(text);
}

}  // namespace mnemo::util
