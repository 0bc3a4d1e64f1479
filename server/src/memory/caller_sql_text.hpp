// SPDX-License-Identifier: MIT
// Caller SQL as text: what kind of statement it is, its end, errors that quote it, and its
// values as typed JSON. No database access.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pqpool/error.hpp"
#include "util/error.hpp"

namespace mnemo::memory {

/// How query_database runs a statement.
enum class CallerStatement {
    kQuery,    // SELECT, WITH … SELECT, VALUES, TABLE, or one of them in parentheses: a cursor
    kUtility,  // SHOW, EXPLAIN: run as they are (PostgreSQL has no cursor over them)
};

/// Classifies `sql` by its first keyword (after comments, whitespace and opening parentheses).
/// Errors: kInvalidArgument "query_database runs read-only queries (SELECT, WITH … SELECT,
/// VALUES, TABLE, SHOW, EXPLAIN), not <KEYWORD>" for anything else, before it is run.
[[nodiscard]] Result<CallerStatement> ClassifyCallerSql(std::string_view sql);

/// `sql` without what follows its last token: trailing whitespace, comments and semicolons
/// (so that it can stand inside parentheses). Strings, quoted names, dollar quotes and
/// comments are skipped whole, so a ';' or "--" inside them is not taken for an end.
[[nodiscard]] std::string_view WithoutTrailer(std::string_view sql);

/// `error` from a statement that held `caller_sql` after `prefix_chars` characters of
/// mnemo's own wrapping: the server's "LINE n: …" excerpt of the wrapper is replaced by one of
/// the caller's SQL, with the caret where the server pointed. Other errors are returned as
/// they are, minus any excerpt of the wrapper.
[[nodiscard]] pqpool::Error QuoteCallerSql(const pqpool::Error& error, std::string_view caller_sql,
                                           std::size_t prefix_chars);

/// Number of UTF-8 characters in `text` (PostgreSQL counts positions in characters).
[[nodiscard]] std::size_t Utf8Length(std::string_view text);

/// A value PostgreSQL sent as text, as JSON by its type `oid`: booleans, integers and
/// floating point numbers become JSON booleans and numbers (integers beyond ±2^53 stay strings,
/// as JSON readers would round them); numeric too when a double holds it
/// exactly (15 significant digits at most), else it stays a string; json and jsonb are parsed;
/// NaN, Infinity, a cut value (`whole` false) and every other type stay strings.
[[nodiscard]] nlohmann::json TypedValue(std::string_view text, unsigned oid, bool whole);

}  // namespace mnemo::memory
