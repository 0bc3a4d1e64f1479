// SPDX-License-Identifier: MIT
// Caller SQL as text: classification, its end, errors quoting it, typed values.
#include "memory/caller_sql_text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace mnemo::memory {
namespace {

// PostgreSQL's built-in type OIDs (pg_type.dat): stable across versions.
constexpr unsigned kBool = 16;
constexpr unsigned kInt8 = 20;
constexpr unsigned kInt2 = 21;
constexpr unsigned kInt4 = 23;
constexpr unsigned kOid = 26;
constexpr unsigned kJson = 114;
constexpr unsigned kFloat4 = 700;
constexpr unsigned kFloat8 = 701;
constexpr unsigned kNumeric = 1700;
constexpr unsigned kJsonb = 3802;

/// The index just past the comment that starts at `i` ("-- …" to the end of its line, or a
/// nested "/* … */"); `i` itself when none starts there.
std::size_t PastComment(std::string_view sql, std::size_t i) {
    if (sql.substr(i, 2) == "--") {
        const auto newline = sql.find('\n', i);
        return newline == std::string_view::npos ? sql.size() : newline;
    }
    if (sql.substr(i, 2) != "/*") return i;
    int depth = 0;
    while (i < sql.size()) {
        if (sql.substr(i, 2) == "/*") {
            ++depth;
            i += 2;
        } else if (sql.substr(i, 2) == "*/") {
            i += 2;
            if (--depth == 0) break;
        } else {
            ++i;
        }
    }
    return i;
}

/// The index just past comments, whitespace and opening parentheses at `i`.
std::size_t SkipToKeyword(std::string_view sql, std::size_t i) {
    while (i < sql.size()) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == '(') {
            ++i;
        } else if (const std::size_t after = PastComment(sql, i); after != i) {
            i = after;
        } else {
            break;
        }
    }
    return i;
}

/// The line of `sql` holding character `position` (1-based), its number, and the column
/// (characters before the position on that line).
struct LineAt {
    std::string_view line;
    std::size_t number = 1;
    std::size_t column = 0;
};

LineAt FindLine(std::string_view sql, std::size_t position) {
    LineAt at;
    std::size_t line_start = 0;
    std::size_t chars = 0;
    std::size_t i = 0;
    for (; i < sql.size() && chars + 1 < position; ++i) {
        if ((static_cast<unsigned char>(sql[i]) & 0xC0U) == 0x80U) continue;
        ++chars;
        if (sql[i] == '\n') {
            ++at.number;
            line_start = i + 1;
        }
    }
    const auto line_end = sql.find('\n', line_start);
    at.line = sql.substr(line_start, line_end == std::string_view::npos ? std::string_view::npos
                                                                        : line_end - line_start);
    at.column = Utf8Length(sql.substr(line_start, i - line_start));
    return at;
}

/// `message` without libpq's "LINE n: …" excerpt and the caret line under it.
std::string WithoutExcerpt(const std::string& message) {
    std::string kept;
    std::size_t start = 0;
    bool skip_caret = false;
    while (start < message.size()) {
        auto end = message.find('\n', start);
        if (end == std::string::npos) end = message.size();
        const std::string_view line(message.data() + start, end - start);
        const bool caret = skip_caret && line.find_first_not_of(' ') != std::string_view::npos &&
                           line[line.find_first_not_of(' ')] == '^';
        if (line.starts_with("LINE ")) {
            skip_caret = true;
        } else if (!caret) {
            skip_caret = false;
            kept += (kept.empty() ? "" : "\n") + std::string(line);
        }
        start = end + 1;
    }
    return kept;
}

bool IsSafeDouble(std::string_view text) {
    std::size_t digits = 0;
    for (const char c : text) {
        if (c == 'e' || c == 'E') break;
        if (std::isdigit(static_cast<unsigned char>(c)) != 0) ++digits;
    }
    // Leading zeros count too: conservative, never a wrong number.
    return digits <= 15;
}

nlohmann::json NumberOrString(std::string_view text, bool integer) {
    if (integer) {
        std::int64_t value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        // Beyond 2^53 a JSON reader (JavaScript's) would silently round it.
        constexpr std::int64_t kExact = (std::int64_t{1} << 53) - 1;
        if (error == std::errc() && end == text.data() + text.size() && value <= kExact &&
            value >= -kExact) {
            return value;
        }
        return std::string(text);
    }
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc() && end == text.data() + text.size() && std::isfinite(value)) {
        return value;
    }
    return std::string(text);  // NaN, Infinity
}

}  // namespace

Result<CallerStatement> ClassifyCallerSql(std::string_view sql) {
    const std::size_t start = SkipToKeyword(sql, 0);
    std::size_t end = start;
    while (end < sql.size() && (std::isalpha(static_cast<unsigned char>(sql[end])) != 0)) ++end;
    std::string keyword(sql.substr(start, end - start));
    for (char& c : keyword) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (keyword == "SELECT" || keyword == "WITH" || keyword == "VALUES" || keyword == "TABLE") {
        return CallerStatement::kQuery;
    }
    if (keyword == "SHOW" || keyword == "EXPLAIN") return CallerStatement::kUtility;
    const std::string found =
        keyword.empty() ? (start < sql.size() ? "'" + std::string(sql.substr(start, 1)) + "'"
                                              : std::string("an empty statement"))
                        : keyword;
    return Error(ErrorCode::kInvalidArgument,
                 "query_database runs read-only queries (SELECT, WITH … SELECT, VALUES, TABLE, "
                 "SHOW, EXPLAIN), not " +
                     found);
}

std::string_view WithoutTrailer(std::string_view sql) {
    std::size_t end = 0;  // one past the last character of a token
    std::size_t i = 0;
    while (i < sql.size()) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == ';') {
            ++i;
        } else if (const std::size_t after = PastComment(sql, i); after != i) {
            i = after;
        } else if (c == '\'' || c == '"') {
            // '' and "" inside are two quotes in a row: the loop steps over both.
            const auto close = sql.find(c, i + 1);
            i = close == std::string_view::npos ? sql.size() : close + 1;
            end = i;
        } else if (c == '$' &&
                   (i == 0 || std::isalnum(static_cast<unsigned char>(sql[i - 1])) == 0)) {
            const auto tag_end = sql.find('$', i + 1);
            const auto tag = tag_end == std::string_view::npos ? std::string_view()
                                                               : sql.substr(i, tag_end - i + 1);
            const bool is_tag =
                !tag.empty() &&
                tag.find_first_not_of(
                    "$_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
                    std::string_view::npos &&
                std::isdigit(static_cast<unsigned char>(tag[1 % tag.size()])) == 0;
            if (is_tag) {
                const auto close = sql.find(tag, i + tag.size());
                i = close == std::string_view::npos ? sql.size() : close + tag.size();
            } else {
                ++i;  // a parameter such as $1
            }
            end = i;
        } else {
            end = ++i;
        }
    }
    return sql.substr(0, end);
}

pqpool::Error QuoteCallerSql(const pqpool::Error& error, std::string_view caller_sql,
                             std::size_t prefix_chars) {
    std::string message = WithoutExcerpt(error.message());
    const auto position = static_cast<std::size_t>(std::max(error.statement_position(), 0));
    if (position > prefix_chars && position - prefix_chars <= Utf8Length(caller_sql) + 1) {
        const LineAt at = FindLine(caller_sql, position - prefix_chars);
        const std::string label = "LINE " + std::to_string(at.number) + ": ";
        // libpq's excerpt sits right after the first line of the message.
        const auto first_end = message.find('\n');
        const std::string excerpt =
            label + std::string(at.line) + "\n" + std::string(label.size() + at.column, ' ') + "^";
        if (first_end == std::string::npos) {
            message += "\n" + excerpt;
        } else {
            message.insert(first_end + 1, excerpt + "\n");
        }
    }
    pqpool::Error quoted(error.code(), std::move(message), error.sqlstate());
    return quoted;
}

std::size_t Utf8Length(std::string_view text) {
    std::size_t chars = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++chars;
    }
    return chars;
}

nlohmann::json TypedValue(std::string_view text, unsigned oid, bool whole) {
    if (!whole) return std::string(text);
    switch (oid) {
        case kBool:
            if (text == "t") return true;
            if (text == "f") return false;
            return std::string(text);
        case kInt2:
        case kInt4:
        case kInt8:
        case kOid: return NumberOrString(text, /*integer=*/true);
        case kFloat4:
        case kFloat8: return NumberOrString(text, /*integer=*/false);
        case kNumeric:
            return IsSafeDouble(text) ? NumberOrString(text, /*integer=*/false)
                                      : nlohmann::json(std::string(text));
        case kJson:
        case kJsonb: {
            auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
            return parsed.is_discarded() ? nlohmann::json(std::string(text)) : parsed;
        }
        default: return std::string(text);
    }
}

}  // namespace mnemo::memory
